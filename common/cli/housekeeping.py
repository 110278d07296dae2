"""``invoke clean``: what a competition's runs generated, and removing it after confirmation.

By default: trained models and their history, the ensemble, tuning studies, the folds, the
reports and the data caches (the typed copy of the raw files, the cached features). Submissions (what was sent to Kaggle, with its record) and the raw data (a download)
go only when asked for explicitly. The run records in runs.sqlite stay: they are the history.
"""

import shutil
from pathlib import Path

from ..core.config import Paths


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def generated_files(paths: Paths, slug: str, *, submissions: bool = False, raw: bool = False) -> list[Path]:
    """The existing paths ``clean`` would remove, folders as a whole."""
    candidates = [paths.competition_artifacts(slug), paths.folds_file(slug), paths.folds_info(slug),
                  paths.competition_reports(slug)]
    if submissions:
        candidates.append(paths.competition_submissions(slug))
    if raw:
        candidates.append(paths.competition_data(slug))  # the raw files, their backups, practice answers
    else:
        candidates += [paths.competition_data(slug) / name for name in ("columnar", "features")]
    return [p for p in candidates if p.exists()]


def describe(targets: list[Path]) -> str:
    return "\n".join(f"  {p}{'/' if p.is_dir() else ''}  ({_size(p) / 1e6:.1f} MB)" for p in targets)


def remove(targets: list[Path]) -> None:
    for path in targets:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
