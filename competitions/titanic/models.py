"""Titanic models: each ``build_*`` returns a fresh pipeline whose learned preprocessing
(age imputation, group survival rates, scaling, encoding) is refitted in every fold."""

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from common.models import KerasClassifier, build_mlp

from .features import CATEGORICAL, NUMERIC, AgeByTitleImputer, GroupSurvivalEncoder, WomanChildGroupClassifier


def preprocessing(scale: bool = True) -> Pipeline:
    numeric = make_pipeline(SimpleImputer(strategy="median"), *([StandardScaler()] if scale else []))
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    columns = ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])
    return Pipeline([("age", AgeByTitleImputer()), ("groups", GroupSurvivalEncoder()), ("columns", columns)])


def _with(model, scale=True) -> Pipeline:
    return Pipeline([*preprocessing(scale).steps, ("model", model)])


def build_woman_child_group(smoothing=1.0):
    return WomanChildGroupClassifier(smoothing=smoothing)


def build_logreg(C=0.3):
    return _with(LogisticRegression(C=C, max_iter=2000))


def build_random_forest(n_estimators=500, max_depth=7, min_samples_leaf=2, max_features="sqrt"):
    return _with(RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                        min_samples_leaf=min_samples_leaf, max_features=max_features), scale=False)


def build_extra_trees(n_estimators=500, max_depth=8, min_samples_leaf=2, max_features=0.5):
    return _with(ExtraTreesClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                      min_samples_leaf=min_samples_leaf, max_features=max_features), scale=False)


def build_lightgbm(n_estimators=300, learning_rate=0.03, num_leaves=8, min_child_samples=10,
                   subsample=0.8, colsample_bytree=0.8, reg_lambda=1.0):
    from lightgbm import LGBMClassifier

    return _with(LGBMClassifier(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                                min_child_samples=min_child_samples, subsample=subsample, subsample_freq=1,
                                colsample_bytree=colsample_bytree, reg_lambda=reg_lambda,
                                verbose=-1), scale=False)


def build_keras_mlp(units=(64, 32), dropout_rate=0.3, learning_rate=3e-3, epochs=200, batch_size=32):
    return _with(KerasClassifier(build_fn=build_mlp, build_params={"units": units, "dropout_rate": dropout_rate},
                                 learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, patience=15))


# Optuna search spaces: trial -> builder parameters (see `invoke tune`)
def space_logreg(trial):
    return {"C": trial.suggest_float("C", 0.01, 10, log=True)}


def space_forest(trial):
    return {"n_estimators": trial.suggest_int("n_estimators", 200, 800, step=100),
            "max_depth": trial.suggest_int("max_depth", 3, 12),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 8),
            "max_features": trial.suggest_float("max_features", 0.2, 0.9)}


def space_lightgbm(trial):
    return {"n_estimators": trial.suggest_int("n_estimators", 100, 800, step=50),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 4, 32),
            "min_child_samples": trial.suggest_int("min_child_samples", 5, 40),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10, log=True)}


def space_keras_mlp(trial):
    widths = trial.suggest_categorical("units", ["32", "64-32", "128-64", "256-128"])
    return {"units": tuple(int(w) for w in widths.split("-")),
            "dropout_rate": trial.suggest_float("dropout_rate", 0.0, 0.5),
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True)}
