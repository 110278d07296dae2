"""Run records: every train, tune, ensemble and submit leaves one row in ``runs.sqlite``.

One SQLite file per project root (stdlib ``sqlite3``), one row per model run (train), study
(tune), blend (ensemble) or upload (submit): when, which code (git commit, dirty tree), which
data (the raw manifest's sha256s), which folds, every parameter (defaults included), fold
scores, CV, seconds and, once Kaggle has scored it, the public score. ``invoke runs`` lists
them and says what changed between a run and the previous one of the same kind and models.
"""

import inspect
import json
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field

import numpy as np

from ..core.config import Paths
from ..core.fileio import read_json

KINDS = ("train", "tune", "ensemble", "submit")
_COLUMNS = ("created", "competition", "kind", "models", "git_commit", "dirty", "data_hashes", "folds_fingerprint",
            "seed", "params", "fold_scores", "cv_score", "cv_std", "metric", "seconds", "public_score", "file")
_JSON_COLUMNS = ("models", "data_hashes", "params", "fold_scores")
_SCHEMA = """CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, competition TEXT NOT NULL, kind TEXT NOT NULL,
    models TEXT NOT NULL, git_commit TEXT, dirty INTEGER, data_hashes TEXT NOT NULL, folds_fingerprint TEXT,
    seed INTEGER, params TEXT NOT NULL, fold_scores TEXT NOT NULL, cv_score REAL, cv_std REAL, metric TEXT,
    seconds REAL, public_score REAL, file TEXT)"""


@dataclass
class RunRecord:
    competition: str
    kind: str
    models: list[str]
    params: dict = field(default_factory=dict)
    fold_scores: dict = field(default_factory=dict)
    cv_score: float | None = None
    cv_std: float | None = None
    metric: str | None = None
    seconds: float | None = None
    seed: int | None = None
    folds_fingerprint: str | None = None
    public_score: float | None = None
    file: str | None = None
    data_hashes: dict = field(default_factory=dict)
    git_commit: str | None = None
    dirty: bool | None = None
    created: str = ""
    id: int | None = None


