"""Filling ``data/<slug>/raw/`` from a folder or zip, the practice builder, or Kaggle."""

import os
from pathlib import Path

from .. import kaggle
from ..core.config import Paths
from ..core.errors import DataError
from ..data.competition_data import read_raw
from ..data.raw import DownloadReport, check_layout, commit_raw, stage_source, staging_beside
from ..spec import CompetitionSpec


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
    with staging_beside(paths.own_raw(spec.slug)) as tmp:
        zip_path = kaggle.download_competition_zip(spec.slug, tmp)
        return install_raw(spec, paths, zip_path, force=force,
                           label=f"the zip of {spec.slug} that the Kaggle API downloaded")


def install_raw(spec: CompetitionSpec, paths: Paths, source: Path, *, force: bool = False,
                label: str | None = None) -> DownloadReport:
    """Copy a local folder or zip in Kaggle's layout into the raw folder (see module doc); the
    files are read and checked (common/data/checks.py) before they replace anything."""
    source = Path(source).expanduser()
    label = label or f"--source {source}"
    if not source.exists():
        raise DataError(f"{label} does not exist; give a folder in Kaggle's layout or a zip.")
    raw = paths.own_raw(spec.slug)
    with staging_beside(raw) as tmp:
        # staged in a project layout of its own, so read_raw reads and checks it as it will be read
        staged = Paths(tmp)
        staging = staged.raw(spec.slug)
        staging.mkdir(parents=True)
        stage_source(source, staging, label)
        check_layout(spec, staging, label)
        try:
            if isinstance(spec, CompetitionSpec):  # `invoke new` checks the files once it knows their roles
                read_raw(spec, staged)
        except DataError as exc:  # name the files as the user knows them, not the staging copies
            known_as = f"{source}{os.sep}" if source.is_dir() else f"{label}: "
            raise DataError(str(exc).replace(f"{staging}{os.sep}", known_as)) from None
        return commit_raw(staging, raw, force=force)
