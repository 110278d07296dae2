"""A name a user types never becomes a path outside the project root."""

from pathlib import Path

import pytest

from common.core.config import Paths
from common.core.errors import KitError
from common.core.names import checked_model, checked_slug
from common.scaffold.new_competition import new_competition
from tests.support.synthetic import make_binary_true_false


@pytest.mark.parametrize("slug", ["../../etc", "/tmp/evil", "a b", "Titanic!", "", ".", "..", "a/b", "a\\b",
                                  "-rf", "x" * 101, None, "ok\n"])
def test_hostile_competition_names_are_refused(slug):
    with pytest.raises(KitError, match="cannot be a competition name"):
        checked_slug(slug)


@pytest.mark.parametrize("slug", ["titanic", "playground-series-s3e5", "my_comp", "2024-comp"])
def test_kaggle_slugs_are_accepted(slug):
    assert checked_slug(slug) == slug


def test_the_hint_is_a_name_that_works():
    with pytest.raises(KitError, match=r"e\.g\. --comp=titanic\.$"):
        checked_slug("Titanic!!")
    with pytest.raises(KitError) as refused:
        checked_slug("../../etc")
    assert "--comp=../../etc" not in str(refused.value)


@pytest.mark.parametrize("name", ["../x", "a b", "_ensemble", "", "x/y"])
def test_hostile_model_names_are_refused(name):
    with pytest.raises(KitError, match="cannot be a model name"):
        checked_model(name)


@pytest.mark.parametrize("method", ["raw", "own_raw", "competition_data", "folds_file", "competition_artifacts",
                                    "competition_submissions", "competition_reports", "tuned_params",
                                    "competition_kernel"])
def test_every_competition_path_checks_its_name(tmp_path, method):
    with pytest.raises(KitError, match="cannot be a competition name"):
        getattr(Paths(tmp_path), method)("../outside")


def test_model_paths_check_the_model_name(tmp_path):
    with pytest.raises(KitError, match="cannot be a model name"):
        Paths(tmp_path).model_artifacts("titanic", "../../escape")


@pytest.mark.parametrize("slug", ["../../etc", str("/tmp/kit-escape-test"), "a b"])
def test_new_writes_nothing_outside_the_root(tmp_path, slug):
    source = make_binary_true_false(tmp_path / "kaggle")
    root = tmp_path / "deep" / "project"
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(KitError, match="cannot be a competition name"):
        new_competition(slug, Paths(root), source)
    assert sorted(p for p in tmp_path.rglob("*")) == before


HOSTILE = ["..", "../x", "../../etc", "/tmp/kit-escape", "a b", "ünïcode", "Titanic!", ""]


def _task_calls(source, submission):
    """Every task that takes a competition name, with the other arguments it needs to get going."""
    from common.cli import invoke_tasks as tasks

    return {
        "download": (tasks.download, {"source": source}), "new": (tasks.new, {"source": source}),
        "run": (tasks.run, {"source": source}), "train": (tasks.train, {}), "ensemble": (tasks.ensemble, {}),
        "predict": (tasks.predict, {"model": "lightgbm"}), "validate": (tasks.validate, {"file": submission}),
        "submit": (tasks.submit, {"file": submission}), "submissions": (tasks.submissions, {}),
        "score": (tasks.score, {"file": submission}), "tune": (tasks.tune, {"model": "lightgbm"}),
        "runs": (tasks.runs, {}), "report": (tasks.report, {}), "clean": (tasks.clean, {"yes": True}),
        "kernel": (tasks.kernel, {"owner": "someone", "dry_run": True}),
    }


def _call(task, root, **kwargs) -> tuple[int, str]:
    from invoke import Config, Context, Exit

    context = Context(Config(overrides={"kit": {"root": str(root), "poll_seconds": 0.0}}))
    try:
        task(context, **kwargs)
    except Exit as exc:
        return exc.code, str(exc.message)
    return 0, ""


def _everything(folder) -> list:
    return sorted(p.as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("name", HOSTILE)
def test_every_task_refuses_a_hostile_competition_name_before_writing(tmp_path, name):
    source = make_binary_true_false(tmp_path / "kaggle")
    submission = tmp_path / "kaggle" / "sample_submission.csv"
    root = tmp_path / "sandbox" / "project"
    root.mkdir(parents=True)
    escape = Path("/tmp/kit-escape")
    before = _everything(tmp_path)
    for task_name, (task, kwargs) in _task_calls(str(source), str(submission)).items():
        code, message = _call(task, root, comp=name, **kwargs)
        assert code != 0, task_name
        assert "cannot be a competition name" in message or (name == "" and "say which competition" in message), \
            (task_name, message)
        assert f"--comp={name} " not in message and f"--comp={name}." not in message, (task_name, message)
        assert _everything(tmp_path) == before, task_name
        assert not escape.exists(), task_name


@pytest.mark.parametrize("model", ["../x", "/tmp/kit-escape", "a b", "lightgbm,linear"])
def test_model_names_are_refused_before_writing(tmp_path, model):
    from common.cli import invoke_tasks as tasks

    root = tmp_path / "project"
    root.mkdir()
    for task in (tasks.train, tasks.predict, tasks.tune):
        code, message = _call(task, root, comp="titanic", model=model)
        assert code != 0
        if "," not in model or task is not tasks.train:
            assert "has no model" in message or "names several" in message, message
    assert _everything(root) == []
    assert not Path("/tmp/kit-escape").exists()


def test_predict_with_several_models_points_to_ensemble(tmp_path):
    from common.cli import invoke_tasks as tasks

    code, message = _call(tasks.predict, tmp_path, comp="titanic", model="lightgbm,linear")
    assert code != 0 and "invoke ensemble --comp=titanic --models=lightgbm,linear" in message


def test_a_refused_new_leaves_no_data_folder(tmp_path):
    source = make_binary_true_false(tmp_path / "kaggle")
    (source / "sample_submission.csv").write_text("PassengerId,Unknown\n1,0\n")  # names no column of train
    root = tmp_path / "project"
    with pytest.raises(KitError):
        new_competition("spaceship", Paths(root), source)
    assert not (root / "data").exists() and not (root / "competitions" / "spaceship").exists()
    with pytest.raises(KitError, match="unknown metric 'brier'"):
        new_competition("spaceship", Paths(root), source, metric="brier")
    assert not (root / "data").exists()
