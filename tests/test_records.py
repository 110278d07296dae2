"""Run records: every train, tune, ensemble and submit leaves a row in runs.sqlite; `invoke runs`
lists them newest first with what changed."""

import json

import pytest

from common.engine import records
from common.engine.records import RunRecord, append, changes, json_safe, runs, set_public_score, with_changes
from common.steps.tuning import tune
from common.steps.workflow import ensemble, train

from .conftest import fast_spec, installed, run_invoke


@pytest.mark.slow
def test_train_ensemble_and_tune_append_records_with_every_parameter(paths, tmp_path):
    spec = fast_spec(installed("titanic", paths), only=["logreg", "lightgbm"], lightgbm={"n_estimators": 30})
    train(spec, paths, seed=42)
    _, csv = ensemble(spec, paths, seed=42)
    tune(spec, paths, "logreg", trials=2, seed=0, params_file=tmp_path / "tuned.json")
    kinds = [(r.kind, r.models) for r in runs(paths, "titanic")]
    assert kinds == [("train", ["logreg"]), ("train", ["lightgbm"]), ("ensemble", ["lightgbm", "logreg"]),
                     ("tune", ["logreg"])]
    logreg, lightgbm, blend, tuned = runs(paths, "titanic")
    # the builder's defaults and the built estimator's own parameters, not "params": {}
    assert logreg.params["logreg"]["C"] == 0.3
    assert logreg.params["logreg"]["estimator"]["model__max_iter"] == 2000
    assert lightgbm.params["lightgbm"]["n_estimators"] == 30
    result = json.loads((paths.model_artifacts("titanic", "logreg") / "result.json").read_text())
    assert result["params"] == {"C": 0.3} and result["estimator_params"]["model__C"] == 0.3
    manifest = json.loads((paths.raw("titanic") / "manifest.json").read_text())["files"]
    assert logreg.data_hashes == {name: entry["sha256"] for name, entry in manifest.items()}
    assert len(logreg.fold_scores["logreg"]) == 5 and 0.75 < logreg.cv_score < 0.9
    assert logreg.folds_fingerprint == blend.folds_fingerprint and logreg.seed == 42 and logreg.seconds > 0
    assert blend.file == csv.name and blend.params["method"] in blend.fold_scores
    assert tuned.params["logreg"]["trials"] == 2 and tuned.cv_score > 0.75
    assert logreg.created and (logreg.git_commit is None or len(logreg.git_commit) == 40)


def test_changes_name_params_data_seed_and_code():
    old = RunRecord("c", "train", ["m"], params={"m": {"C": 1.0, "depth": 3, "estimator": {"model__random_state": 42}}},
                    data_hashes={"train.csv": "a"}, seed=42, folds_fingerprint="f1", git_commit="abc1234def",
                    dirty=False)
    new = RunRecord("c", "train", ["m"], params={"m": {"C": 0.5, "depth": 3, "estimator": {"model__random_state": 7}}},
                    data_hashes={"train.csv": "b"},
                    seed=7, folds_fingerprint="f2", git_commit="abc1234def", dirty=True)
    assert changes(old, new) == ["data: train.csv", "folds changed", "seed 42→7", "code abc1234→abc1234+dirty",
                                 "C: 1.0→0.5"]
    assert changes(old, old) == ["same settings"] and changes(None, old) == ["first run"]


def test_changes_compare_with_the_previous_run_of_the_same_model(paths):
    for model, c in (("a", 1), ("b", 1), ("a", 2)):
        append(paths, RunRecord("comp", "train", [model], params={model: {"C": c}}, git_commit="x", dirty=False,
                                cv_score=0.5))
    listed = with_changes(runs(paths, "comp"))
    assert [lines for _, lines in listed] == [["first run"], ["first run"], ["C: 1→2"]]


def test_public_score_is_written_to_the_submissions_records(paths):
    append(paths, RunRecord("comp", "ensemble", ["a"], file="x.csv", git_commit="x", dirty=False))
    append(paths, RunRecord("comp", "submit", ["a"], file="x.csv", git_commit="x", dirty=False))
    assert set_public_score(paths, "comp", "x.csv", 0.77) == 2
    assert [r.public_score for r in runs(paths, "comp")] == [0.77, 0.77]


def test_json_safe_names_things_stably():
    from sklearn.linear_model import LogisticRegression

    value = json_safe({"est": LogisticRegression(), "fn": json_safe, "t": (1, 2), "obj": object()})
    assert value["est"] == "LogisticRegression" and value["fn"] == "common.engine.records.json_safe"
    assert value["t"] == [1, 2] and "0x" not in value["obj"]


def test_invoke_runs_lists_newest_first(paths):
    for c, cv in ((1, 0.81), (2, 0.83)):
        append(paths, RunRecord("titanic", "train", ["logreg"], params={"logreg": {"C": c}}, cv_score=cv,
                                metric="accuracy", git_commit="x", dirty=False))
    result = run_invoke(["runs", "--comp=titanic"], {"INVOKE_KIT_ROOT": str(paths.root)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("0.8300") < result.stdout.index("0.8100") and "C: 1→2" in result.stdout
    assert records.runs(paths, "other") == []
