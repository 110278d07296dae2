"""Getting competition files in: local folders and zips, checksums, nothing lost or half-written."""

import shutil
import zipfile

import pytest

from common.core.errors import DataError
from common.data.competition_data import load_competition_data, read_raw
from common.spec import load_competition
from common.steps.download import download

from .conftest import real_data_dir

SPEC = load_competition("titanic")


def zipped(folder, target):
    with zipfile.ZipFile(target, "w") as archive:
        for f in folder.iterdir():
            archive.write(f, f.name)
    return target


def test_folder_source_is_copied_with_a_manifest(paths):
    report = download(SPEC, paths, real_data_dir("titanic"))
    raw = paths.raw("titanic")
    assert report.status == "new"
    assert sorted(p.name for p in raw.iterdir()) == ["gender_submission.csv", "manifest.json", "test.csv", "train.csv"]
    assert (raw / "train.csv").read_bytes() == (real_data_dir("titanic") / "train.csv").read_bytes()


def test_zip_source_and_second_call_is_a_no_op(paths, tmp_path):
    archive = zipped(real_data_dir("titanic"), tmp_path / "titanic.zip")
    assert download(SPEC, paths, archive).status == "new"
    assert download(SPEC, paths, archive).status == "unchanged"


def test_changed_files_are_reported_and_replaced_only_with_force(paths, tmp_path):
    download(SPEC, paths, real_data_dir("titanic"))
    changed = tmp_path / "changed"
    shutil.copytree(real_data_dir("titanic"), changed)
    (changed / "test.csv").chmod(0o644)
    with open(changed / "test.csv", "a") as f:
        f.write("\n")
    with pytest.raises(DataError, match="changed: test.csv"):
        download(SPEC, paths, changed)
    report = download(SPEC, paths, changed, force=True)
    assert report.status == "replaced" and report.changed == ["test.csv"]
    assert (report.backup / "test.csv").read_bytes() == (real_data_dir("titanic") / "test.csv").read_bytes()


def test_corrupt_zip_is_refused_and_previous_data_stays(paths, tmp_path):
    download(SPEC, paths, real_data_dir("titanic"))
    before = (paths.raw("titanic") / "train.csv").read_bytes()
    good = zipped(real_data_dir("titanic"), tmp_path / "good.zip").read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="neither a folder nor a zip|not a valid zip"):
        download(SPEC, paths, truncated, force=True)
    assert (paths.raw("titanic") / "train.csv").read_bytes() == before
    assert [p.name for p in paths.competition_data("titanic").iterdir()] == ["raw"]  # no leftovers


def test_a_folder_without_the_competition_files_is_refused(paths, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("hi")
    with pytest.raises(DataError, match="lacks train.csv, test.csv, gender_submission.csv"):
        download(SPEC, paths, tmp_path / "elsewhere")
    assert not paths.raw("titanic").exists()


def test_missing_raw_data_says_which_command_to_run(paths):
    with pytest.raises(DataError, match="invoke download --comp=titanic"):
        read_raw(SPEC, paths)


def test_titanic_features_keep_rows_and_order(paths):
    download(SPEC, paths, real_data_dir("titanic"))
    data = load_competition_data(SPEC, paths)
    assert len(data.X) == 891 and len(data.X_test) == 418
    assert data.train_ids.tolist() == [str(i) for i in range(1, 892)]  # ids as the file spells them
    assert "Survived" not in data.X.columns
