"""Submitting files to Kaggle and keeping the kit's record of them (the JSON sidecars).

A sidecar beside each submission CSV says how it was made (models, CV score); this module adds
what Kaggle said (submission ref, status, public score), so CV and leaderboard sit side by side.
"""

import time
from pathlib import Path

from .. import kaggle
from ..core.config import Paths
from ..core.console import console
from ..core.errors import KaggleError
from ..core.fileio import read_json, write_json
from ..engine.records import record_submit, set_public_score
from ..engine.submission import newest_submission
from ..spec import CompetitionSpec
from .workflow import check_submission_file


def sidecar_of(csv: Path) -> dict:
    path = Path(csv).with_suffix(".json")
    return read_json(path) if path.exists() else {}


def _update_sidecar(csv: Path, **fields) -> None:
    """Add Kaggle's answers to the sidecar (the only file the kit ever rewrites, atomically)."""
    path = Path(csv).with_suffix(".json")
    write_json(path, {**(read_json(path) if path.exists() else {}), **fields})


def default_message(csv: Path, record: dict) -> str:
    if not record:
        return f"{csv.name} (made outside the kit)"
    models = ", ".join(record.get("models", [])) or record.get("name", "?")
    return f"{record.get('name', csv.stem)}: {models} | CV {record.get('metric', '')} {record['cv_score']:.5f}"


def submit_file(spec: CompetitionSpec, paths: Paths, file: Path | None, *, message: str | None = None,
                wait: bool = False, poll_s: float = 10, timeout_s: float = 1800) -> dict:
    """Validate ``file`` (the newest submission if None), upload it, optionally wait for its score."""
    out = console()
    csv = Path(file) if file else newest_submission(paths, spec.slug)
    check_submission_file(spec, paths, csv)  # an invalid file never reaches Kaggle
    record = sidecar_of(csv)
    message = message or default_message(csv, record)
    out.print(f"submitting {csv} to {spec.slug}: {message}")
    result = kaggle.submit(spec.slug, csv, message)
    if record:
        _update_sidecar(csv, kaggle={"ref": result["ref"], "message": message, "status": result["status"],
                                     "submitted": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    submitted = record_submit(paths, spec.slug, csv.name, record, public_score=None, message=message)
    out.print(f"submitted (ref {result['ref']}); see https://www.kaggle.com/competitions/{spec.slug}/submissions")
    if not wait:
        return result
    with out.status("waiting for Kaggle to score it…"):
        result = kaggle.wait_for_score(spec.slug, result["ref"], poll_s=poll_s, timeout_s=timeout_s)
    if result["status"] == "error":
        raise KaggleError(f"Kaggle could not score {csv.name}: {result.get('error_description') or 'no reason given'}")
    if record:
        _update_sidecar(csv, public_score=result["public_score"],
                        kaggle={**sidecar_of(csv).get("kaggle", {}), "status": result["status"]})
    if result["public_score"] is not None:
        set_public_score(paths, spec.slug, submitted.file, result["public_score"])
    cv = f"{record['cv_score']:.5f}" if record else "unknown"
    out.print(f"public score {result['public_score']} | CV {spec.metric_name} {cv}")
    return result


def submissions_table(spec: CompetitionSpec, paths: Paths) -> list[dict]:
    """Kaggle's submissions joined with the kit's sidecars by file name; records public scores."""
    from rich.table import Table

    folder = paths.competition_submissions(spec.slug)
    local = {p.name: p for p in folder.glob("*.csv")} if folder.exists() else {}
    rows = kaggle.list_submissions(spec.slug)
    table = Table(title=f"{spec.slug}: Kaggle submissions (newest first)")
    for column in ("date", "file", "status", "public", f"CV {spec.metric_name}", "models"):
        table.add_column(column)
    for row in rows:
        csv = local.get(row["file_name"])
        record = sidecar_of(csv) if csv else {}
        if record and row["public_score"] is not None and record.get("public_score") != row["public_score"]:
            _update_sidecar(csv, public_score=row["public_score"])
        if csv and row["public_score"] is not None:
            set_public_score(paths, spec.slug, csv.name, row["public_score"])
        table.add_row((row["date"] or "")[:19], row["file_name"] or "", row["status"],
                      "" if row["public_score"] is None else f"{row['public_score']:.5f}",
                      f"{record['cv_score']:.5f}" if record else "",
                      ", ".join(record.get("models", [])) if record else "(not made by the kit here)")
    console().print(table)
    return rows
