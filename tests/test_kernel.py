"""Code competitions: `kit kernel` builds the ensemble's dataset and notebook; the notebook, run
offline in a read-only /kaggle/input-like layout, writes the local ensemble's submission."""

import json
import shutil
import stat

import nbformat
import pytest

from common.steps.kernel_build import _ids, build_kernel
from common.steps.workflow import ensemble, train

from .conftest import fast_spec, installed, real_data_dir


def read_only(folder):
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.mark.slow
def test_the_kernel_notebook_writes_the_local_ensembles_submission_offline(paths, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    spec = fast_spec(installed("titanic", paths), only=["logreg", "random_forest"],
                     random_forest={"n_estimators": 50})
    train(spec, paths, seed=3, n_seeds=2)
    _, local = ensemble(spec, paths, seed=3, method="weighted")
    build = build_kernel(spec, paths, owner="someone")

    meta = json.loads((build.notebook / "kernel-metadata.json").read_text())
    assert meta["enable_internet"] is False and meta["competition_sources"] == ["titanic"]
    assert meta["dataset_sources"] == ["someone/titanic-kit-models"] == [build.dataset_id]
    assert json.loads((build.dataset / "dataset-metadata.json").read_text())["id"] == build.dataset_id
    assert sorted(p.name for p in (build.dataset / "models" / "random_forest").glob("*.joblib"))[:2] == \
        ["fold0-seed0.joblib", "fold0-seed1.joblib"]
    [wheel] = (build.dataset / "wheels").glob("*.whl")
    assert wheel.name.startswith("kaggle_starter_kit-")

    kaggle = tmp_path / "kaggle"
    shutil.copytree(build.dataset, kaggle / "input" / "titanic-kit-models")
    shutil.copytree(real_data_dir("titanic"), kaggle / "input" / "titanic")
    (kaggle / "working").mkdir()
    read_only(kaggle / "input")
    monkeypatch.setenv("KIT_KAGGLE_DIR", str(kaggle))
    notebook = nbformat.read(str(build.notebook / "inference.ipynb"), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(kaggle / "working")}}).execute()
    assert (kaggle / "working" / "submission.csv").read_bytes() == local.read_bytes()
    for path in [kaggle / "input", *(kaggle / "input").rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_a_kernel_needs_an_ensemble(paths):
    spec = installed("titanic", paths)
    with pytest.raises(Exception, match="has no ensemble yet; run: invoke ensemble --comp=titanic"):
        build_kernel(spec, paths, owner="someone")


def test_kernel_ids_fit_kaggles_length_limits():
    dataset, kernel = _ids("house-prices-advanced-regression-techniques", "someone")
    assert dataset == "someone/house-prices-advanced-regression-techni-kit-models"
    assert kernel == "someone/house-prices-advanced-regression-tec-kit-inference"
    assert all(6 <= len(ref.split("/")[1]) <= 50 for ref in (dataset, kernel))
    assert _ids("titanic", "someone") == ("someone/titanic-kit-models", "someone/titanic-kit-inference")


def test_a_competition_of_the_projects_own_travels_in_the_dataset(tmp_path):
    """`invoke new` under a root that is not the code folder: the kit's wheel lacks the competition,
    so the dataset carries its folder, and the notebook's predict_bundle finds it there."""
    from common.core.config import Paths
    from common.scaffold.new_competition import new_competition
    from common.spec import load_competition
    from common.steps.kernel_build import predict_bundle
    from tests.support.synthetic import make_binary_true_false

    source = make_binary_true_false(tmp_path / "kaggle" / "my-binary")
    paths = Paths(tmp_path / "project")
    new_competition("my-binary", paths, source)
    spec = fast_spec(load_competition("my-binary", paths=paths), only=["linear"])
    train(spec, paths, seed=0)
    _, local = ensemble(spec, paths, seed=0)
    build = build_kernel(spec, paths, owner="someone", extra_wheels=False)
    assert (build.dataset / "competitions" / "my-binary" / "spec.py").is_file()
    shutil.rmtree(paths.root / "competitions")  # only the dataset has it now
    out = tmp_path / "working" / "submission.csv"
    out.parent.mkdir()
    predict_bundle(build.dataset, source, out)
    assert out.read_bytes() == local.read_bytes()


def copy_of_the_code_folder(target):
    """The kit's checkout without what runs and git put in it (data, artifacts, caches, earlier builds)."""
    from common.core.config import PROJECT_ROOT

    skip = shutil.ignore_patterns(".git", ".venv", "data", "artifacts", "cache", "submissions", "kernels", "reports",
                                  "tuned", "build", "*.egg-info", "__pycache__", ".pytest_cache")
    shutil.copytree(PROJECT_ROOT, target, ignore=skip)
    return target


def listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_the_kits_wheel_is_built_without_writing_into_a_read_only_code_folder(tmp_path, monkeypatch):
    from common.steps import kernel_build

    code = copy_of_the_code_folder(tmp_path / "code")
    before = listing(code)
    monkeypatch.setattr(kernel_build, "PROJECT_ROOT", code)
    read_only(code)  # as a Kaggle notebook's input folder is
    try:
        kernel_build._wheels(tmp_path / "wheels", [])
    finally:
        for path in [code, *code.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    [wheel] = (tmp_path / "wheels").iterdir()
    assert wheel.name.startswith("kaggle_starter_kit-") and wheel.name.endswith("-py3-none-any.whl")
    assert listing(code) == before  # no build/, no *.egg-info


def test_a_failed_wheel_build_says_so_in_one_line(tmp_path, monkeypatch):
    from common.core.errors import KitError
    from common.steps import kernel_build

    code = tmp_path / "code"
    for package in ("common", "competitions"):
        (code / package).mkdir(parents=True)
    (code / "pyproject.toml").write_text("[project\nname = broken\n")
    (code / "README.md").write_text("")
    monkeypatch.setattr(kernel_build, "PROJECT_ROOT", code)
    with pytest.raises(KitError, match=r"^pip wheel failed for the kernel's wheels \(.*TOMLDecodeError") as info:
        kernel_build._wheels(tmp_path / "wheels", [])
    message = str(info.value)
    assert "\n" not in message and len(message) < 600 and str(code / "pyproject.toml") in message
    assert listing(code) == ["README.md", "common", "competitions", "pyproject.toml"]
