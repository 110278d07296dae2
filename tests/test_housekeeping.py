"""Housekeeping: .history keeps the last runs per model, `invoke clean` removes generated files
after confirmation, and reused folds made with another seed are pointed out."""

import os
import subprocess
import sys

import numpy as np
import pytest

from common.core.config import PROJECT_ROOT
from common.core.fileio import read_json
from common.data.folds import folds_seed_note
from common.engine.artifacts import HISTORY, ModelRun, RunWriter
from common.steps.workflow import prepare

from .conftest import installed


def commit_run(paths, model, keep, score):
    writer = RunWriter(paths, "comp", model, keep=keep)
    run = ModelRun(model=model, metric="accuracy", fold_scores=[score], cv_score=score, cv_std=0.0, seconds=0.1,
                   seed=0, n_seeds=1, folds_fingerprint="f", oof=np.zeros(3), test=np.zeros(2))
    return writer.commit(run)


def test_history_keeps_the_newest_runs_of_each_model(paths):
    for i in range(5):
        commit_run(paths, "a", keep=2, score=i / 10)
    commit_run(paths, "a_b", keep=2, score=0.0)
    commit_run(paths, "a_b", keep=2, score=0.1)
    history = paths.competition_artifacts("comp") / HISTORY
    kept = sorted(p for p in history.iterdir() if p.name.startswith("a-"))
    assert len(kept) == 2  # the current run plus two previous ones
    assert sorted(read_json(p / "result.json")["cv_score"] for p in kept) == [0.2, 0.3]
    assert read_json(paths.model_artifacts("comp", "a") / "result.json")["cv_score"] == 0.4
    assert len([p for p in history.iterdir() if p.name.startswith("a_b-")]) == 1  # another model's history
    assert commit_run(paths, "a", keep=0, score=0.5) is None and not any(history.glob("a-*"))


def test_reused_folds_made_with_another_seed_are_pointed_out(paths):
    spec = installed("titanic", paths)
    prepare(spec, paths, seed=42)
    assert read_json(paths.folds_info("titanic"))["seed"] == 42
    assert folds_seed_note(paths, "titanic", 42) is None
    note = folds_seed_note(paths, "titanic", 7)
    assert "seed 42" in note and "--seed=7" in note and "invoke clean --comp=titanic" in note


def clean(paths, *args):
    return subprocess.run([sys.executable, "-m", "invoke", "clean", "--comp=titanic", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
                          env={**os.environ, "INVOKE_KIT_ROOT": str(paths.root)})


@pytest.mark.slow
def test_clean_asks_first_and_keeps_submissions_and_raw_data(paths):
    installed("titanic", paths)
    prepare(installed("titanic", paths), paths, seed=42)
    (paths.model_artifacts("titanic", "logreg")).mkdir(parents=True)
    (paths.model_artifacts("titanic", "logreg") / "oof.npy").write_bytes(b"x")
    paths.competition_reports("titanic").mkdir(parents=True)
    paths.competition_submissions("titanic").mkdir(parents=True)
    (paths.competition_submissions("titanic") / "a.csv").write_text("id\n")
    refused = clean(paths)
    assert refused.returncode == 1 and "--yes" in refused.stderr and paths.folds_file("titanic").exists()
    done = clean(paths, "--yes")
    assert done.returncode == 0, done.stderr
    assert str(paths.competition_artifacts("titanic")) in done.stdout
    assert not paths.competition_artifacts("titanic").exists() and not paths.folds_file("titanic").exists()
    assert not paths.folds_info("titanic").exists() and not paths.competition_reports("titanic").exists()
    assert (paths.competition_submissions("titanic") / "a.csv").exists() and paths.raw("titanic").is_dir()
    assert clean(paths, "--yes", "--submissions", "--raw").returncode == 0
    assert not paths.competition_submissions("titanic").exists() and not paths.competition_data("titanic").exists()
