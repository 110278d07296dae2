"""The competition spec: everything that differs between competitions, in one object.

Each ``competitions/<slug>/spec.py`` defines ``SPEC = CompetitionSpec(...)``; the engine in
``common/`` needs nothing else from the competition folder.
"""

import dataclasses
import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .config import DEFAULT_N_FOLDS, Paths
from .errors import KitError
from .metrics import Metric, get_metric

COMPETITIONS_DIR = Path(__file__).resolve().parents[1] / "competitions"
TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class FoldScheme:
    """How rows are split into folds: 'stratified', 'kfold', 'group' (by ``group_column``) or
    'time' (expanding window over rows sorted by ``time_column``; the earliest block never
    validates, and no fold trains on rows later than its validation part)."""

    kind: str = "stratified"
    n_splits: int = DEFAULT_N_FOLDS
    group_column: str | None = None
    time_column: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A named model: ``build(**params)`` returns a fresh, unfitted scikit-learn-style estimator.

    ``uses_keras`` marks models that need TensorFlow, so nothing imports it otherwise;
    ``requires`` names other optional modules the model needs (e.g. ``("sentence_transformers",)``):
    without them the model is skipped, or refused when asked for by name (see common/extras.py);
    ``search_space(trial) -> dict`` gives Optuna the parameters to tune, if any.
    """

    name: str
    build: Callable[..., Any]
    params: dict = field(default_factory=dict)
    uses_keras: bool = False
    search_space: Callable[[Any], dict] | None = None
    description: str = ""
    requires: tuple[str, ...] = ()

    def make(self, **overrides):
        return self.build(**{**self.params, **overrides})


@dataclass(frozen=True)
class SubmissionFormat:
    """What a valid prediction value looks like in the submission file.

    ``kind``: 'labels' (integers from ``labels``), 'probability' (floats in [0, 1]) or 'number'
    (finite floats, at least ``min_value`` if given).
    """

    kind: str
    labels: tuple = ()
    min_value: float | None = None


def _identity(values: np.ndarray) -> np.ndarray:
    return values


@dataclass(frozen=True)
class CompetitionSpec:
    slug: str
    title: str
    id_column: str
    target: str
    task: str
    metric_name: str
    make_features: Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]
    models: tuple[ModelSpec, ...]
    submission: SubmissionFormat
    folds: FoldScheme = FoldScheme()
    # Kaggle numbers the rows (1..n) instead of giving an id column (Digit Recognizer's files):
    # the id column is then added to train and test when it is missing
    row_number_ids: bool = False
    train_file: str = "train.csv"
    test_file: str = "test.csv"
    sample_submission_file: str = "sample_submission.csv"
    # maps the target column to what models learn (e.g. np.log1p for an RMSLE competition)
    transform_target: Callable[[pd.Series], np.ndarray] = lambda s: s.to_numpy()
    # maps test predictions (probabilities or values) to the submission's values
    to_submission_values: Callable[[np.ndarray], np.ndarray] = _identity
    # drops train rows known to be wrong or unrepresentative (e.g. documented outliers); row-wise,
    # applied before folds are made, so every model and the ensemble see the same rows
    clean_train: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # practice competitions (no Kaggle) build their raw files themselves: fn(dest_dir, answers_dir)
    practice_source: Callable[[Path, Path], None] | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise KitError(f"{self.slug}: task '{self.task}' is not one of {TASKS}")
        get_metric(self.metric_name)
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise KitError(f"{self.slug}: model names repeat: {names}")

    @property
    def metric(self) -> Metric:
        return get_metric(self.metric_name)

    @property
    def raw_files(self) -> tuple[str, str, str]:
        return (self.train_file, self.test_file, self.sample_submission_file)

    def model_names(self, only: str | None = None) -> list[str]:
        if only is None:
            return [m.name for m in self.models]
        return [self.model(name).name for name in only.split(",")]

    def model(self, name: str) -> ModelSpec:
        for m in self.models:
            if m.name == name:
                return m
        raise KitError(f"{self.slug} has no model '{name}'; valid models: "
                       f"{', '.join(m.name for m in self.models)}")


def available_competitions() -> list[str]:
    return sorted(p.parent.name for p in COMPETITIONS_DIR.glob("*/spec.py"))


def tuned_params_file(slug: str) -> Path:
    """Where ``tune`` wrote its parameters before they moved under the project root
    (``Paths.tuned_params``); still read, so earlier results keep working."""
    return COMPETITIONS_DIR / slug / "tuned_params.json"


def read_tuned_params(slug: str, paths: Paths | None = None) -> dict:
    """Tuned parameters by model: the project root's file over the old one in the code folder."""
    found = {}
    for path in (tuned_params_file(slug), (paths or Paths()).tuned_params(slug)):
        if path.is_file():
            found.update(json.loads(path.read_text(encoding="utf-8")))
    return found


def load_competition(slug: str, *, tuned: bool = True, paths: Paths | None = None) -> CompetitionSpec:
    """Import ``competitions/<slug>/spec.py`` and return its ``SPEC``, with the tuned parameters
    of ``paths``' project (``read_tuned_params``) over the models' defaults unless ``tuned`` is False."""
    if slug not in available_competitions():
        raise KitError(f"unknown competition '{slug}'; available: {', '.join(available_competitions())}. "
                       f"To add one, create competitions/{slug}/spec.py (see competitions/titanic).")
    spec = importlib.import_module(f"competitions.{slug}.spec").SPEC
    best = read_tuned_params(slug, paths) if tuned else {}
    models = tuple(dataclasses.replace(m, params={**m.params, **best[m.name]["params"]}) if m.name in best else m
                   for m in spec.models)
    return dataclasses.replace(spec, models=models)
