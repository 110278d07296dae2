import json

import optuna

from common.spec import load_competition
from common.tuning import tune

from .conftest import installed


def test_tuning_saves_the_best_parameters_and_resumes(paths, tmp_path):
    spec = installed("titanic", paths)
    target = tmp_path / "tuned_params.json"
    best = tune(spec, paths, "logreg", trials=3, seed=0, params_file=target)
    saved = json.loads(target.read_text())["logreg"]
    assert saved["params"] == best and 0.01 <= best["C"] <= 10 and saved["trials"] == 3
    assert saved["cv_score"] > 0.75
    tune(spec, paths, "logreg", trials=2, seed=0, params_file=target)
    assert json.loads(target.read_text())["logreg"]["trials"] == 5  # the study was resumed
    study = json.loads(target.read_text())["logreg"]["study"]  # logreg-<hash of data, folds, space>
    db = paths.competition_artifacts("titanic") / "tuning" / f"{study}.db"
    assert study.startswith("logreg-") and len(optuna.load_study(study_name=study, storage=f"sqlite:///{db}").trials) == 5


def test_keras_search_space_gives_builder_parameters():
    spec = load_competition("titanic")
    params = spec.model("keras_mlp").search_space(optuna.trial.FixedTrial(
        {"units": "64-32", "dropout_rate": 0.2, "learning_rate": 0.001}))
    assert params["units"] == (64, 32)
    spec.model("keras_mlp").make(**params)  # the builder accepts them
