"""Optional MLflow tracking (``--track=mlflow``; ``pip install -e .[mlflow]``).

The kit's own records (runs.sqlite) stay the source of truth; this copies the ones MLflow has not
seen yet into an MLflow experiment named after the competition, one MLflow run per record, so
MLflow's UI can compare them. The tracking store defaults to ``<project root>/mlflow.db``
(SQLite: MLflow 3 deprecates its file store); ``mlflow ui --backend-store-uri sqlite:///mlflow.db``
shows it.
"""

import logging
import time

from ..core.config import Paths
from ..core.errors import KitError
from ..engine.records import _flatten, runs

TRACKERS = ("mlflow",)
_RECORD_TAG = "kit.record_id"
_BATCH = 100  # MLflow takes at most 100 parameters per log_batch call
_VALUE_LENGTH = 6000  # MLflow's limit on a parameter value


def tracking_uri(paths: Paths) -> str:
    return f"sqlite:///{paths.root / 'mlflow.db'}"


def export_to_mlflow(paths: Paths, competition: str, uri: str | None = None) -> int:
    """Log the competition's records that are not in MLflow yet; returns how many were logged."""
    try:
        from mlflow import MlflowClient
        from mlflow.entities import Metric, Param, RunTag
    except ImportError:
        raise KitError("--track=mlflow needs MLflow: pip install -e .[mlflow]") from None
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # not its database set-up chatter
    client = MlflowClient(tracking_uri=uri or tracking_uri(paths))
    experiment = client.get_experiment_by_name(competition)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(competition)
    seen = {run.data.tags.get(_RECORD_TAG) for run in client.search_runs([experiment_id], max_results=50000)}
    logged = 0
    for record in runs(paths, competition):
        if str(record.id) in seen:
            continue
        tags = {_RECORD_TAG: str(record.id), "kind": record.kind, "models": ", ".join(record.models),
                "git_commit": record.git_commit or "", "dirty": str(record.dirty), "file": record.file or "",
                "folds_fingerprint": record.folds_fingerprint or "", "created": record.created}
        when = int(time.mktime(time.strptime(record.created, "%Y-%m-%d %H:%M:%S")) * 1000)
        run = client.create_run(experiment_id, start_time=when, tags=tags,
                                run_name=f"{record.kind}: {', '.join(record.models)}"[:250])
        run_id = run.info.run_id
        params = {k: str(v)[:_VALUE_LENGTH] for k, v in _flatten(record.params).items()}
        params.update({f"data.{name}": digest for name, digest in record.data_hashes.items()})
        if record.seed is not None:
            params["seed"] = str(record.seed)
        items = [Param(k, v) for k, v in sorted(params.items())]
        metrics = [Metric(name, float(value), when, 0) for name, value in
                   (("cv_score", record.cv_score), ("cv_std", record.cv_std), ("seconds", record.seconds),
                    ("public_score", record.public_score)) if value is not None]
        metrics += [Metric(f"fold_score.{name}", float(score), when, k)
                    for name, scores in record.fold_scores.items() for k, score in enumerate(scores)]
        for start in range(0, max(len(items), 1), _BATCH):
            client.log_batch(run_id, metrics=metrics if start == 0 else [], params=items[start:start + _BATCH],
                             tags=[RunTag("metric", record.metric or "")] if start == 0 else [])
        client.set_terminated(run_id)
        logged += 1
    return logged


def track(paths: Paths, competition: str, tracker: str | None) -> str | None:
    """Send new records to ``tracker`` (None: nothing); returns a line to print."""
    if not tracker:
        return None
    if tracker not in TRACKERS:
        raise KitError(f"unknown tracker '{tracker}'; choose from {', '.join(TRACKERS)}")
    count = export_to_mlflow(paths, competition)
    return f"MLflow: {count} new run(s) logged to {tracking_uri(paths)} (experiment '{competition}')"
