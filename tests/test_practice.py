"""Practice competitions: offline data, a hidden answer key, and local scoring like Kaggle's."""

import shutil

import pandas as pd
import pytest

from common.core.errors import DataError, KitError
from common.spec import load_competition
from common.steps.download import download
from common.steps.practice import answers_dir, score

from .conftest import installed


def test_practice_data_is_built_offline_with_the_answers_outside_raw(paths):
    spec = installed("digit-recognizer", paths)
    raw, key = paths.raw(spec.slug), answers_dir(paths, spec.slug)
    assert not key.is_relative_to(raw) and (key / "answers.csv").exists()
    assert "Label" not in pd.read_csv(raw / "test.csv").columns
    assert download(spec, paths).status == "unchanged"  # a rebuild gives the same bytes


def test_score_grades_a_submission_like_kaggle(paths, tmp_path):
    spec = installed("digit-recognizer", paths)
    answers = pd.read_csv(answers_dir(paths, spec.slug) / "answers.csv")
    perfect = tmp_path / "perfect.csv"
    answers.to_csv(perfect, index=False)
    assert score(spec, paths, perfect) == 1.0
    half = answers.copy()
    half.loc[: len(half) // 2 - 1, "Label"] = (half.loc[: len(half) // 2 - 1, "Label"] + 1) % 10
    half.to_csv(perfect, index=False)
    assert abs(score(spec, paths, perfect) - 0.5) < 0.01


def test_score_refuses_data_that_is_not_the_practice_data(paths, tmp_path):
    spec = installed("digit-recognizer", paths)
    other = tmp_path / "other"
    shutil.copytree(paths.raw(spec.slug), other)
    for f in other.iterdir():
        f.chmod(0o644)
    (other / "manifest.json").unlink()
    with open(other / "test.csv", "a") as f:
        f.write("\n")
    download(spec, paths, other, force=True)
    submission = tmp_path / "s.csv"
    pd.read_csv(answers_dir(paths, spec.slug) / "answers.csv").to_csv(submission, index=False)
    with pytest.raises(DataError, match="not the practice data"):
        score(spec, paths, submission)


def test_kaggle_competitions_are_not_scored_locally(paths, tmp_path):
    with pytest.raises(KitError, match="invoke submit"):
        score(load_competition("titanic"), paths, tmp_path / "x.csv")
