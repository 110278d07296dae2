"""Fold assignment: computed once with a seeded splitter, stored as data, read by every model.

``folds.csv`` has one row per train row, in train order: ``<id column>, fold``. Fold -1 marks
rows that never validate (the first block of a time split). Sharing one file is what makes
OOF predictions of different models comparable and stackable.
"""

import hashlib
from typing import Iterator

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from ..core.config import Paths
from ..core.errors import DataError, KitError
from ..core.fileio import atomic_path, read_json, write_json
from ..spec import CompetitionSpec, FoldScheme

FOLD = "fold"


def assign_folds(scheme: FoldScheme, y: np.ndarray, *, seed: int, groups=None, order=None) -> np.ndarray:
    """Return the fold number of each row (``-1`` for rows that never validate)."""
    n = len(y)
    folds = np.full(n, -1, dtype=int)
    if scheme.n_splits < 2 or scheme.n_splits > n:
        raise KitError(f"n_splits must be between 2 and the number of rows ({n}); got {scheme.n_splits}.")
    if scheme.kind == "time":
        if order is None:
            raise KitError("a time split needs the spec's time_column.")
        # expanding window: n_splits + 1 equal blocks in time order; block 0 only ever trains
        ranked = np.argsort(np.asarray(order), kind="stable")
        for k, block in enumerate(np.array_split(ranked, scheme.n_splits + 1)[1:]):
            folds[block] = k
        return folds
    if scheme.kind == "stratified":
        splitter = StratifiedKFold(scheme.n_splits, shuffle=True, random_state=seed)
    elif scheme.kind == "kfold":
        splitter = KFold(scheme.n_splits, shuffle=True, random_state=seed)
    elif scheme.kind == "group":
        if groups is None:
            raise KitError("a group split needs the spec's group_column.")
        splitter = GroupKFold(scheme.n_splits, shuffle=True, random_state=seed)
    else:
        raise KitError(f"unknown fold kind '{scheme.kind}'; use stratified, kfold, group or time.")
    for k, (_, valid) in enumerate(splitter.split(np.zeros(n), y, groups)):
        folds[valid] = k
    return folds


def fold_indices(folds: np.ndarray, scheme: FoldScheme, order=None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(fold, train_rows, valid_rows)``; a time fold trains only on rows before it."""
    for k in sorted(set(folds.tolist()) - {-1}):
        valid = np.flatnonzero(folds == k)
        if scheme.kind == "time":
            cutoff = np.min(np.asarray(order)[valid])
            train = np.flatnonzero(np.asarray(order) < cutoff)
        else:
            train = np.flatnonzero((folds != k) & (folds != -1))
        yield k, train, valid


def time_order(spec: CompetitionSpec, frame: pd.DataFrame):
    """The values that order rows in time for a time split, else None."""
    return frame[spec.folds.time_column].to_numpy() if spec.folds.time_column else None


def folds_fingerprint(folds: np.ndarray) -> str:
    """A short hash of the fold assignment; models with equal fingerprints used the same folds."""
    return hashlib.sha256(np.asarray(folds, dtype=np.int64).tobytes()).hexdigest()[:16]


def load_or_make_folds(spec: CompetitionSpec, paths: Paths, train_ids: pd.Series, y: np.ndarray,
                       frame: pd.DataFrame, *, seed: int) -> np.ndarray:
    """Read ``folds.csv`` if it exists and matches the train rows; otherwise make and store it."""
    path = paths.folds_file(spec.slug)
    if path.exists():
        stored = pd.read_csv(path, dtype={spec.id_column: str})
        if (list(stored.columns) != [spec.id_column, FOLD] or len(stored) != len(train_ids)
                or not _same_ids(stored[spec.id_column], train_ids)):
            raise DataError(f"{path} does not match the train rows (different ids or order). "
                            f"Delete it to make new folds, then retrain every model.")
        n_found = len(set(stored[FOLD]) - {-1})
        if n_found != spec.folds.n_splits:
            raise DataError(f"{path} has {n_found} folds but the spec asks for {spec.folds.n_splits}; "
                            f"delete it to make new folds, then retrain every model.")
        return stored[FOLD].to_numpy()
    groups = frame[spec.folds.group_column] if spec.folds.group_column else None
    folds = assign_folds(spec.folds, y, seed=seed, groups=groups, order=time_order(spec, frame))
    with atomic_path(path, overwrite=False) as tmp:
        pd.DataFrame({spec.id_column: train_ids.to_numpy(), FOLD: folds}).to_csv(tmp, index=False)
    write_json(paths.folds_info(spec.slug), {"seed": seed, "kind": spec.folds.kind, "n_splits": spec.folds.n_splits})
    return folds


def _same_ids(stored: pd.Series, train_ids: pd.Series) -> bool:
    """Compared as text columns: no Python object per id (a million of them outlive the check in
    the process's memory)."""
    return stored.astype(str).reset_index(drop=True).equals(train_ids.astype(str).reset_index(drop=True))


def folds_seed_note(paths: Paths, slug: str, seed: int) -> str | None:
    """A note when the stored folds were made with another seed than the one asked for."""
    info = paths.folds_info(slug)
    if not info.exists() or not paths.folds_file(slug).exists():
        return None
    made_with = read_json(info).get("seed")
    if made_with is None or made_with == seed:
        return None
    return (f"note: {paths.folds_file(slug)} was made with seed {made_with}; --seed={seed} seeds the models "
            f"only. For new folds delete it (then retrain every model), or: invoke clean --comp={slug}")
