"""House Prices models: each ``build_*`` returns a fresh pipeline whose learned preprocessing
(imputation, the choice of skewed columns, scaling, encoding) is refitted in every fold.

All models learn log1p(SalePrice) (the spec transforms the target), so their errors are the
competition's RMSE on log prices.
"""

import numpy as np
from scipy.stats import skew
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, RobustScaler
from sklearn.svm import SVR

from common.models import KerasRegressor, import_keras

NUMERIC = make_column_selector(dtype_include="number")
CATEGORICAL = make_column_selector(dtype_exclude="number")


class SkewedLog1p(BaseEstimator, TransformerMixin):
    """log1p of the non-negative columns whose skewness (learned in ``fit``) exceeds ``threshold``.

    Areas and counts in this data are right-skewed; on a log scale they relate about linearly to
    log price. Which columns count as skewed is learned from the training rows only.
    """

    def __init__(self, threshold=0.75):
        self.threshold = threshold

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        non_negative = np.nanmin(X, axis=0) >= 0
        self.skewed_ = non_negative & (np.abs(skew(X, axis=0, nan_policy="omit")) > self.threshold)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        X = np.array(X, dtype=float)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"SkewedLog1p was fitted on {self.n_features_in_} columns, got {X.shape[1]}.")
        # a column skewed in train may hold a negative value elsewhere: clip it at 0 before the log
        X[:, self.skewed_] = np.log1p(np.clip(X[:, self.skewed_], 0, None))
        return X

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


class ClipToFitRange(BaseEstimator, TransformerMixin):
    """Clip each column to the range it had in the training rows (learned in ``fit``).

    A linear model extrapolates without limit: a test house twice the size of any it was fitted
    on would get a price no house ever sold for (Id 524, 4,676 sq ft, was predicted at 1.4 M
    against its 185 k). Clipped, it is priced as the largest houses the fold saw.
    """

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.low_, self.high_ = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        return self

    def transform(self, X):
        return np.clip(np.asarray(X, dtype=float), self.low_, self.high_)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


