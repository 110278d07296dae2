"""Getting competition files into ``data/<slug>/raw/`` and reading them back.

The raw folder is written once, atomically, with a ``manifest.json`` (file names, sizes, sha256).
Fetching the same files again is a no-op; different files are reported and only replace the
raw folder when asked (the old one is kept beside it, so nothing is lost).
"""

import os
import shutil
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks
from .config import Paths
from .errors import DataError, plain
from .fileio import read_json, sha256_of, write_json
from .spec import CompetitionSpec

MANIFEST = "manifest.json"


@dataclass
class DownloadReport:
    raw_dir: Path
    status: str  # "new", "unchanged" or "replaced"
    changed: list[str]
    backup: Path | None = None

    def summary(self) -> str:
        if self.status == "unchanged":
            return f"{self.raw_dir} is up to date (same files, same checksums); nothing to do."
        if self.status == "in place":
            return f"reading the competition files in place from {self.raw_dir} (attached to this notebook)"
        text = f"competition files are in {self.raw_dir}"
        if self.status == "replaced":
            text += f"; changed: {', '.join(self.changed)}; the previous files are kept in {self.backup}"
        return text


def manifest_of(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": sha256_of(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _changed_files(old: dict, new: dict) -> list[str]:
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def extract_zip(zip_path: Path, dest: Path, label: str | None = None) -> None:
    """Unzip a Kaggle competition zip, refusing corrupt or truncated archives and unsafe paths.

    ``label`` names the zip in messages (default: its path), e.g. one the Kaggle API downloaded
    into a temporary folder that the user never saw."""
    label = label or str(zip_path)
    again = "download it again"
    try:
        with zipfile.ZipFile(zip_path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise DataError(f"{label} is corrupt (bad CRC in {bad}); {again}.")
            for member in archive.infolist():
                target = (dest / member.filename).resolve()
                if not target.is_relative_to(dest.resolve()):
                    raise DataError(f"{label} holds an unsafe path '{member.filename}'; refusing to unzip it.")
            archive.extractall(dest)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # zlib.error and EOFError: a member's compressed bytes are damaged or cut short
        raise DataError(f"{label} is not a valid zip ({type(exc).__name__}: {exc}); it may be truncated "
                        f"or damaged: {again}.") from None
    # Kaggle sometimes nests single files as zips of their own (e.g. train.csv.zip)
    for inner in list(dest.rglob("*.zip")):
        extract_zip(inner, inner.parent, f"{inner.name} inside {label}")
        inner.unlink()


def _stage_source(source: Path, staging: Path, label: str) -> None:
    if source.is_dir():
        for item in source.iterdir():
            if item.is_dir():
                shutil.copytree(item, staging / item.name)
            else:
                shutil.copy2(item, staging / item.name)
    elif zipfile.is_zipfile(source) or source.suffix.lower() == ".zip":
        extract_zip(source, staging, label)
    else:
        raise DataError(f"{label} is neither a folder nor a zip file; give a folder in "
                        f"Kaggle's layout (train.csv, test.csv, ...) or the competition zip.")


def check_layout(spec: CompetitionSpec, folder: Path, origin: str) -> None:
    missing = [name for name in spec.raw_files if not (folder / name).is_file()]
    if missing:
        found = sorted(p.name for p in folder.iterdir()) or ["nothing"]
        raise DataError(f"{origin} lacks {', '.join(missing)} for {spec.slug} (found: {', '.join(found)}). "
                        f"Point --source at the folder that holds the competition's files.")


def install_raw(spec: CompetitionSpec, paths: Paths, source: Path, *, force: bool = False,
                label: str | None = None) -> DownloadReport:
    """Copy a local folder or zip in Kaggle's layout into the raw folder (see module doc); the
    files are read and checked (common/checks.py) before they replace anything."""
    source = Path(source).expanduser()
    label = label or f"--source {source}"
    if not source.exists():
        raise DataError(f"{label} does not exist; give a folder in Kaggle's layout or a zip.")
    raw = paths.own_raw(spec.slug)
    with tempfile.TemporaryDirectory(dir=_parent(raw)) as tmp:
        # staged in a project layout of its own, so read_raw reads and checks it as it will be read
        staged = Paths(Path(tmp))
        staging = staged.raw(spec.slug)
        staging.mkdir(parents=True)
        _stage_source(source, staging, label)
        check_layout(spec, staging, label)
        try:
            if isinstance(spec, CompetitionSpec):  # `invoke new` checks the files once it knows their roles
                read_raw(spec, staged)
        except DataError as exc:  # name the files as the user knows them, not the staging copies
            known_as = f"{source}{os.sep}" if source.is_dir() else f"{label}: "
            raise DataError(str(exc).replace(f"{staging}{os.sep}", known_as)) from None
        return commit_raw(staging, raw, force=force)


def _parent(raw: Path) -> Path:
    raw.parent.mkdir(parents=True, exist_ok=True)
    return raw.parent


def commit_raw(staging: Path, raw: Path, *, force: bool) -> DownloadReport:
    """Move a complete staging folder (beside ``raw``) into place with its manifest."""
    manifest = manifest_of(staging)
    changed, backup = sorted(manifest), None
    if raw.exists():
        old = read_json(raw / MANIFEST)["files"] if (raw / MANIFEST).exists() else manifest_of(raw)
        changed = _changed_files(old, manifest)
        if not changed:
            return DownloadReport(raw, "unchanged", [])
        if not force:
            raise DataError(f"the competition files differ from those in {raw} (changed: {', '.join(changed)}). "
                            f"Raw data is never edited in place: rerun with --force to replace it "
                            f"(the current folder is kept as a backup).")
        backup = raw.with_name(f"raw.previous-{time.strftime('%Y%m%d-%H%M%S')}")
    write_json(staging / MANIFEST, {"files": manifest})
    for f in staging.rglob("*"):
        if f.is_file():
            f.chmod(0o444)  # raw files are read-only from now on
    if backup is not None:
        raw.rename(backup)
    staging.rename(raw)
    return DownloadReport(raw, "replaced" if backup else "new", changed, backup)


def download(spec: CompetitionSpec, paths: Paths, source: Path | None = None, *,
             force: bool = False) -> DownloadReport:
    """Fill ``data/<slug>/raw/`` from ``source`` (folder or zip), the practice builder, or Kaggle;
    in a Kaggle notebook with the competition attached, its read-only folder is used as it is."""
    attached = paths.kaggle_raw(spec.slug)
    if source is None and attached is not None:
        check_layout(spec, attached, str(attached))
        return DownloadReport(attached, "in place", [])
    if source is not None:
        return install_raw(spec, paths, Path(source), force=force)
    if spec.practice_source is not None:
        from .practice import build_practice
        return build_practice(spec, paths, force=force)
    from . import kaggle_api
    with tempfile.TemporaryDirectory(dir=_parent(paths.own_raw(spec.slug))) as tmp:
        zip_path = kaggle_api.download_competition_zip(spec.slug, Path(tmp))
        return install_raw(spec, paths, zip_path, force=force,
                           label=f"the zip of {spec.slug} that the Kaggle API downloaded")


@dataclass
class CompetitionData:
    """Features and target, ready for the CV loop; rows in the order of the raw train file.

    ``y`` is what models learn: class indices 0..k-1 (``classes`` holds the original labels, in
    sorted order, spelled as train spells them), values, or an (n, t) matrix for several targets.
    Ids are strings exactly as the files spell them.
    """

    X: pd.DataFrame
    y: np.ndarray
    X_test: pd.DataFrame
    train_ids: pd.Series
    test_ids: pd.Series
    sample_submission: pd.DataFrame
    classes: np.ndarray | None = None
    # rows models may fit on (spec.exclude_from_fit); None: all. Every row is still validated.
    fit_rows: np.ndarray | None = None


def read_csv(path: Path, what: str, *, string_columns=()) -> pd.DataFrame:
    """The CSV as a typed frame, through the columnar cache (common/columnar.py); ``string_columns``
    (ids) keep their exact text ("007" stays "007")."""
    from .columnar import read_table

    try:
        return read_table(path, what, string_columns=string_columns)
    except UnicodeDecodeError:
        raise checks.encoding_error(path, what) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{what} {path} is empty (not even a header); get the competition's files again.") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"cannot read {what} {path}: {exc}") from None


def read_raw(spec: CompetitionSpec, paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    raw = paths.raw(spec.slug)
    missing = [name for name in spec.raw_files if not (raw / name).is_file()]
    if missing:
        raise DataError(f"no {', '.join(missing)} in {raw}. Get the data first: "
                        f"invoke download --comp={spec.slug}"
                        + ("" if spec.practice_source else " (or --source=PATH_TO_KAGGLE_FILES)"))
    train, test, sample = (read_csv(raw / name, label, string_columns=[spec.id_column]) for name, label in
                           zip(spec.raw_files, ("train file", "test file", "sample submission")))
    if spec.row_number_ids:
        train, test = (frame if spec.id_column in frame else
                       frame.assign(**{spec.id_column: np.arange(1, len(frame) + 1).astype(str)})
                       for frame in (train, test))
    for frame, label, cols in ((train, "train", [spec.id_column, *spec.targets]), (test, "test", [spec.id_column])):
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise DataError(f"the {label} file has no column {absent}; the spec of {spec.slug} expects it.")
    for target in spec.targets:
        if train[target].isna().any():
            raise DataError(f"the train file has {int(train[target].isna().sum())} rows without a target "
                            f"('{target}'); drop them or fill them in.")
    checks.check_raw(spec, train, test, sample, raw)
    return train, test, sample


def encode_target(spec: CompetitionSpec, targets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """What models learn from the target column(s), and the class labels for classification."""
    if spec.task in ("binary", "multiclass") and targets.shape[1] == 1:
        classes, y = np.unique(targets.iloc[:, 0].to_numpy(), return_inverse=True)
        if spec.task == "binary" and len(classes) != 2:
            raise DataError(f"{spec.slug} is a binary task but the train file's '{spec.target}' has "
                            f"{len(classes)} distinct value(s): {plain(list(classes[:10]))}.")
        return y, classes
    if spec.task == "binary":  # several 0/1 (or False/True) targets, one probability column each
        y = targets.astype(float).to_numpy()
        if not np.isin(y, (0, 1)).all():
            raise DataError(f"{spec.slug}'s targets {list(targets.columns)} must each hold 0/1 or False/True.")
        return y.astype(int), np.array([0, 1])
    values = targets.iloc[:, 0] if targets.shape[1] == 1 else targets
    if spec.transform_target is not None:
        values = spec.transform_target(values)
    y = np.asarray(values, dtype=float)
    if spec.metric.log_target:
        if (y < 0).any():
            raise DataError(f"{spec.slug} is scored by {spec.metric_name}, which needs targets >= 0; "
                            f"the train file has negative ones. Use metric_name='rmse' in its spec.")
        y = np.log1p(y)
    return y, None


def load_competition_data(spec: CompetitionSpec, paths: Paths) -> CompetitionData:
    from .feature_cache import features

    train, test, sample = read_raw(spec, paths)
    fit_rows = None if spec.exclude_from_fit is None else ~np.asarray(spec.exclude_from_fit(train), dtype=bool)
    X, X_test = features(spec, paths, train, test)  # make_features, or its cached output
    if len(X) != len(train) or len(X_test) != len(test):
        raise DataError(f"{spec.slug}'s make_features must keep one row per input row, in order.")
    y, classes = encode_target(spec, train[list(spec.targets)])
    return CompetitionData(X=X, y=y, X_test=X_test, train_ids=train[spec.id_column], test_ids=test[spec.id_column],
                           sample_submission=sample, classes=classes, fit_rows=fit_rows)
