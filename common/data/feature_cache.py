"""The competition's features, computed once per data and code version.

``make_features(train, test)`` runs on every ``train``, ``tune``, ``ensemble`` and ``predict``;
on big tables or costly features that is most of a rerun. Its output is kept as Parquet in
``data/<slug>/features/`` under a key that hashes:

- the raw files (their manifest: names, sizes, sha256), so new data never meets old features;
- the code: the source of the module that defines ``make_features``, of every Python file in the
  competition's folder, and of the modules that module uses from the kit's code folder (e.g. a
  helper imported from ``common``), so an edit to the features recomputes them;
- the spec's fields that shape the input (id column, targets, row-number ids) and this format.

A cache file is written only when it reads back identical (values, dtypes, index, column names);
frames Parquet cannot hold exactly are recomputed every time. Features that took under
``MIN_SECONDS`` are not cached (reading them back costs about as much). One key per competition
is kept: a new version replaces the old files.
"""

import hashlib
import inspect
import json
import shutil
import sys
import time
import types
from pathlib import Path

import pandas as pd

from ..core.config import Paths
from ..core.fileio import atomic_path
from .raw import data_hash

FORMAT_VERSION = 1
MIN_SECONDS = 1.0  # cheaper features are recomputed: a Parquet read costs about as much
CODE_ROOT = Path(__file__).resolve().parents[2]


def features(spec, paths: Paths, train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``spec.make_features(train without its targets, test)``, from the cache when its key
    matches (see module doc); on a hit, no copy of the train frame is made."""
    folder = paths.competition_data(spec.slug) / "features"
    key = None
    if folder.is_dir():  # never cached (quick features): the key, which hashes the raw files, is not needed
        key = feature_key(spec, paths)
        cached = _read(folder, key)
        if cached is not None:
            return cached
    started = time.perf_counter()
    X, X_test = spec.make_features(train.drop(columns=list(spec.targets)), test)
    if time.perf_counter() - started >= MIN_SECONDS:
        _write(folder, key or feature_key(spec, paths), X, X_test)
    return X, X_test


def feature_key(spec, paths: Paths) -> str:
    fields = [spec.slug, spec.id_column, list(spec.targets), bool(spec.row_number_ids), FORMAT_VERSION]
    text = json.dumps([data_hash(paths.raw(spec.slug)), code_hash(spec.make_features), fields])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def code_hash(make_features) -> str:
    """sha256 over the source files the features come from (see module doc), in a fixed order."""
    files = set()
    module = sys.modules.get(getattr(make_features, "__module__", None) or "")
    source = _source_file(module) or _source_file(make_features)
    if source is not None:
        files.add(source)
        files.update(p.resolve() for p in source.parent.glob("*.py"))  # the competition's folder
    for value in vars(module).values() if module is not None else ():
        used = value if isinstance(value, types.ModuleType) else sys.modules.get(getattr(value, "__module__", "") or "")
        path = _source_file(used)
        if path is not None and path.is_relative_to(CODE_ROOT):
            files.add(path)
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(CODE_ROOT) if path.is_relative_to(CODE_ROOT) else path.name).encode())
        digest.update(path.read_bytes())
    if source is None:  # defined where no file holds it (a notebook cell): its compiled code
        digest.update(make_features.__code__.co_code if hasattr(make_features, "__code__") else b"")
    return digest.hexdigest()


def _source_file(obj) -> Path | None:
    try:
        path = inspect.getsourcefile(obj) if obj is not None else None
    except TypeError:  # built-in
        return None
    return Path(path).resolve() if path and Path(path).is_file() else None


def _files(folder: Path, key: str) -> tuple[Path, Path]:
    return folder / f"{key}.train.parquet", folder / f"{key}.test.parquet"


def _read(folder: Path, key: str):
    train_file, test_file = _files(folder, key)
    if not (train_file.is_file() and test_file.is_file()):
        return None
    try:
        return pd.read_parquet(train_file), pd.read_parquet(test_file)
    except (ImportError, OSError, ValueError):  # unreadable (disk trouble, no pyarrow): recompute
        return None


def _write(folder: Path, key: str, X: pd.DataFrame, X_test: pd.DataFrame) -> None:
    """Best effort, and only what reads back identical; older versions are removed."""
    if not (isinstance(X, pd.DataFrame) and isinstance(X_test, pd.DataFrame)):
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for frame, path in zip((X, X_test), _files(folder, key)):
            with atomic_path(path) as tmp:
                frame.to_parquet(tmp)
                if not _same(pd.read_parquet(tmp), frame):
                    raise ValueError("does not round-trip")
    except (ImportError, OSError, ValueError, TypeError, OverflowError):  # Arrow errors subclass these
        for path in _files(folder, key):
            path.unlink(missing_ok=True)
        return
    for old in folder.iterdir():
        if not old.name.startswith((f"{key}.", ".")):  # ".": another run's file being written
            shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)


def _same(read: pd.DataFrame, frame: pd.DataFrame) -> bool:
    """Values, dtypes, index and names; in text columns also the kind of each missing value
    (``equals`` takes None and NaN for the same, and Parquet gives NaN back as None)."""
    if not (list(read.columns) == list(frame.columns) and list(read.dtypes) == list(frame.dtypes)
            and read.index.equals(frame.index) and read.equals(frame)):
        return False
    return all(read[name].map(type).equals(column.map(type)) for name, column in frame.items()
               if column.dtype == object)
