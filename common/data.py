"""Getting competition files into ``data/<slug>/raw/`` and reading them back.

The raw folder is written once, atomically, with a ``manifest.json`` (file names, sizes, sha256).
Fetching the same files again is a no-op; different files are reported and only replace the
raw folder when asked (the old one is kept beside it, so nothing is lost).
"""

import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Paths
from .errors import DataError
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


def extract_zip(zip_path: Path, dest: Path) -> None:
    """Unzip a Kaggle competition zip, refusing corrupt or truncated archives and unsafe paths."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise DataError(f"{zip_path} is corrupt (bad CRC in {bad}); download it again.")
            for member in archive.infolist():
                target = (dest / member.filename).resolve()
                if not target.is_relative_to(dest.resolve()):
                    raise DataError(f"{zip_path} holds an unsafe path '{member.filename}'; refusing to unzip it.")
            archive.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{zip_path} is not a valid zip ({exc}); it may be truncated: download it again.") from exc
    # Kaggle sometimes nests single files as zips of their own (e.g. train.csv.zip)
    for inner in list(dest.rglob("*.zip")):
        extract_zip(inner, inner.parent)
        inner.unlink()


def _stage_source(source: Path, staging: Path) -> None:
    if source.is_dir():
        for item in source.iterdir():
            if item.is_dir():
                shutil.copytree(item, staging / item.name)
            else:
                shutil.copy2(item, staging / item.name)
    elif zipfile.is_zipfile(source):
        extract_zip(source, staging)
    else:
        raise DataError(f"--source {source} is neither a folder nor a zip file; give a folder in "
                        f"Kaggle's layout (train.csv, test.csv, ...) or the competition zip.")


def check_layout(spec: CompetitionSpec, folder: Path, origin: str) -> None:
    missing = [name for name in spec.raw_files if not (folder / name).is_file()]
    if missing:
        found = sorted(p.name for p in folder.iterdir()) or ["nothing"]
        raise DataError(f"{origin} lacks {', '.join(missing)} for {spec.slug} (found: {', '.join(found)}). "
                        f"Point --source at the folder that holds the competition's files.")


def install_raw(spec: CompetitionSpec, paths: Paths, source: Path, *, force: bool = False) -> DownloadReport:
    """Copy a local folder or zip in Kaggle's layout into the raw folder (see module doc)."""
    source = Path(source).expanduser()
    if not source.exists():
        raise DataError(f"--source {source} does not exist; give a folder in Kaggle's layout or a zip.")
    raw = paths.own_raw(spec.slug)
    with tempfile.TemporaryDirectory(dir=_parent(raw)) as tmp:
        staging = Path(tmp) / "raw"
        staging.mkdir()
        _stage_source(source, staging)
        check_layout(spec, staging, str(source))
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
        return install_raw(spec, paths, zip_path, force=force)


@dataclass
class CompetitionData:
    """Features and target, ready for the CV loop; rows in the order of the raw train file."""

    X: pd.DataFrame
    y: np.ndarray
    X_test: pd.DataFrame
    train_ids: pd.Series
    test_ids: pd.Series
    sample_submission: pd.DataFrame


def read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {what} {path}: {exc}") from exc


def read_raw(spec: CompetitionSpec, paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    raw = paths.raw(spec.slug)
    missing = [name for name in spec.raw_files if not (raw / name).is_file()]
    if missing:
        raise DataError(f"no {', '.join(missing)} in {raw}. Get the data first: "
                        f"invoke download --comp={spec.slug}"
                        + ("" if spec.practice_source else " (or --source=PATH_TO_KAGGLE_FILES)"))
    train, test, sample = (read_csv(raw / name, label) for name, label in
                           zip(spec.raw_files, ("train file", "test file", "sample submission")))
    if spec.row_number_ids:
        train, test = (frame if spec.id_column in frame else
                       frame.assign(**{spec.id_column: np.arange(1, len(frame) + 1)}) for frame in (train, test))
    for frame, label, cols in ((train, "train", [spec.id_column, spec.target]), (test, "test", [spec.id_column])):
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise DataError(f"the {label} file has no column {absent}; the spec of {spec.slug} expects it.")
    if train[spec.target].isna().any():
        raise DataError(f"the train file has {int(train[spec.target].isna().sum())} rows without a target.")
    return train, test, sample


def load_competition_data(spec: CompetitionSpec, paths: Paths) -> CompetitionData:
    train, test, sample = read_raw(spec, paths)
    if spec.clean_train is not None:
        train = spec.clean_train(train).reset_index(drop=True)
    X, X_test = spec.make_features(train.drop(columns=[spec.target]), test)
    if len(X) != len(train) or len(X_test) != len(test):
        raise DataError(f"{spec.slug}'s make_features must keep one row per input row, in order.")
    return CompetitionData(X=X, y=np.asarray(spec.transform_target(train[spec.target])), X_test=X_test,
                           train_ids=train[spec.id_column], test_ids=test[spec.id_column],
                           sample_submission=sample)
