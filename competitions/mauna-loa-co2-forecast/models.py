"""CO2 forecasting models: seasonal naive with drift, LightGBM and a recurrent network.

Every model reads the lag window (oldest reading first) and forecasts relative to its newest
reading, ``lag_52`` (the same week a year earlier): CO2 keeps rising, so a model of the level
would have to extrapolate beyond every value it was trained on, while the change over a year
stays in range. Subtracting a row's own reading is row-wise; nothing is learned across rows.
"""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin, clone
from sklearn.pipeline import Pipeline

from common.models import KerasRegressor, import_keras


class LagWindow(BaseEstimator, TransformerMixin):
    """Select the ``lag_<k>`` columns as a float array, oldest first (largest k first)."""

    def fit(self, X, y=None):
        lags = [c for c in X.columns if str(c).startswith("lag_")]
        if not lags:
            raise ValueError(f"no lag_<k> columns among {list(X.columns)[:5]}...")
        self.columns_ = sorted(lags, key=lambda c: -int(c.split("_")[1]))
        return self

    def transform(self, X):
        return X[self.columns_].to_numpy(dtype=float)


class SeasonalNaiveDrift(BaseEstimator, RegressorMixin):
    """Last year's reading plus last year's growth; fits nothing.

    Forecast = newest lag (same week a year earlier) + mean of the newest ``season`` lags - mean
    of the ``season`` lags before them. Needs a window of at least two seasons.
    """

    def __init__(self, season=52):
        self.season = season

    def fit(self, X, y=None):
        if np.shape(X)[1] < 2 * self.season:
            raise ValueError(f"the window has {np.shape(X)[1]} lags; drift needs 2 x season = {2 * self.season}")
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        last_year, year_before = X[:, -self.season:], X[:, -2 * self.season:-self.season]
        return X[:, -1] + last_year.mean(axis=1) - year_before.mean(axis=1)


class RelativeToNewest(BaseEstimator, RegressorMixin):
    """Fit ``regressor`` on lags and target minus each row's newest lag; add it back to predict."""

    def __init__(self, regressor=None):
        self.regressor = regressor

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        anchor = X[:, -1:]
        self.regressor_ = clone(self.regressor).fit(X - anchor, np.asarray(y, dtype=float) - anchor[:, 0])
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return self.regressor_.predict(X - X[:, -1:]) + X[:, -1]


def build_seasonal_naive(season=52):
    return Pipeline([("lags", LagWindow()), ("model", SeasonalNaiveDrift(season=season))])


def build_lightgbm(n_estimators=200, learning_rate=0.05, num_leaves=7, min_child_samples=20,
                   subsample=0.8, colsample_bytree=0.3, reg_lambda=1.0, random_state=0):
    from lightgbm import LGBMRegressor

    gbm = LGBMRegressor(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                        min_child_samples=min_child_samples, subsample=subsample, subsample_freq=1,
                        colsample_bytree=colsample_bytree, reg_lambda=reg_lambda,
                        random_state=random_state, verbose=-1)
    return Pipeline([("lags", LagWindow()), ("model", RelativeToNewest(gbm))])


def build_rnn_network(x_train, n_outputs, output_activation, *, cell="gru", units=16, step=8,
                      dropout_rate=0.1):
    """A GRU (or LSTM) over the lag window, forecasting the change since the newest lag.

    The (window,) input is reshaped into (window / step, step): ``step`` consecutive weeks per
    timestep, so the recurrence runs over fewer, richer steps. Inside the network: subtract the
    newest lag from every lag, standardise (statistics adapted on ``x_train`` only), run the
    recurrent layer, predict the change and add the newest lag back.
    """
    if n_outputs != 1 or output_activation != "linear":
        raise ValueError("the RNN forecaster is a regressor: one linear output")
    keras = import_keras()
    layers = keras.layers
    window = x_train.shape[1]
    if window % step:
        raise ValueError(f"the window ({window} lags) must split into timesteps of {step} lags")
    inputs = keras.Input(shape=(window,))
    sequence = layers.Reshape((window, 1))(inputs)
    newest = layers.Flatten()(layers.Cropping1D((window - 1, 0))(sequence))  # (n, 1)
    relative = layers.Subtract()([sequence, layers.RepeatVector(window)(newest)])
    normalize = layers.Normalization(axis=None)
    normalize.adapt(x_train - x_train[:, -1:])
    x = layers.Reshape((window // step, step))(normalize(relative))
    recurrent = {"gru": layers.GRU, "lstm": layers.LSTM}[cell]
    x = recurrent(units)(x)
    x = layers.Dropout(dropout_rate)(x)
    change = layers.Dense(1)(x)
    outputs = layers.Add()([newest, change])
    return keras.Model(inputs, outputs, name=f"{cell}_forecaster")


def build_rnn(cell="gru", units=16, step=8, dropout_rate=0.1, epochs=100, batch_size=128,
              learning_rate=5e-3, patience=10):
    network = KerasRegressor(build_fn=build_rnn_network,
                             build_params={"cell": cell, "units": units, "step": step, "dropout_rate": dropout_rate},
                             epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience)
    return Pipeline([("lags", LagWindow()), ("model", network)])

