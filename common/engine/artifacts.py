"""What a model run leaves behind, in ``artifacts/<slug>/<model>/``:

- ``oof.npy``: out-of-fold predictions, one row per train row in train order (NaN where a row
  never validates), probabilities or values, never thresholded;
- ``test.npy``: test predictions, the mean over fold models;
- ``result.json``: fold scores, mean, std, time, seed, parameters and the folds' fingerprint;
- ``fold<k>.joblib`` (``fold<k>-seed<s>.joblib`` with several seeds): the fitted fold model; a
  Keras network inside it is stored beside it as ``<same name>.keras`` (Keras's native format)
  and put back on load.

A new run replaces the folder as a whole; the previous one is moved to
``artifacts/<slug>/.history/`` rather than deleted, and only the last ``HISTORY_KEEP`` (config.py)
previous runs of each model are kept there.
"""

import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import joblib
import numpy as np

from ..core.config import HISTORY_KEEP, Paths
from ..core.errors import KitError
from ..core.fileio import read_json, write_json

HISTORY = ".history"
ENSEMBLE_DIR = "_ensemble"  # the chosen blend's artifacts, beside the models'


@dataclass
class ModelRun:
    """The record of one model's cross-validation (``result.json`` plus the predictions)."""

    model: str
    metric: str
    fold_scores: list[float]
    cv_score: float
    cv_std: float
    seconds: float
    seed: int
    n_seeds: int
    folds_fingerprint: str
    params: dict = field(default_factory=dict)
    # sha256 of the raw files' manifest the run was trained on ("" for runs made before it was recorded)
    data_hash: str = ""
    # every parameter of the built estimator (get_params, nested ones included), JSON-safe
    estimator_params: dict = field(default_factory=dict)
    oof: np.ndarray | None = field(default=None, repr=False)
    test: np.ndarray | None = field(default=None, repr=False)

    def record(self) -> dict:
        data = asdict(self)
        data.pop("oof"), data.pop("test")
        return data


def _keras_steps(estimator):
    from ..models.keras_estimators import _KerasBase

    steps = [s for _, s in getattr(estimator, "steps", [])] or [estimator]
    return [s for s in steps if isinstance(s, _KerasBase) and hasattr(s, "model_")]


def _keras_file(folder: Path, name: str, i: int) -> Path:
    return folder / f"{name}{'' if i == 0 else f'_{i}'}.keras"


def save_fold_model(estimator, folder: Path, name: str) -> None:
    keras_steps = _keras_steps(estimator)
    networks = [step.model_ for step in keras_steps]
    try:
        for i, (step, net) in enumerate(zip(keras_steps, networks)):
            net.save(_keras_file(folder, name, i))
            step.model_ = None
        joblib.dump(estimator, folder / f"{name}.joblib")
    finally:
        for step, net in zip(keras_steps, networks):
            step.model_ = net


def load_fold_model(folder: Path, name: str):
    estimator = joblib.load(folder / f"{name}.joblib")
    steps = _keras_steps(estimator)
    if steps:
        from ..models.keras_estimators import import_keras

        keras = import_keras()
        for i, step in enumerate(steps):
            step.model_ = keras.models.load_model(_keras_file(folder, name, i))
    return estimator


def prune_history(folder: Path, model: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` previous runs of ``model`` in ``folder/.history``."""
    history = folder / HISTORY
    pattern = re.compile(rf"^{re.escape(model)}-(\d{{8}}-\d{{6}}(?:-\d{{6}})?)$")
    runs = sorted((m.group(1), p) for p in history.glob(f"{model}-*")
                  if (m := pattern.match(p.name)) and p.is_dir()) if history.exists() else []
    old = [p for _, p in runs[:max(len(runs) - keep, 0)]]
    for path in old:
        shutil.rmtree(path)
    return old


class RunWriter:
    """Collects one run's files in a temporary folder and swaps it in when the run completes."""

    def __init__(self, paths: Paths, slug: str, model: str, keep: int = HISTORY_KEEP):
        self.keep = keep  # previous runs of this model kept in .history/
        self.target = paths.model_artifacts(slug, model)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # the pid in the name tells a live run's folder from one a killed run left behind
        self.folder = Path(tempfile.mkdtemp(prefix=f".{model}.{os.getpid()}-", suffix=".tmp",
                                            dir=self.target.parent))

    def save_model(self, estimator, name: str) -> None:
        save_fold_model(estimator, self.folder, name)

    def save_files(self, files: dict) -> None:
        """A fold model saved elsewhere (by a worker), as file name -> bytes."""
        for name, content in files.items():
            (self.folder / name).write_bytes(content)

    def commit(self, run: ModelRun) -> Path | None:
        """Write predictions and record, then move the folder into place; returns the backup path."""
        np.save(self.folder / "oof.npy", run.oof)
        np.save(self.folder / "test.npy", run.test)
        write_json(self.folder / "result.json", run.record())
        backup = None
        if self.target.exists():
            # microseconds: two runs within a second keep distinct names, and names sort by time
            backup = self.target.parent / HISTORY / f"{self.target.name}-{datetime.now():%Y%m%d-%H%M%S-%f}"
            backup.parent.mkdir(exist_ok=True)
            self.target.rename(backup)
        self.folder.rename(self.target)
        prune_history(self.target.parent, self.target.name, self.keep)
        return backup if backup is None or backup.exists() else None

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_stale_run_folders(paths: Paths, slug: str) -> list[Path]:
    """Delete the temporary run folders of runs that no longer live (killed with SIGKILL, a
    power cut); a folder of a run still going, in another process, is left alone."""
    root = paths.competition_artifacts(slug)
    stale = [p for p in root.glob(".*.tmp") if p.is_dir() and not _owner_alive(p.name)] if root.exists() else []
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def _owner_alive(name: str) -> bool:
    pid = name.rsplit(".", 2)[-2].split("-")[0] if name.count(".") >= 3 else ""
    if not pid.isdigit():
        return False  # made before folders carried their pid
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def data_hash(raw_dir: Path) -> str:
    """A short sha256 of the raw files' manifest (names, sizes, checksums): equal hashes, same data."""
    import hashlib

    manifest = Path(raw_dir) / "manifest.json"
    if manifest.is_file():
        return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]
    from ..data.raw import manifest_of

    return hashlib.sha256(repr(manifest_of(Path(raw_dir))).encode()).hexdigest()[:16]


def load_run(paths: Paths, slug: str, model: str) -> ModelRun:
    folder = paths.model_artifacts(slug, model)
    if not (folder / "result.json").exists():
        raise KitError(f"no trained '{model}' for {slug} in {folder}; run: invoke train --comp={slug} --model={model}")
    record = read_json(folder / "result.json")
    return ModelRun(**record, oof=np.load(folder / "oof.npy"), test=np.load(folder / "test.npy"))


def trained_models(paths: Paths, slug: str) -> list[str]:
    root = paths.competition_artifacts(slug)
    return sorted(p.parent.name for p in root.glob("*/result.json")) if root.exists() else []