# -- parameters, JSON-safe ---------------------------------------------------------------------

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def json_safe(value):
    """A JSON value that names ``value`` stably: estimators by class, functions by qualified name,
    NumPy scalars as numbers, no memory addresses (so equal settings compare equal across runs)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = sorted(value, key=repr) if isinstance(value, set) else value
        return [json_safe(v) for v in items]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist()) if value.size <= 50 else f"array{value.shape}"
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}".lstrip(".")
    return _ADDRESS.sub("", repr(value))


def builder_params(build, params: dict) -> dict:
    """The builder's parameters with its defaults filled in: what this model was built with
    (a default seed is left out: the CV loop replaces it, and the record has the run's seed)."""
    try:
        defaults = {name: p.default for name, p in inspect.signature(build).parameters.items()
                    if p.default is not inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
                    and name not in ("random_state", "seed")}
    except (TypeError, ValueError):
        defaults = {}
    return json_safe({**defaults, **params})


def estimator_params(estimator) -> dict:
    """Every parameter of a built estimator (``get_params(deep=True)``), nested ones included."""
    return json_safe(dict(sorted(estimator.get_params(deep=True).items())))


# -- where the code and the data came from ------------------------------------------------------

def code_version() -> tuple[str | None, bool | None]:
    from ..core.versions import git_commit

    commit = git_commit()
    if commit is None:
        return None, None
    sha, _, dirty = commit.partition("+")
    return sha, bool(dirty)


def data_hashes(paths: Paths, slug: str) -> dict[str, str]:
    """The raw files' sha256s from the download manifest (empty when there is none)."""
    manifest = paths.raw(slug) / "manifest.json"
    if not manifest.exists():
        return {}
    return {name: entry["sha256"] for name, entry in read_json(manifest).get("files", {}).items()}


# -- the database ---------------------------------------------------------------------------------

def _connect(paths: Paths) -> sqlite3.Connection:
    paths.root.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(paths.runs_db, timeout=30)
    db.execute(_SCHEMA)
    return db


def append(paths: Paths, record: RunRecord) -> RunRecord:
    """Fill in time, code and data versions, then store the record; returns it with its id."""
    record.created = record.created or time.strftime("%Y-%m-%d %H:%M:%S")
    if record.git_commit is None:
        record.git_commit, record.dirty = code_version()
    if not record.data_hashes:
        record.data_hashes = data_hashes(paths, record.competition)
    values = [json.dumps(json_safe(getattr(record, c)), sort_keys=True) if c in _JSON_COLUMNS
              else getattr(record, c) for c in _COLUMNS]
    with closing(_connect(paths)) as db, db:
        cursor = db.execute(f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                            values)
        record.id = cursor.lastrowid
    return record


def runs(paths: Paths, competition: str | None = None, kind: str | None = None) -> list[RunRecord]:
    """Stored records, oldest first."""
    if not paths.runs_db.exists():
        return []
    where, args = [], []
    for column, value in (("competition", competition), ("kind", kind)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    sql = f"SELECT id, {', '.join(_COLUMNS)} FROM runs" + (f" WHERE {' AND '.join(where)}" if where else "") \
        + " ORDER BY id"
    with closing(_connect(paths)) as db:
        rows = db.execute(sql, args).fetchall()
    records = []
    for row in rows:
        values = dict(zip(("id", *_COLUMNS), row))
        for column in _JSON_COLUMNS:
            values[column] = json.loads(values[column])
        values["dirty"] = None if values["dirty"] is None else bool(values["dirty"])
        records.append(RunRecord(**values))
    return records


def set_public_score(paths: Paths, competition: str, file: str, score: float) -> int:
    """Record Kaggle's public score on every record of that submission file; returns how many."""
    if not paths.runs_db.exists():
        return 0
    with closing(_connect(paths)) as db, db:
        return db.execute("UPDATE runs SET public_score = ? WHERE competition = ? AND file = ?",
                          (float(score), competition, file)).rowcount


# -- the hooks the workflow calls ---------------------------------------------------------------------

def record_train(paths: Paths, slug: str, run) -> RunRecord:
    """One trained model (a ``ModelRun``)."""
    params = {run.model: {**run.params, **({"estimator": run.estimator_params} if run.estimator_params else {})}}
    return append(paths, RunRecord(slug, "train", [run.model], params=params,
                                   fold_scores={run.model: run.fold_scores}, cv_score=run.cv_score,
                                   cv_std=run.cv_std, metric=run.metric, seconds=run.seconds, seed=run.seed,
                                   folds_fingerprint=run.folds_fingerprint))


def record_tune(paths: Paths, slug: str, model: str, *, params: dict, cv_score: float, metric: str,
                trials: int, seconds: float, seed: int, folds_fingerprint: str) -> RunRecord:
    return append(paths, RunRecord(slug, "tune", [model], params={model: {**params, "trials": trials}},
                                   cv_score=cv_score, metric=metric, seconds=seconds, seed=seed,
                                   folds_fingerprint=folds_fingerprint))


def record_ensemble(paths: Paths, slug: str, chosen, names: list[str], *, metric: str, seconds: float, seed: int,
                    folds_fingerprint: str, file: str) -> RunRecord:
    """The chosen blend (an ``EnsembleResult``) and the submission file it wrote."""
    return append(paths, RunRecord(slug, "ensemble", list(names),
                                   params={"method": chosen.method, "weights": chosen.weights},
                                   fold_scores={chosen.method: chosen.fold_scores}, cv_score=chosen.cv_score,
                                   cv_std=float(np.std(chosen.fold_scores)), metric=metric, seconds=seconds,
                                   seed=seed, folds_fingerprint=folds_fingerprint, file=file))


def record_submit(paths: Paths, slug: str, file: str, sidecar: dict, *, public_score: float | None,
                  message: str) -> RunRecord:
    return append(paths, RunRecord(slug, "submit", list(sidecar.get("models", [])),
                                   params={"message": message, "weights": sidecar.get("weights", {})},
                                   cv_score=sidecar.get("cv_score"), metric=sidecar.get("metric"),
                                   seed=sidecar.get("seed"), public_score=public_score, file=file))


# -- what changed ------------------------------------------------------------------------------------------

def _flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: value}


def _short(value, width=18) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[:width - 1] + "…"


def changes(previous: RunRecord | None, current: RunRecord, limit: int = 4) -> list[str]:
    """Short lines saying what differs from ``previous`` (params, data, code, folds, seed)."""
    if previous is None:
        return ["first run"]
    lines = []
    if previous.data_hashes != current.data_hashes:
        names = sorted(k for k in previous.data_hashes.keys() | current.data_hashes.keys()
                       if previous.data_hashes.get(k) != current.data_hashes.get(k))
        lines.append(f"data: {', '.join(names)}")
    if previous.folds_fingerprint != current.folds_fingerprint:
        lines.append("folds changed")
    if previous.seed != current.seed:
        lines.append(f"seed {previous.seed}→{current.seed}")
    if (previous.git_commit, previous.dirty) != (current.git_commit, current.dirty):
        old, new = (f"{(r.git_commit or '?')[:7]}{'+dirty' if r.dirty else ''}" for r in (previous, current))
        lines.append(f"code {old}→{new}")
    before, after = _flatten(previous.params), _flatten(current.params)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
                     # a new seed reaches every random_state / seed parameter: said once above
                     and not (previous.seed != current.seed and re.split(r"__|\.", k)[-1] in ("random_state", "seed")))
    for key in changed[:limit]:
        lines.append(f"{key.rsplit('.', 1)[-1]}: {_short(before.get(key, '–'))}→{_short(after.get(key, '–'))}")
    if len(changed) > limit:
        lines.append(f"… {len(changed) - limit} more parameters")
    if previous.models != current.models and current.kind in ("ensemble", "submit"):
        lines.append("models: " + ", ".join(current.models))
    return lines or ["same settings"]


def with_changes(records: list[RunRecord]) -> list[tuple[RunRecord, list[str]]]:
    """Each record beside its changes from the previous record of the same kind and models
    (for ensembles and submissions: the previous one of that kind)."""
    last: dict = {}
    out = []
    for record in records:
        key = (record.competition, record.kind, tuple(record.models) if record.kind in ("train", "tune") else None)
        out.append((record, changes(last.get(key), record)))
        last[key] = record
    return out


def runs_table(paths: Paths, competition: str, limit: int = 30):
    """A rich table of the competition's records, newest first."""
    from rich.table import Table

    rows = with_changes(runs(paths, competition))[::-1][:limit]
    metric = next((r.metric for r, _ in rows if r.metric), "score")
    table = Table(title=f"{competition}: runs, newest first ({paths.runs_db})")
    for column, justify in (("#", "right"), ("when", "left"), ("kind", "left"), ("models", "left"),
                            (f"CV {metric}", "right"), ("public", "right"), ("changed", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for record, lines in rows:
        table.add_row(str(record.id), record.created[5:16], record.kind, ", ".join(record.models),
                      "" if record.cv_score is None else f"{record.cv_score:.4f}",
                      "" if record.public_score is None else f"{record.public_score:.5f}", "\n".join(lines))
    return table
