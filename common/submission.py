"""Submission files: built from test predictions, validated against the sample submission,
written once (never overwritten) beside a JSON sidecar that says how they were made."""

import io
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from .config import PROJECT_ROOT, Paths
from .errors import DataError, SubmissionError, plain
from .fileio import atomic_path, write_json
from .spec import CompetitionSpec

PACKAGES = ("numpy", "pandas", "scikit-learn", "lightgbm", "keras", "tensorflow", "tensorflow-cpu", "torch",
            "sentence-transformers")


def build_submission(spec: CompetitionSpec, sample: pd.DataFrame, test_ids: pd.Series,
                     test_pred: np.ndarray) -> pd.DataFrame:
    """Put the spec's submission values for ``test_pred`` into the sample submission's layout."""
    values = spec.to_submission_values(np.asarray(test_pred))
    frame = pd.DataFrame({sample.columns[0]: test_ids.to_numpy()})
    if np.ndim(values) == 2:
        for i, column in enumerate(sample.columns[1:]):
            frame[column] = values[:, i]
    else:
        frame[sample.columns[1]] = values
    return frame


def validate_submission(spec: CompetitionSpec, frame: pd.DataFrame, sample: pd.DataFrame) -> None:
    """Raise ``SubmissionError`` naming the first check that ``frame`` fails."""
    if list(frame.columns) != list(sample.columns):
        raise SubmissionError("columns", f"expected columns {list(sample.columns)}, got {list(frame.columns)}.")
    if len(frame) != len(sample):
        raise SubmissionError("row_count", f"expected {len(sample)} rows, got {len(frame)}.")
    id_col = sample.columns[0]
    ids, expected = frame[id_col].astype(str).to_numpy(), sample[id_col].astype(str).to_numpy()
    if not np.array_equal(ids, expected):
        first = int(np.flatnonzero(ids != expected)[0])
        raise SubmissionError("ids", f"ids differ from the sample submission's (same ids, same order) first at "
                                     f"row {first}: expected {expected[first]}, got {ids[first]}.")
    values = frame[list(sample.columns[1:])]
    if values.isna().any().any():
        raise SubmissionError("missing", f"{int(values.isna().sum().sum())} prediction(s) are missing.")
    _check_values(spec, values)


def _check_values(spec: CompetitionSpec, values: pd.DataFrame) -> None:
    fmt = spec.submission
    for column in values.columns:
        col = values[column]
        if fmt.kind == "labels":
            if not pd.api.types.is_integer_dtype(col):
                raise SubmissionError("dtype", f"column '{column}' must hold integers {plain(list(fmt.labels))}, got "
                                               f"{col.dtype} (e.g. {plain(col.iloc[0])!r}); a float label scores 0 on Kaggle.")
            bad = ~col.isin(fmt.labels)
            if bad.any():
                raise SubmissionError("values", f"column '{column}' holds {plain(col[bad].iloc[0])!r}; allowed: {plain(list(fmt.labels))}.")
            continue
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            raise SubmissionError("dtype", f"column '{column}' must be numeric, got {col.dtype}.")
        if not np.isfinite(col.to_numpy(dtype=float)).all():
            raise SubmissionError("values", f"column '{column}' holds infinite values.")
        low = 0.0 if fmt.kind == "probability" else fmt.min_value
        if low is not None and (col < low).any():
            raise SubmissionError("values", f"column '{column}' holds {plain(col.min())}, below the minimum {plain(low)}.")
        if fmt.kind == "probability" and (col > 1).any():
            raise SubmissionError("values", f"column '{column}' holds {plain(col.max())}; probabilities must be at most 1.")


def read_submission(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no submission file at {path}.")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SubmissionError("readable", f"{path} is not a readable CSV file: {exc}") from exc


def validate_file(spec: CompetitionSpec, path: Path, sample: pd.DataFrame) -> None:
    validate_submission(spec, read_submission(path), sample)


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() + ("+uncommitted changes" if dirty else "")) if out.returncode == 0 else None


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def write_submission(spec: CompetitionSpec, paths: Paths, frame: pd.DataFrame, sample: pd.DataFrame, *,
                     name: str, cv_score: float, details: dict) -> Path:
    """Validate the exact bytes to be written, then write CSV + JSON sidecar; never overwrite."""
    text = frame.to_csv(index=False, lineterminator="\n")
    validate_submission(spec, pd.read_csv(io.StringIO(text)), sample)
    folder = paths.competition_submissions(spec.slug)
    folder.mkdir(parents=True, exist_ok=True)  # a file in its way fails here, not as a taken name below
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}_{name}_cv{cv_score:.5f}"
    for attempt in range(1, 100):
        path = folder / f"{stem}{'' if attempt == 1 else f'-{attempt}'}.csv"
        try:
            with atomic_path(path, overwrite=False) as tmp:
                tmp.write_text(text, encoding="utf-8")
            break
        except FileExistsError:
            continue
    sidecar = {"competition": spec.slug, "file": path.name, "name": name, "metric": spec.metric_name,
               "cv_score": cv_score, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "git_commit": git_commit(), "packages": package_versions(), **details}
    write_json(path.with_suffix(".json"), sidecar, overwrite=False)
    return path


def newest_submission(paths: Paths, slug: str) -> Path:
    files = sorted(paths.competition_submissions(slug).glob("*.csv"), key=os.path.getmtime)
    if not files:
        raise DataError(f"no submission files in {paths.competition_submissions(slug)}; "
                        f"make one with: invoke ensemble --comp={slug}")
    return files[-1]
