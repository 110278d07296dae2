"""A read-only code folder (a Kaggle notebook's /kaggle/input/...): every task writes only under the
project root; in a Kaggle notebook layout the competition's files are read in place and the
submission is also written where Kaggle takes a notebook's output from."""

import filecmp
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from common.core.config import PROJECT_ROOT, Paths
from common.spec import read_tuned_params

from .conftest import real_data_dir

CODE = ("common", "competitions", "tasks.py", "pyproject.toml")


def read_only_copy_of_the_code(dest):
    for name in CODE:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "tuned_params.json"))
        else:
            shutil.copy2(source, dest / name)
    for path in [dest, *dest.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return dest


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


def kit_from(code, args, cwd, env):
    # root ignores write bits, so the test also compares the folder before and after
    return subprocess.run([sys.executable, "-c", "from common.cli.program import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1", **env})


@pytest.fixture
def code(tmp_path):
    folder = read_only_copy_of_the_code(tmp_path / "code")
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)  # so that pytest can clean up


@pytest.mark.slow
def test_every_task_writes_only_under_the_root(code, tmp_path):
    source, root, elsewhere = real_data_dir("titanic"), tmp_path / "root", tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = snapshot(code)
    env = {"KIT_ROOT": str(root)}
    steps = [["download", "-c", "titanic", "-S", str(source)], ["train", "-c", "titanic", "-m", "logreg"],
             ["tune", "-c", "titanic", "-m", "logreg", "-t", "2"], ["train", "-c", "titanic", "-m", "logreg"],
             ["ensemble", "-c", "titanic"], ["predict", "-c", "titanic", "-m", "logreg"]]
    outputs = []
    for step in steps:
        result = kit_from(code, step, elsewhere, env)
        assert result.returncode == 0, (step, result.stderr[-3000:])
        outputs.append(result.stdout)
    assert f"tuned parameters from {root / 'tuned' / 'titanic.json'}" in outputs[3].replace("\n", "")
    [first, *_] = sorted((root / "submissions" / "titanic").glob("*ensemble*.csv"))
    result = kit_from(code, ["validate", "-c", "titanic", "-f", str(first)], elsewhere, env)
    assert result.returncode == 0, result.stderr
    assert snapshot(code) == before and not list(elsewhere.iterdir())
    tuned = json.loads((root / "tuned" / "titanic.json").read_text())
    assert tuned["logreg"]["trials"] == 2
    assert list((root / "artifacts" / "titanic" / "tuning").glob("logreg-*.db"))  # the study, keyed by data and space
    assert len(list((root / "submissions" / "titanic").glob("*.csv"))) == 2


@pytest.mark.slow
def test_a_kaggle_notebook_reads_its_input_in_place_and_writes_submission_csv(code, tmp_path):
    kaggle = tmp_path / "kaggle"
    attached = kaggle / "input" / "titanic"
    shutil.copytree(real_data_dir("titanic"), attached)
    (kaggle / "working").mkdir()
    before = snapshot(kaggle / "input")
    env = {"KIT_KAGGLE_DIR": str(kaggle)}
    for step in (["download", "-c", "titanic"], ["train", "-c", "titanic", "-m", "logreg"], ["ensemble", "-c", "titanic"]):
        result = kit_from(code, step, kaggle / "working", env)
        assert result.returncode == 0, (step, result.stderr[-3000:])
    assert snapshot(kaggle / "input") == before
    assert not (kaggle / "working" / "data" / "titanic" / "raw").exists()
    [kept] = (kaggle / "working" / "submissions" / "titanic").glob("*.csv")
    assert filecmp.cmp(kept, kaggle / "working" / "submission.csv", shallow=False)


def test_tuned_parameters_are_read_from_the_root_over_the_old_place(tmp_path, monkeypatch):
    old = tmp_path / "tuned_params.json"
    old.write_text(json.dumps({"logreg": {"params": {"C": 1.0}}, "lightgbm": {"params": {"num_leaves": 7}}}))
    monkeypatch.setattr("common.spec.tuned_params_file", lambda slug: old)
    paths = Paths(tmp_path / "root")
    assert read_tuned_params("titanic", paths)["logreg"]["params"] == {"C": 1.0}
    paths.tuned_params("titanic").parent.mkdir(parents=True)
    paths.tuned_params("titanic").write_text(json.dumps({"logreg": {"params": {"C": 0.5}}}))
    found = read_tuned_params("titanic", paths)
    assert found["logreg"]["params"] == {"C": 0.5} and found["lightgbm"]["params"] == {"num_leaves": 7}


def test_text_embeddings_are_cached_under_the_projects_cache(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from common.engine.cv import place_caches
    from common.models.sentence_embeddings import SentenceEmbedder

    pipeline = make_pipeline(SentenceEmbedder(column="text"), SVC())
    place_caches(pipeline, Paths(tmp_path).embedding_cache)
    assert pipeline.get_params()["sentenceembedder__cache_dir"] == tmp_path / "cache" / "sentence-embeddings"
    mine = make_pipeline(SentenceEmbedder(column="text", cache_dir="mine"), SVC())
    place_caches(mine, tmp_path)
    assert mine.get_params()["sentenceembedder__cache_dir"] == "mine"


def test_a_source_given_in_a_kaggle_notebook_is_copied_under_the_root(tmp_path):
    from common.spec import load_competition
    from common.steps.download import download

    attached = tmp_path / "kaggle" / "input" / "titanic"
    shutil.copytree(real_data_dir("titanic"), attached)
    paths = Paths(tmp_path / "kaggle" / "working", kaggle_input=attached.parent)
    spec = load_competition("titanic")
    assert paths.raw("titanic") == attached
    assert download(spec, paths).status == "in place"
    report = download(spec, paths, attached)
    assert report.status == "new" and report.raw_dir == paths.own_raw("titanic") == paths.raw("titanic")
