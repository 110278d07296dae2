"""The CV loop's contracts on tiny synthetic data: row order, fold means, no leakage."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin
from sklearn.pipeline import Pipeline

from common.core.config import Paths
from common.data.competition_data import CompetitionData
from common.data.folds import assign_folds
from common.engine.artifacts import RunWriter, load_fold_model, load_run
from common.engine.cv import run_cv
from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

N, N_TEST = 60, 7


class EchoRow(BaseEstimator, RegressorMixin):
    """Predicts each row's 'row' feature: OOF values then name the row they belong to."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return X["row"].to_numpy(dtype=float)


class TrainMean(BaseEstimator, RegressorMixin):
    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


class RecordingScaler(BaseEstimator, TransformerMixin):
    """Centres 'x' by the mean it learned; remembers which rows it was fitted on."""

    fitted_on: list = []

    def fit(self, X, y=None):
        RecordingScaler.fitted_on.append(set(X["row"]))
        self.mean_ = X["x"].mean()
        return self

    def transform(self, X):
        return X.assign(x=X["x"] - self.mean_)


def make_spec(*models):
    return CompetitionSpec(slug="toy", title="toy", id_column="id", target="y", task="regression",
                           metric_name="rmse", make_features=lambda a, b: (a, b), models=models,
                           submission=SubmissionFormat(kind="values"), folds=FoldScheme(kind="kfold", n_splits=5))


def make_data(y=None):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"row": np.arange(N), "x": rng.normal(size=N)})
    y = rng.normal(size=N) if y is None else y
    X_test = pd.DataFrame({"row": np.arange(100, 100 + N_TEST), "x": rng.normal(size=N_TEST)})
    return CompetitionData(X=X, y=y, X_test=X_test, train_ids=pd.Series(np.arange(N)),
                           test_ids=pd.Series(np.arange(N_TEST)), sample_submission=pd.DataFrame())


def folds_for(spec):
    return assign_folds(spec.folds, np.zeros(N), seed=0)


def test_oof_predictions_come_back_in_train_row_order():
    spec = make_spec(ModelSpec("echo", EchoRow))
    run = run_cv(spec, "echo", make_data(), folds_for(spec), seed=0)
    assert np.array_equal(run.oof, np.arange(N))


def test_test_predictions_are_the_mean_of_the_fold_models():
    spec = make_spec(ModelSpec("mean", TrainMean))
    data, folds = make_data(), folds_for(spec)
    run = run_cv(spec, "mean", data, folds, seed=0)
    expected = np.mean([data.y[folds != k].mean() for k in range(5)])
    assert np.allclose(run.test, expected)
    for k in range(5):  # and each OOF row got its own fold's model
        assert np.allclose(run.oof[folds == k], data.y[folds != k].mean())


def test_preprocessing_is_fitted_on_the_training_part_of_each_fold_only():
    RecordingScaler.fitted_on = []
    spec = make_spec(ModelSpec("scaled", lambda: Pipeline([("scale", RecordingScaler()), ("m", TrainMean())])))
    folds = folds_for(spec)
    run_cv(spec, "scaled", make_data(), folds, seed=0)
    assert len(RecordingScaler.fitted_on) == 5
    for k, rows in enumerate(RecordingScaler.fitted_on):
        assert rows == set(np.flatnonzero(folds != k))


def test_fold_models_and_predictions_are_saved_and_reload(tmp_path):
    spec = make_spec(ModelSpec("mean", TrainMean))
    paths = Paths(tmp_path)
    data, folds = make_data(), folds_for(spec)
    writer = RunWriter(paths, "toy", "mean")
    run = run_cv(spec, "mean", data, folds, seed=0, writer=writer)
    assert writer.commit(run) is None
    loaded = load_run(paths, "toy", "mean")
    assert np.array_equal(loaded.oof, run.oof) and np.array_equal(loaded.test, run.test)
    assert loaded.fold_scores == run.fold_scores
    model = load_fold_model(paths.model_artifacts("toy", "mean"), "fold2")
    assert np.isclose(model.mean_, data.y[folds != 2].mean())
    # a second run keeps the first one in the history instead of deleting it
    writer = RunWriter(paths, "toy", "mean")
    backup = writer.commit(run_cv(spec, "mean", data, folds, seed=0, writer=writer))
    assert backup is not None and (backup / "result.json").exists()


class NoisyMean(TrainMean):
    """The training mean plus a seed-dependent offset."""

    def __init__(self, random_state=0):
        self.random_state = random_state

    def predict(self, X):
        return super().predict(X) + np.random.default_rng(self.random_state).normal()


def test_several_seeds_are_averaged():
    spec = make_spec(ModelSpec("noisy", NoisyMean))
    data, folds = make_data(), folds_for(spec)
    run = run_cv(spec, "noisy", data, folds, seed=5, n_seeds=3)
    offsets = np.mean([np.random.default_rng(5 + 1000 * s).normal() for s in range(3)])
    assert run.n_seeds == 3
    assert np.allclose(run.oof[folds == 0], data.y[folds != 0].mean() + offsets)


def test_models_without_a_seed_are_fitted_once():
    spec = make_spec(ModelSpec("mean", TrainMean))
    assert run_cv(spec, "mean", make_data(), folds_for(spec), seed=0, n_seeds=3).n_seeds == 1


def test_rows_excluded_from_fitting_are_still_predicted_and_scored_out_of_fold():
    spec = make_spec(ModelSpec("scaled_mean", lambda: Pipeline([("scale", RecordingScaler()), ("mean", TrainMean())])))
    y = np.zeros(N)
    excluded = np.arange(N) % 10 == 3  # six rows, e.g. documented outliers, with an extreme target
    y[excluded] = 100.0
    data = make_data(y)
    data.fit_rows = ~excluded
    RecordingScaler.fitted_on = []
    folds = folds_for(spec)
    run = run_cv(spec, "scaled_mean", data, folds, seed=0)
    # never fitted on: every fold model learned a mean of 0 from the other rows
    assert len(RecordingScaler.fitted_on) == 5 and not any(rows & set(np.flatnonzero(excluded)) for rows in RecordingScaler.fitted_on)
    assert np.allclose(run.oof, 0.0) and np.allclose(run.test, 0.0)
    # ...but predicted and scored: each fold's score counts its excluded rows' error
    for k, score in enumerate(run.fold_scores):
        valid = folds == k
        assert np.isclose(score, np.sqrt(np.mean(y[valid] ** 2)))
    assert run.cv_score > 10 and not np.isnan(run.oof[excluded]).any()
