import json

import optuna
import pytest

from common.spec import load_competition
from common.steps.tuning import tune

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


def toy_study(root, **how) -> tuple[list, dict]:
    """Tune the toy LightGBM for 8 trials (enough for the median pruner to act); every trial's
    parameters, state, fold-by-fold running means and value, and the saved best parameters."""
    from common.core.config import Paths
    from tests.support.toy_competition import SLUG, install_toy_data, toy_spec

    paths = Paths(root)
    install_toy_data(paths)
    best = tune(toy_spec(n_splits=4), paths, "lightgbm", trials=8, seed=1, **how)
    [db] = (paths.competition_artifacts(SLUG) / "tuning").glob("*.db")
    study = optuna.load_study(study_name=db.stem, storage=f"sqlite:///{db}")
    return [(t.params, t.state.name, t.intermediate_values, t.value) for t in study.trials], best


@pytest.fixture(scope="module")
def sequential_study(tmp_path_factory):
    return toy_study(tmp_path_factory.mktemp("tune-sequential"))


def test_tuning_with_parallel_folds_gives_the_same_study(sequential_study, tmp_path):
    trials, best = sequential_study
    assert len({str(t[0]) for t in trials}) == 8
    assert {t[1] for t in trials} == {"COMPLETE", "PRUNED"}  # pruning stops a trial's parallel folds
    assert toy_study(tmp_path, jobs=2) == (trials, best)


@pytest.mark.slow
def test_tuning_on_ray_gives_the_same_study(sequential_study, tmp_path):
    ray = pytest.importorskip("ray")
    from common.engine.executor import ray_runtime_env

    ray.init(num_cpus=2, runtime_env=ray_runtime_env(), include_dashboard=False, log_to_driver=False)
    try:
        assert toy_study(tmp_path, executor="ray") == sequential_study
    finally:
        ray.shutdown()


def test_every_call_after_the_first_resumes_the_study_though_tuned_parameters_now_apply(tmp_path):
    from common.core.config import Paths
    from tests.support.toy_competition import SLUG, install_as_user_competition, install_toy_data

    paths = Paths(tmp_path / "project")
    install_toy_data(paths)
    install_as_user_competition(paths)
    studies = []
    for trials in (2, 1, 1):
        spec = load_competition(SLUG, paths=paths)  # as each `invoke tune` reads it: tuned parameters applied
        tune(spec, paths, "lightgbm", trials=trials, seed=0)
        saved = json.loads(paths.tuned_params(SLUG).read_text())["lightgbm"]
        studies.append((saved["study"], saved["trials"]))
    assert load_competition(SLUG, paths=paths).model("lightgbm").params == saved["params"]
    assert [n for _, n in studies] == [2, 3, 4] and len({s for s, _ in studies}) == 1
    assert [db.stem for db in (paths.competition_artifacts(SLUG) / "tuning").glob("*.db")] == [studies[0][0]]
