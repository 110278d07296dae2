"""A small synthetic binary competition whose models run in worker processes (local or Ray),
so its builders live in an importable module rather than in a test file."""

import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from common.core.config import Paths
from common.core.fileio import write_text
from common.models.keras_estimators import KerasClassifier
from common.models.keras_networks import build_mlp
from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

SLUG = "toy-binary"


def build_forest(n_estimators=40):
    return RandomForestClassifier(n_estimators=n_estimators, max_depth=6, random_state=0)


def build_extra_trees(n_estimators=40):
    return ExtraTreesClassifier(n_estimators=n_estimators, max_depth=6, random_state=0)


def build_logreg():
    return LogisticRegression(C=0.5, max_iter=500)


def build_lightgbm(num_leaves=8, learning_rate=0.1):
    from lightgbm import LGBMClassifier

    return LGBMClassifier(n_estimators=60, num_leaves=num_leaves, learning_rate=learning_rate, subsample=0.8,
                          subsample_freq=1, verbose=-1, random_state=0)


def lightgbm_space(trial) -> dict:
    return {"num_leaves": trial.suggest_int("num_leaves", 2, 32, log=True),
            "learning_rate": trial.suggest_float("learning_rate", 0.001, 0.3, log=True)}


def build_keras(epochs=4):
    return KerasClassifier(build_fn=build_mlp, build_params={"units": (8,), "dropout_rate": 0.1},
                           epochs=epochs, batch_size=32, patience=2)


class FailsOnFold(BaseEstimator, ClassifierMixin):
    """Fits like a constant model, except on the training part that lacks row ``bad_row``
    (the fold that validates it); ``bad_row=None`` never fails."""

    def __init__(self, bad_row=0):
        self.bad_row = bad_row

    def fit(self, X, y):
        if self.bad_row is not None and self.bad_row not in set(X["row"]):
            raise ValueError("this fold is cursed")
        self.classes_, self.p_ = np.array([0, 1]), float(np.mean(y))
        return self

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.p_), np.full(len(X), self.p_)])


class Sleeps(FailsOnFold):
    """Sleeps in fit: a job that is still running when the run is interrupted."""

    def __init__(self, seconds=60.0):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        self.classes_, self.p_ = np.array([0, 1]), float(np.mean(y))
        return self


def _features(train, test):
    return train.drop(columns=["id"]), test.drop(columns=["id"])


MODELS = (ModelSpec("forest", build_forest), ModelSpec("extra_trees", build_extra_trees),
          ModelSpec("logreg", build_logreg), ModelSpec("lightgbm", build_lightgbm, search_space=lightgbm_space),
          ModelSpec("keras", build_keras, uses_keras=True), ModelSpec("fails", FailsOnFold),
          ModelSpec("sleeps", Sleeps))


def toy_spec(n_splits=3) -> CompetitionSpec:
    return CompetitionSpec(slug=SLUG, title="toy", id_column="id", target="target", task="binary",
                           metric_name="auc", make_features=_features, models=MODELS,
                           submission=SubmissionFormat(kind="probabilities"),
                           folds=FoldScheme(kind="stratified", n_splits=n_splits))


def install_toy_data(paths: Paths, n_train=300, n_test=50, seed=0) -> None:
    """Writes raw train/test/sample files straight into ``paths`` (no download step)."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    x = rng.normal(size=(n, 4))
    frame = pd.DataFrame({"id": np.arange(n), "row": np.arange(n), **{f"x{i}": x[:, i] for i in range(4)}})
    target = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.8, size=n) > 0).astype(int)
    raw = paths.raw(SLUG)
    write_text(raw / "train.csv", frame.iloc[:n_train].assign(target=target[:n_train]).to_csv(index=False))
    write_text(raw / "test.csv", frame.iloc[n_train:].to_csv(index=False))
    write_text(raw / "sample_submission.csv",
               pd.DataFrame({"id": frame["id"].iloc[n_train:], "target": 0.5}).to_csv(index=False))


def install_as_user_competition(paths: Paths) -> None:
    """Make the toy competition a competition of ``paths``' project, so the ``kit`` command runs it
    (its spec imports this module: run from the code folder)."""
    write_text(paths.root / "competitions" / SLUG / "spec.py",
               "from tests.support.toy_competition import toy_spec\n\nSPEC = toy_spec()\n")
