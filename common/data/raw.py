"""The raw folder ``data/<slug>/raw/``: checked, installed atomically, hashed.

The raw folder is written once, atomically, with a ``manifest.json`` (file names, sizes, sha256).
Fetching the same files again is a no-op; different files are reported and only replace the
raw folder when asked (the old one is kept beside it, so nothing is lost).
"""

import shutil
import tempfile
import time
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..core.errors import DataError
from ..core.fileio import read_json, sha256_of, write_json
from ..spec import CompetitionSpec

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
    """Unzip a Kaggle competition zip (and the zips inside it), refusing corrupt or truncated
    archives and unsafe paths.

    ``label`` names the zip in messages (default: its path), e.g. one the Kaggle API downloaded
    into a temporary folder that the user never saw."""
    label = label or str(zip_path)
    _unzip(zip_path, dest, label)
    extract_inner_zips(dest, label)


def _unzip(zip_path: Path, dest: Path, label: str) -> None:
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


def extract_inner_zips(folder: Path, label: str) -> None:
    """Kaggle sometimes zips single files of its own (e.g. train.csv.zip): unzip them in place."""
    for _ in range(3):  # a zip inside a zip inside a zip, at most
        for inner in sorted(folder.rglob("*.zip")):
            _unzip(inner, inner.parent, f"{inner.name} inside {label}")
            inner.unlink()


def stage_source(source: Path, staging: Path, label: str) -> None:
    if source.is_dir():
        for item in source.iterdir():
            if item.is_dir():
                shutil.copytree(item, staging / item.name)
            else:
                shutil.copy2(item, staging / item.name)
        extract_inner_zips(staging, label)  # the copies: the source folder is left as it is
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


@contextmanager
def staging_beside(raw: Path) -> Iterator[Path]:
    """A temporary folder beside ``raw`` (one file system, so the move into place is atomic). The
    folders made for it go again when nothing was installed: a failed download leaves no trace."""
    made, folder = [], raw.parent
    while not folder.exists():
        made.append(folder)  # innermost first
        folder = folder.parent
    raw.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=raw.parent) as tmp:
            yield Path(tmp)
    finally:
        for folder in made:
            try:
                folder.rmdir()
            except OSError:  # not empty: the files were installed
                break


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


def data_hash(raw_dir: Path) -> str:
    """A short sha256 of the raw files' manifest (names, sizes, checksums): equal hashes, same data."""
    import hashlib

    manifest = Path(raw_dir) / "manifest.json"
    if manifest.is_file():
        return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]
    return hashlib.sha256(repr(manifest_of(Path(raw_dir))).encode()).hexdigest()[:16]