def linear_features(skew_threshold=0.75, min_frequency=None) -> ColumnTransformer:
    """Numbers: median-imputed, clipped to the fold's range, log1p where skewed, robustly scaled.
    Labels: one-hot."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), ClipToFitRange(), SkewedLog1p(skew_threshold),
                            RobustScaler())
    categorical = make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                OneHotEncoder(handle_unknown="ignore", min_frequency=min_frequency,
                                              sparse_output=False))
    return ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])


def tree_features() -> ColumnTransformer:
    """Trees need no scaling: numbers as they are (NaN allowed), labels as integer codes."""
    codes = make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                          OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))
    return ColumnTransformer([("num", "passthrough", NUMERIC), ("cat", codes, CATEGORICAL)])


def _linear(model, **feature_params) -> Pipeline:
    return Pipeline([("features", linear_features(**feature_params)), ("model", model)])


def build_lasso(alpha=0.0005, skew_threshold=0.75):
    return _linear(Lasso(alpha=alpha, max_iter=50_000, random_state=0), skew_threshold=skew_threshold)


def build_svr(C=20.0, epsilon=0.008, gamma=0.0003, skew_threshold=0.75):
    return _linear(SVR(C=C, epsilon=epsilon, gamma=gamma), skew_threshold=skew_threshold)


def build_lightgbm(n_estimators=1500, learning_rate=0.02, num_leaves=6, min_child_samples=5,
                   subsample=0.75, colsample_bytree=0.25, reg_lambda=1.0, max_bin=200):
    from lightgbm import LGBMRegressor

    model = LGBMRegressor(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                          min_child_samples=min_child_samples, subsample=subsample, subsample_freq=1,
                          colsample_bytree=colsample_bytree, reg_lambda=reg_lambda, max_bin=max_bin,
                          n_jobs=1, verbose=-1, random_state=0)  # threads only slow down 1,200 rows
    return Pipeline([("features", tree_features()), ("model", model)])


def build_gradient_boosting(n_estimators=600, learning_rate=0.05, max_depth=4, min_samples_leaf=15,
                            max_features="sqrt", subsample=0.8):
    from sklearn.ensemble import GradientBoostingRegressor

    # huber loss: the remaining odd sales weigh less than under squared error
    model = GradientBoostingRegressor(loss="huber", n_estimators=n_estimators, learning_rate=learning_rate,
                                      max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                      max_features=max_features, subsample=subsample, random_state=0)
    return Pipeline([("features", tree_features()), ("impute", SimpleImputer(strategy="median")),
                     ("model", model)])


def build_wide_deep_mlp(x_train, n_outputs, output_activation, *, units=(64,), dropout_rate=0.2, l2=1e-2,
                        linear_l2=1e-2):
    """An MLP plus a linear path from the inputs to the output (a ridge term the network refines).

    House prices are mostly linear in the prepared features; the hidden layers model what is
    left. The inputs come already scaled by the pipeline (fitted on the training fold); a
    Normalization layer here would blow rare one-hot columns up to values near 30 and hurt.
    """
    keras = import_keras()
    layers = keras.layers
    regularizer = keras.regularizers.l2
    inputs = keras.Input(shape=(x_train.shape[1],))
    linear = layers.Dense(n_outputs, kernel_regularizer=regularizer(linear_l2))(inputs)
    hidden = inputs
    for width in units:
        hidden = layers.Dense(width, activation="relu", kernel_regularizer=regularizer(l2))(hidden)
        hidden = layers.Dropout(dropout_rate)(hidden)
    deep = layers.Dense(n_outputs, kernel_regularizer=regularizer(l2))(hidden)
    outputs = layers.Activation(output_activation)(layers.Add()([linear, deep]))
    return keras.Model(inputs, outputs, name="wide_deep_mlp")


def build_keras_mlp(units=(64,), dropout_rate=0.2, l2=1e-2, linear_l2=1e-2, learning_rate=1e-2, epochs=60,
                    batch_size=256, patience=10):
    """The wide-and-deep network on the lasso's features (rare labels folded into one column).

    Large batches and few epochs: each Keras epoch has a fixed cost, and 1,200 rows need few steps.
    """
    network = KerasRegressor(
        build_fn=build_wide_deep_mlp,
        build_params={"units": units, "dropout_rate": dropout_rate, "l2": l2, "linear_l2": linear_l2},
        learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, patience=patience,
        standardize_target=True)
    return _linear(network, min_frequency=5)


# Optuna search spaces: trial -> builder parameters (see `invoke tune`)
def space_lasso(trial):
    return {"alpha": trial.suggest_float("alpha", 1e-4, 3e-3, log=True),
            "skew_threshold": trial.suggest_float("skew_threshold", 0.3, 1.5)}


def space_svr(trial):
    return {"C": trial.suggest_float("C", 3, 100, log=True),
            "gamma": trial.suggest_float("gamma", 1e-4, 2e-3, log=True),
            "epsilon": trial.suggest_float("epsilon", 1e-3, 0.05, log=True)}


def space_lightgbm(trial):
    return {"n_estimators": trial.suggest_int("n_estimators", 500, 3000, step=250),
            "learning_rate": trial.suggest_float("learning_rate", 0.005, 0.05, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 3, 16),
            "min_child_samples": trial.suggest_int("min_child_samples", 2, 30),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.1, 0.6)}


def space_keras_mlp(trial):
    return {"units": (trial.suggest_categorical("units", [16, 32, 64, 128]),),
            "dropout_rate": trial.suggest_float("dropout_rate", 0.0, 0.5),
            "l2": trial.suggest_float("l2", 1e-3, 1e-1, log=True),
            "linear_l2": trial.suggest_float("linear_l2", 1e-3, 1e-1, log=True)}
