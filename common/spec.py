"""The competition spec: everything that differs between competitions, in one object.

Each ``competitions/<slug>/spec.py`` defines ``SPEC = CompetitionSpec(...)``; the engine in
``common/`` needs nothing else from the competition folder.
"""

import dataclasses
import hashlib
import importlib
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .core.config import DEFAULT_N_FOLDS, Paths
from .core.errors import KitError
from .core.metrics import Metric, get_metric
from .core.names import checked_slug

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
    without them the model is skipped, or refused when asked for by name (see common/core/extras.py);
    ``search_space(trial) -> dict`` gives Optuna the parameters to tune, if any;
    ``default=False`` leaves the model out of a plain ``invoke train`` (it runs when named).
    """

    name: str
    build: Callable[..., Any]
    params: dict = field(default_factory=dict)
    uses_keras: bool = False
    search_space: Callable[[Any], dict] | None = None
    description: str = ""
    requires: tuple[str, ...] = ()
    default: bool = True

    def make(self, **overrides):
        return self.build(**{**self.params, **overrides})


SUBMISSION_KINDS = ("labels", "probabilities", "values", "top_labels")


@dataclass(frozen=True)
class SubmissionFormat:
    """How predictions become the submission's values. The columns, ids, label spelling and dtypes
    come from the competition's sample submission itself (see ``common/engine/submission.py``).

    ``kind``: 'labels' (the predicted class, spelled as the sample spells it: 0/1, True/False,
    class names; argmax or P >= 0.5, the labels the CV metric scored), 'probabilities' (P(class 1),
    or one column per class in the sample's column order) or 'values' (regression values, mapped
    by the spec's ``to_submission_values``; at least ``min_value`` if given) or 'top_labels' (the
    ``top_k`` most likely classes, most likely first, joined by spaces in one column: MAP@K).
    """

    kind: str = "labels"
    min_value: float | None = None
    top_k: int = 3

    def __post_init__(self):
        if self.kind not in SUBMISSION_KINDS:
            raise KitError(f"SubmissionFormat kind '{self.kind}' is not one of {SUBMISSION_KINDS}")


def _identity(values: np.ndarray) -> np.ndarray:
    return values


@dataclass(frozen=True)
class CompetitionSpec:
    slug: str
    title: str
    id_column: str
    # the target column, or a tuple of columns for several targets (one prediction column each)
    target: str | tuple[str, ...]
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
    # maps the target column(s) to what models learn; an RMSLE metric already implies log1p
    transform_target: Callable[[pd.Series], np.ndarray] | None = None
    # maps predicted values back to the submission's scale ('values' submissions)
    to_submission_values: Callable[[np.ndarray], np.ndarray] = _identity
    # marks train rows that models must never fit on (True: excluded), e.g. documented outliers; row-wise.
    # Such rows stay in the folds and are still predicted and scored out of fold, so the CV keeps
    # measuring the rows Kaggle's test set will have (dropping them before the folds flatters it)
    exclude_from_fit: Callable[[pd.DataFrame], np.ndarray] | None = None
    # train columns that test legitimately lacks (besides the id and the target)
    train_only_columns: tuple[str, ...] = ()
    # practice competitions (no Kaggle) build their raw files themselves: fn(dest_dir, answers_dir)
    practice_source: Callable[[Path, Path], None] | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise KitError(f"{self.slug}: task '{self.task}' is not one of {TASKS}")
        get_metric(self.metric_name)
        if self.task == "multiclass" and len(self.targets) > 1:
            raise KitError(f"{self.slug}: several targets are supported for binary and regression tasks")
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise KitError(f"{self.slug}: model names repeat: {names}")

    @property
    def metric(self) -> Metric:
        return get_metric(self.metric_name)

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,) if isinstance(self.target, str) else tuple(self.target)

    @property
    def raw_files(self) -> tuple[str, str, str]:
        return (self.train_file, self.test_file, self.sample_submission_file)

    def model_names(self, only: str | None = None) -> list[str]:
        if only is None:
            return [m.name for m in self.models]
        return [self.model(name).name for name in only.split(",")]

    def default_model_names(self) -> list[str]:
        """What a plain ``invoke train`` runs: every model not marked ``default=False``."""
        return [m.name for m in self.models if m.default]

    def model(self, name: str) -> ModelSpec:
        for m in self.models:
            if m.name == name:
                return m
        raise KitError(f"{self.slug} has no model '{name}'; valid models: "
                       f"{', '.join(m.name for m in self.models)}")


def competition_folders(root: Path | None = None) -> dict[str, Path]:
    """Competition folders by slug: the kit's own, then those under ``<root>/competitions``
    (where ``invoke new`` writes when the project root is not the code folder)."""
    folders = {}
    for base in dict.fromkeys([COMPETITIONS_DIR] + ([Path(root) / "competitions"] if root else [])):
        for spec_file in sorted(base.glob("*/spec.py")):
            folders.setdefault(spec_file.parent.name, spec_file.parent)
    return folders


def available_competitions(root: Path | None = None) -> list[str]:
    return sorted(competition_folders(root))


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


def _import_spec(slug: str, folder: Path):
    if folder.parent == COMPETITIONS_DIR:
        return importlib.import_module(f"competitions.{slug}.spec").SPEC
    # a competition under the project root: import its folder as a package of its own (named after
    # its path, so two roots never share a module), so its spec may import sibling modules
    package = f"kit_competition_{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]}"
    if package not in sys.modules:
        module_spec = importlib.util.spec_from_file_location(package, folder / "__init__.py",
                                                             submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[package] = module
        if (folder / "__init__.py").exists():
            module_spec.loader.exec_module(module)
    return importlib.import_module(f"{package}.spec").SPEC


def load_competition(slug: str, *, tuned: bool = True, paths: Paths | None = None) -> CompetitionSpec:
    """Import ``competitions/<slug>/spec.py`` (the kit's, or one under ``paths``' project root) and
    return its ``SPEC``, with the tuned parameters of ``paths``' project (``read_tuned_params``)
    over the models' defaults unless ``tuned`` is False."""
    slug = checked_slug(slug)
    folders = competition_folders(paths.root if paths is not None else None)
    if slug not in folders:
        raise KitError(f"unknown competition '{slug}'; available: {', '.join(sorted(folders))}. "
                       f"To add one: invoke new --comp={slug} (reads Kaggle's files and writes its spec).")
    spec = _import_spec(slug, folders[slug])
    best = read_tuned_params(slug, paths) if tuned else {}
    models = tuple(dataclasses.replace(m, params={**m.params, **best[m.name]["params"]}) if m.name in best else m
                   for m in spec.models)
    return dataclasses.replace(spec, models=models)
