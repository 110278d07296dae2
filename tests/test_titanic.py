"""Titanic on the real Kaggle files: features, leakage, determinism and the whole CLI path."""

import json

import numpy as np
import pandas as pd
import pytest

from common.engine.artifacts import load_fold_model
from common.engine.cv import predict_values, run_cv
from common.steps.workflow import ensemble, prepare, train

from .conftest import fast_spec, installed, real_data_dir, run_invoke

FAST = {"random_forest": {"n_estimators": 50}, "extra_trees": {"n_estimators": 50},
        "lightgbm": {"n_estimators": 60}, "keras_mlp": {"epochs": 4}}


@pytest.mark.parametrize("model", ["logreg", "woman_child_group"])
def test_group_survival_rates_never_use_the_validation_labels(paths, model):
    """Flip fold 0's labels: fold 0's OOF predictions must not move, other folds' must (the group
    survival rates of logreg's features and of the default woman-child-group rule)."""
    spec = installed("titanic", paths)
    data, folds = prepare(spec, paths, seed=42)
    before = run_cv(spec, model, data, folds, seed=42).oof
    data.y = np.where(folds == 0, 1 - data.y, data.y)
    after = run_cv(spec, model, data, folds, seed=42).oof
    assert np.allclose(before[folds == 0], after[folds == 0])
    assert not np.allclose(before[folds == 1], after[folds == 1])


def test_a_plain_train_runs_the_default_models_only():
    from common.spec import load_competition

    spec = load_competition("titanic", tuned=False)
    assert spec.default_model_names() == ["woman_child_group"]
    assert spec.model_names("logreg,lightgbm") == ["logreg", "lightgbm"] and len(spec.model_names()) == 6


def _passengers(rows):
    names = {"woman": "Smith, Mrs. Ann", "boy": "Smith, Master. Tom", "man": "Smith, Mr. John"}
    return pd.DataFrame([{"Name": names[kind].replace("Smith", family), "Sex": "male" if kind != "woman" else "female",
                          "Pclass": 3, "Ticket": f"T{family}1", "Fare": 20.0, "Embarked": "S",
                          "Age": 30.0, "SibSp": 1, "Parch": 1, "Cabin": None} for family, kind in rows])


def test_woman_child_groups_follow_their_family_and_men_follow_men():
    from competitions.titanic.features import WomanChildGroupClassifier, make_features

    # families A (all died), B (all lived), and lone passengers that set each kind's rate
    train = _passengers([("A", "woman"), ("A", "boy"), ("B", "woman"), ("B", "boy")]
                        + [(f"W{i}", "woman") for i in range(6)] + [(f"M{i}", "man") for i in range(6)]
                        + [(f"K{i}", "boy") for i in range(4)])
    y = np.array([0, 0, 1, 1] + [1] * 5 + [0] + [0] * 5 + [1] + [0] * 3 + [1])
    test = _passengers([("A", "woman"), ("B", "boy"), ("Z", "woman"), ("Z", "man"), ("Y", "boy")])
    X, X_test = make_features(train, test)
    assert X.loc[0, "WCGroup"] == X.loc[1, "WCGroup"] != "" and X_test.loc[3, "WCGroup"] == ""  # men join no group
    model = WomanChildGroupClassifier().fit(X, y)
    # a woman of a family that died dies, a boy of one that lived lives; otherwise by sex and age
    assert model.predict(X_test).tolist() == [0, 1, 1, 0, 0]
    # a row's own label is left out of its group's tally: two women of one family, one lived and
    # one died, each see the other's fate (not a "mixed" group that contains their own label)
    pair = _passengers([("Q", "woman"), ("Q", "woman")] + [(f"W{i}", "woman") for i in range(4)])
    Xq, _ = make_features(pair, _passengers([("Z", "man")]))
    rates = WomanChildGroupClassifier().fit(Xq, np.array([1, 0, 1, 1, 1, 1])).rates_
    assert sorted(rates.index) == ["woman-", "woman-died", "woman-lived"]


def test_same_seed_gives_a_byte_identical_submission(tmp_path):
    from common.core.config import Paths

    spec = fast_spec(installed("titanic", Paths(tmp_path / "a")), only=["logreg", "lightgbm", "keras_mlp"], **FAST)
    installed("titanic", Paths(tmp_path / "b"))
    files = []
    for root in ("a", "b"):
        paths = Paths(tmp_path / root)
        train(spec, paths, seed=7)
        files.append(ensemble(spec, paths, seed=7)[1])
    assert files[0].read_bytes() == files[1].read_bytes()
    # the Keras fold model reloads from its .keras file and predicts as it did
    folder = Paths(tmp_path / "a").model_artifacts("titanic", "keras_mlp")
    assert (folder / "fold0.keras").exists()
    data, folds = prepare(spec, Paths(tmp_path / "a"), seed=7)
    test_pred = np.mean([predict_values(load_fold_model(folder, f"fold{k}"), data.X_test, "binary")
                         for k in range(5)], axis=0)
    assert np.allclose(test_pred, np.load(folder / "test.npy"), atol=1e-6)


@pytest.mark.slow
def test_the_readme_commands_run_titanic_end_to_end(paths):
    env = {"INVOKE_KIT_ROOT": str(paths.root)}
    steps = [["download", "--comp=titanic", f"--source={real_data_dir('titanic')}"],
             ["train", "--comp=titanic"], ["ensemble", "--comp=titanic"]]
    for step in steps:
        result = run_invoke(step, env)
        assert result.returncode == 0, result.stderr[-3000:]
    assert "mean ± std" in run_invoke(["train", "--comp=titanic", "--model=logreg"], env).stdout
    assert sorted(p.name for p in paths.competition_artifacts("titanic").iterdir() if not p.name.startswith(".")) \
        == ["_ensemble", "logreg", "woman_child_group"]
    [csv] = paths.competition_submissions("titanic").glob("*.csv")
    assert result.stdout.strip().endswith(".csv") and csv.name in result.stdout.replace("\n", "")
    sidecar = json.loads(csv.with_suffix(".json").read_text())
    assert sidecar["cv_score"] >= 0.84 and sidecar["models"] == ["woman_child_group"]
    submission = pd.read_csv(csv)
    assert submission.shape == (418, 2) and set(submission["Survived"]) == {0, 1}
    assert run_invoke(["validate", "--comp=titanic", f"--file={csv}"], env).returncode == 0


def test_unknown_model_lists_the_valid_ones(paths):
    installed("titanic", paths)
    result = run_invoke(["train", "--comp=titanic", "--model=xgboost"], {"INVOKE_KIT_ROOT": str(paths.root)})
    assert result.returncode == 1
    assert "valid models: woman_child_group, logreg, random_forest, extra_trees, lightgbm, keras_mlp" in result.stderr


def test_train_without_data_says_how_to_download(paths):
    result = run_invoke(["train", "--comp=titanic"], {"INVOKE_KIT_ROOT": str(paths.root)})
    assert result.returncode == 1 and "invoke download --comp=titanic" in result.stderr


def test_every_task_is_documented():
    listing = run_invoke(["--list"]).stdout
    for name in ("download", "train", "ensemble", "validate", "submit", "submissions", "score"):
        assert name in listing
        assert "--comp" in run_invoke(["--help", name]).stdout
