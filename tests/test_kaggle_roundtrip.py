"""`invoke download`, `submit` and `submissions` end to end: the real kaggle client, real HTTP,
the local Kaggle-compatible server of tests/support, and the kit's files on disk."""

import json

import pandas as pd
import pytest

from common.engine.records import runs
from tests.support.kaggle_server import fake_kaggle, make_zip  # noqa: F401 (fixture)

from .conftest import real_data_dir, run_invoke


@pytest.fixture
def titanic_zip():
    folder = real_data_dir("titanic")
    return make_zip({f.name: f.read_bytes() for f in folder.iterdir()})


@pytest.fixture
def kit(paths, fake_kaggle, titanic_zip):  # noqa: F811
    fake_kaggle.competitions["titanic"] = titanic_zip
    env = {"INVOKE_KIT_ROOT": str(paths.root), "INVOKE_KIT_POLL_SECONDS": "0.05"}
    return lambda *args: run_invoke(list(args), env)


def submission_file(paths, name="20260101-000000_ensemble-mean_cv0.80000.csv", cv=0.8):
    """A valid submission and its sidecar, as `invoke ensemble` would leave them."""
    sample = pd.read_csv(paths.raw("titanic") / "gender_submission.csv")
    folder = paths.competition_submissions("titanic")
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / name
    sample.to_csv(csv, index=False)
    csv.with_suffix(".json").write_text(json.dumps({"name": "ensemble-mean", "models": ["logreg", "lightgbm"],
                                                    "metric": "accuracy", "cv_score": cv}))
    return csv


def test_download_unzips_records_and_is_a_no_op_the_second_time(kit, paths, fake_kaggle):  # noqa: F811
    first = kit("download", "--comp=titanic")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((paths.raw("titanic") / "manifest.json").read_text())["files"]
    assert set(manifest) == {"train.csv", "test.csv", "gender_submission.csv"}
    assert manifest["train.csv"]["sha256"]
    second = kit("download", "--comp=titanic")
    assert second.returncode == 0 and "up to date" in second.stdout
    assert len(fake_kaggle.calls("DownloadDataFiles")) == 2


def test_truncated_download_is_refused_and_previous_raw_data_stays(kit, paths, fake_kaggle):  # noqa: F811
    assert kit("download", "--comp=titanic").returncode == 0
    before = (paths.raw("titanic") / "train.csv").read_bytes()
    fake_kaggle.competitions["titanic"] = fake_kaggle.competitions["titanic"][:5000]  # a broken zip
    result = kit("download", "--comp=titanic", "--force")
    assert result.returncode != 0 and "zip" in result.stderr and "Traceback" not in result.stderr
    assert (paths.raw("titanic") / "train.csv").read_bytes() == before
    assert sorted(p.name for p in paths.competition_data("titanic").iterdir()) == ["raw"]


@pytest.mark.parametrize("mode, words", [("401", "credentials"), ("403", "titanic/rules"),
                                         ("404", "slug")])
def test_download_failures_give_a_clear_message_and_leave_nothing(kit, paths, fake_kaggle, mode, words):  # noqa: F811
    fake_kaggle.fail(mode)
    result = kit("download", "--comp=titanic")
    assert result.returncode != 0
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not paths.raw("titanic").exists()


def test_no_credentials_says_how_to_provide_them(kit, monkeypatch, fake_kaggle):  # noqa: F811
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    result = kit("download", "--comp=titanic")
    assert result.returncode != 0
    assert "kaggle.json" in result.stderr and "KAGGLE_USERNAME" in result.stderr
    assert fake_kaggle.requests == []


def test_submit_sends_the_validated_bytes_and_waits_for_the_score(kit, paths, fake_kaggle):  # noqa: F811
    assert kit("download", "--comp=titanic").returncode == 0
    csv = submission_file(paths)
    fake_kaggle.public_score = 0.78468
    result = kit("submit", "--comp=titanic", "--wait")
    assert result.returncode == 0, result.stderr
    [sent] = fake_kaggle.submissions
    assert sent.data == csv.read_bytes()
    assert sent.description == "ensemble-mean: logreg, lightgbm | CV accuracy 0.80000"
    assert "public score 0.78468" in result.stdout and "CV accuracy 0.80000" in result.stdout
    assert json.loads(csv.with_suffix(".json").read_text())["public_score"] == 0.78468
    [record] = runs(paths, "titanic", "submit")  # the run record has it too
    assert (record.file, record.cv_score, record.public_score) == (csv.name, 0.8, 0.78468)


def test_submit_with_file_and_message(kit, paths, fake_kaggle):  # noqa: F811
    assert kit("download", "--comp=titanic").returncode == 0
    csv = submission_file(paths)
    assert kit("submit", "--comp=titanic", f"--file={csv}", "--message=my try").returncode == 0
    assert fake_kaggle.submissions[0].description == "my try"


def test_an_invalid_submission_never_reaches_kaggle(kit, paths, fake_kaggle, tmp_path):  # noqa: F811
    assert kit("download", "--comp=titanic").returncode == 0
    bad = tmp_path / "bad.csv"
    pd.read_csv(paths.raw("titanic") / "gender_submission.csv").iloc[:100].to_csv(bad, index=False)
    result = kit("submit", "--comp=titanic", f"--file={bad}")
    assert result.returncode != 0 and "row_count" in result.stderr
    assert fake_kaggle.calls("StartSubmissionUpload") == []


def test_daily_limit_is_explained(kit, paths, fake_kaggle):  # noqa: F811
    assert kit("download", "--comp=titanic").returncode == 0
    csv = submission_file(paths)
    fake_kaggle.fail("daily_limit")
    result = kit("submit", "--comp=titanic")
    assert result.returncode != 0 and "midnight UTC" in result.stderr
    assert "kaggle" not in json.loads(csv.with_suffix(".json").read_text())


def test_submissions_table_joins_kaggle_scores_with_cv(kit, paths, fake_kaggle):  # noqa: F811
    assert kit("download", "--comp=titanic").returncode == 0
    csv = submission_file(paths, cv=0.84)
    fake_kaggle.polls_to_complete = 1
    assert kit("submit", "--comp=titanic", "--wait").returncode == 0
    result = kit("submissions", "--comp=titanic")
    assert result.returncode == 0, result.stderr
    assert csv.name in result.stdout and "0.84000" in result.stdout and "0.76500" in result.stdout
