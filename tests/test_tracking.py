"""--track=mlflow: run records copied into an MLflow SQLite store, each record once."""

import sys

import pytest

from common.core.errors import KitError
from common.engine.records import RunRecord, append
from common.present.mlflow_tracking import export_to_mlflow, track, tracking_uri


def test_unknown_tracker_and_missing_mlflow_are_explained(paths, monkeypatch):
    assert track(paths, "titanic", None) is None
    with pytest.raises(KitError, match="choose from mlflow"):
        track(paths, "titanic", "wandb")
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if the extra were not installed
    with pytest.raises(KitError, match=r"pip install -e \.\[mlflow\]"):
        track(paths, "titanic", "mlflow")


@pytest.mark.slow
def test_records_go_to_mlflow_once_with_params_and_fold_scores(paths):
    pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    from mlflow import MlflowClient

    many = {f"model__p{i}": i for i in range(150)}  # more than one log_batch call takes
    append(paths, RunRecord("titanic", "train", ["logreg"], params={"logreg": {"C": 0.3, "estimator": many}},
                            fold_scores={"logreg": [0.8, 0.82]}, cv_score=0.81, metric="accuracy", seed=42,
                            data_hashes={"train.csv": "abc"}, git_commit="deadbeef", dirty=False))
    assert export_to_mlflow(paths, "titanic") == 1
    append(paths, RunRecord("titanic", "submit", ["logreg"], cv_score=0.81, public_score=0.775, file="a.csv",
                            git_commit="deadbeef", dirty=True))
    assert export_to_mlflow(paths, "titanic") == 1  # only the new record
    client = MlflowClient(tracking_uri(paths))
    experiment = client.get_experiment_by_name("titanic")
    runs = {r.data.tags["kind"]: r for r in client.search_runs([experiment.experiment_id])}
    trained = runs["train"]
    assert trained.data.params["logreg.C"] == "0.3" and trained.data.params["data.train.csv"] == "abc"
    assert len(trained.data.params) == 150 + 3 and trained.data.metrics["cv_score"] == 0.81
    history = client.get_metric_history(trained.info.run_id, "fold_score.logreg")
    assert [(m.step, m.value) for m in history] == [(0, 0.8), (1, 0.82)]
    assert runs["submit"].data.metrics["public_score"] == 0.775 and runs["submit"].data.tags["dirty"] == "True"
