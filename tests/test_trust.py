"""Trustworthy by default: bad input and failed writes end in a clear message (no traceback),
nothing half-written or stale survives a failure, runs of different data never mix.

Driven through the real tasks (``tasks.py``'s functions, with a context whose project root is a
scratch folder, or ``invoke`` itself as a user runs it), on Titanic's real files made bad.
"""

import errno
import json
import os
import re
import shutil
import signal
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from invoke import Config, Context, Exit

from common.cli import invoke_tasks as tasks
from common.core.config import PROJECT_ROOT, Paths
from tests.support.kaggle_server import fake_kaggle  # noqa: F401 (fixture)

from .conftest import real_data_dir, run_invoke

COMP = "titanic"


def call(task, root, **kwargs) -> tuple[int, str]:
    """Run a task as invoke would; (exit code, message) of its Exit, or (0, '') on success."""
    context = Context(Config(overrides={"kit": {"root": str(root), "poll_seconds": 0.0}}))
    try:
        task(context, comp=COMP, **kwargs)
    except Exit as exc:
        return exc.code, str(exc.message)
    return 0, ""


def snapshot(root) -> dict:
    """Every file under the project root with its bytes: what must not change."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path):
    """A project root with Titanic's real files already installed, and a folder to spoil copies in."""
    root = tmp_path / "project"
    assert call(tasks.download, root, source=str(real_data_dir(COMP))) == (0, "")
    return root


def spoiled(tmp_path, change) -> str:
    """A copy of Titanic's files with ``change(train, test, sample)`` applied to the frames (in
    place, or returning new ones)."""
    folder = tmp_path / "bad"
    shutil.copytree(real_data_dir(COMP), folder)
    frames = [pd.read_csv(folder / n) for n in ("train.csv", "test.csv", "gender_submission.csv")]
    frames = change(*frames) or frames
    for frame, name in zip(frames, ("train.csv", "test.csv", "gender_submission.csv")):
        frame.to_csv(folder / name, index=False)
    return str(folder)


def _drop_age(train, test, sample):
    del test["Age"]


def _text_fare(train, test, sample):
    test["Fare"] = test["Fare"].astype(object)
    test.loc[5, "Fare"] = "12,50"


def _inf_age(train, test, sample):
    train.loc[3, "Age"] = np.inf


def _one_class(train, test, sample):
    train["Survived"] = 0


def _repeated_id(train, test, sample):
    test.loc[7, "PassengerId"] = test.loc[6, "PassengerId"]


def _other_sample_ids(train, test, sample):
    sample.loc[10, "PassengerId"] = 99999


def _header_only(train, test, sample):
    return train.iloc[:0], test, sample


def _new_fare(train, test, sample):  # good data, but not the data the models were trained on
    train.loc[0, "Fare"] = 99.0


def _no_target(train, test, sample):
    return train.drop(columns="Survived"), test, sample


def _unlabelled_rows(train, test, sample):
    train.loc[[3, 7], "Survived"] = np.nan


def _fewer_rows_than_folds(train, test, sample):
    return train.iloc[:3], test, sample


BAD_FRAMES = {  # change -> what the message must name
    "test lacks a column": (_drop_age, ["test.csv", "Age", "--force"]),
    "text in a numeric column": (_text_fare, ["test.csv", "Fare", "12,50", "line 7"]),
    "inf in a numeric column": (_inf_age, ["train.csv", "Age", "infinite", "line 5"]),
    "a single class": (_one_class, ["train.csv", "Survived", "two classes"]),
    "repeated test id": (_repeated_id, ["test.csv", "PassengerId", "lines 8, 9"]),
    "sample ids differ": (_other_sample_ids, ["gender_submission.csv", "test.csv", "99999", "line 12"]),
    "header-only train": (_header_only, ["train.csv", "empty", "--source=FOLDER --force with the fixed files"]),
    "no target column": (_no_target, ["train.csv", "'Survived'", "PassengerId, Pclass", "spec.py"]),
    "rows without a target": (_unlabelled_rows, ["train.csv", "Survived", "2 row(s)", "lines 5, 9", "--force"]),
    "fewer rows than folds": (_fewer_rows_than_folds, ["train.csv", "3 rows", "5 CV folds", "n_splits"]),
}


def test_a_broken_csv_is_named_by_file_and_line_not_by_the_parser(project, tmp_path):
    before = snapshot(project)
    folder = tmp_path / "quoted"
    shutil.copytree(real_data_dir(COMP), folder)
    lines = (folder / "test.csv").read_text().splitlines(keepends=True)
    head, tail = lines[-1].rsplit(",", 1)
    lines[-1] = f'{head},"{tail}'  # an opening quote that never closes, on the last line
    (folder / "test.csv").write_text("".join(lines))
    code, message = call(tasks.download, project, source=str(folder), force=True)
    assert code == 1 and f"{folder}/test.csv" in message and "unbalanced quote" in message, message
    assert f"line {len(lines)}" in message and "C error" not in message and "tokenizing" not in message
    assert snapshot(project) == before


@pytest.mark.parametrize("case", BAD_FRAMES)
def test_bad_input_is_refused_at_download_with_a_message_naming_file_column_line_and_fix(project, tmp_path, case):
    change, expected = BAD_FRAMES[case]
    before = snapshot(project)
    source = spoiled(tmp_path, change)
    code, message = call(tasks.download, project, source=source, force=True)
    assert code == 1 and all(text in message for text in expected), message
    assert f"{source}/" in message and "/data/titanic/raw" not in message  # the user's files, not a temp copy
    assert snapshot(project) == before


def test_unreadable_files_say_what_to_do(project, tmp_path):
    before = snapshot(project)
    # a train file saved by Excel in Windows-1252: the real byte position and the encoding to convert from
    folder = tmp_path / "latin"
    shutil.copytree(real_data_dir(COMP), folder)
    data = (folder / "train.csv").read_bytes()
    at = data.index(b"Braund")
    (folder / "train.csv").write_bytes(data[:at] + "Bräund".encode("cp1252") + data[at + 6:])
    code, message = call(tasks.download, project, source=str(folder), force=True)
    assert code == 1 and "train.csv" in message and "not UTF-8" in message, message
    assert f"byte offset {at + 2}" in message and "line 2" in message and "iconv -f cp1252" in message
    # a zip whose member's compressed bytes are damaged (zlib.error inside testzip)
    archive = tmp_path / "titanic.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(real_data_dir(COMP).iterdir()):
            z.write(f, f.name)
    raw = bytearray(archive.read_bytes())
    offset = zipfile.ZipFile(archive).getinfo("test.csv").header_offset + 200
    raw[offset:offset + 64] = bytes(64)
    archive.write_bytes(bytes(raw))
    code, message = call(tasks.download, project, source=str(archive), force=True)
    assert code == 1 and str(archive) in message and "download it again" in message, message
    assert snapshot(project) == before


def test_a_corrupt_zip_from_the_kaggle_api_is_not_blamed_on_a_source(project, monkeypatch):
    def fake_download(slug, dest_dir):
        target = dest_dir / f"{slug}.zip"
        target.write_bytes(b"PK\x03\x04 truncated")
        return target

    monkeypatch.setattr("common.kaggle.download_competition_zip", fake_download)
    before = snapshot(project)
    code, message = call(tasks.download, project, force=True)
    assert code == 1 and "Kaggle API downloaded" in message and "download it again" in message, message
    assert "--source" not in message and ".zip" not in message.split("downloaded")[0]
    assert snapshot(project) == before


def test_the_command_line_shows_the_message_without_a_traceback(project, tmp_path):
    before = snapshot(project)
    result = run_invoke(["download", f"--comp={COMP}", f"--source={spoiled(tmp_path, _inf_age)}", "--force"],
                        {"INVOKE_KIT_ROOT": str(project)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "column Age" in result.stderr and "infinite" in result.stderr
    assert snapshot(project) == before


def test_failed_writes_name_the_path_and_the_fix(project, monkeypatch):
    assert call(tasks.train, project, model="logreg") == (0, "")
    # a file where the submissions folder (or the competition's folder in it) should be
    for blocked in (project / "submissions", project / "submissions" / COMP):
        blocked.parent.mkdir(exist_ok=True)
        blocked.write_text("not a folder")
        before = snapshot(project)
        code, message = call(tasks.predict, project, model="logreg")
        assert code == 1 and str(blocked) in message and "move or delete that file" in message, message
        assert snapshot(project) == before
        blocked.unlink()
    # a full disk while the submission is written: nothing half-written stays
    real_write = type(project).write_text

    def full_disk(self, *args, **kwargs):
        if self.parent.name == COMP and self.parent.parent.name == "submissions":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(type(project), "write_text", full_disk)
    before = snapshot(project)
    code, message = call(tasks.predict, project, model="logreg")
    assert code == 1 and "no space left" in message and "submissions" in message and "Free some space" in message
    assert snapshot(project) == before
    # a folder the kit may not write to (simulated: the tests may run as root, who may write anywhere)
    monkeypatch.setattr(type(project), "write_text", real_write)
    monkeypatch.setattr("common.core.fileio.tempfile.mkstemp",
                        lambda **kw: (_ for _ in ()).throw(PermissionError(errno.EACCES, "Permission denied", kw["dir"])))
    code, message = call(tasks.predict, project, model="logreg")
    assert code == 1 and "permission denied" in message and "chmod u+w" in message, message
    assert snapshot(project) == before


def test_sigterm_during_training_leaves_no_temporary_folder_and_stale_ones_go(project, monkeypatch):
    artifacts = project / "artifacts" / COMP
    stale = artifacts / ".logreg.999999999-abcd.tmp"  # left by a run killed with SIGKILL
    stale.mkdir(parents=True)
    (stale / "fold0.joblib").write_bytes(b"partial")

    def terminated(spec, name, data, folds, *, writer, **kwargs):
        (writer.folder / "fold0.joblib").write_bytes(b"half a run")
        os.kill(os.getpid(), signal.SIGTERM)  # the scheduler stops the job mid-run
        time.sleep(10)
        raise AssertionError("SIGTERM did not stop training")

    monkeypatch.setattr("common.steps.workflow.run_cv", terminated)
    code, message = call(tasks.train, project, model="logreg")
    assert code == 130 and "interrupted" in message
    assert not list(artifacts.glob(".*.tmp")) and not (artifacts / "logreg").exists()
    assert signal.getsignal(signal.SIGTERM) is not tasks._raise_interrupt  # the handler is put back


def test_ensemble_leaves_no_partial_or_stale_state(project, tmp_path, monkeypatch):
    folds = project / "data" / COMP / "folds.csv"
    # nothing trained: refused before anything (folds included) is made
    code, message = call(tasks.ensemble, project, models="logreg")
    assert code == 1 and f"invoke train --comp={COMP} --model=logreg" in message and not folds.exists()
    assert call(tasks.train, project, model="logreg") == (0, "")
    assert call(tasks.ensemble, project) == (0, "")
    sidecar = json.loads(next((project / "submissions" / COMP).glob("*.json")).read_text())
    assert set(sidecar["model_params"]) == {"logreg"} and len(sidecar["data_hash"]) == 16
    # a submission that cannot be written leaves the previous ensemble as it was
    before = snapshot(project)
    monkeypatch.setattr("common.steps.workflow.write_submission",
                        lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full", "submissions/x.csv")))
    assert call(tasks.ensemble, project)[0] == 1
    assert snapshot(project) == before
    monkeypatch.undo()
    # new data with the same ids (the folds are reused): models of the old data are refused
    assert call(tasks.download, project, source=spoiled(tmp_path, _new_fare), force=True) == (0, "")
    before = snapshot(project)
    for task, kwargs in ((tasks.ensemble, {}), (tasks.predict, {"model": "logreg"})):
        code, message = call(task, project, **kwargs)
        assert code == 1 and "trained on other data" in message and f"invoke train --comp={COMP} --model=" in message
    assert snapshot(project) == before


def test_tune_keys_studies_by_data_and_reports_pruned_trials_as_pruned(project, tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    from common.spec import load_competition
    from common.steps.tuning import tune

    def quick_cv(spec, model, data, folds, *, params, on_fold, **kwargs):
        """Fold scores that peak at C = 1, so the median pruner stops the far trials."""
        scores = [0.8 - abs(np.log10(params["C"])) / 10 + k / 1000 for k in range(5)]
        for k, score in enumerate(scores):
            on_fold(k, score)
        return SimpleNamespace(cv_score=float(np.mean(scores)))

    monkeypatch.setattr("common.steps.tuning.run_cv", quick_cv)
    spec, paths = load_competition(COMP), Paths(project)
    params_file = tmp_path / "tuned_params.json"
    tune(spec, paths, "logreg", trials=20, seed=1, params_file=params_file)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("trial ")]
    pruned = [line for line in lines if line.split()[2] == "pruned"]
    assert len(lines) == 20 and pruned and not any("accuracy" in line for line in pruned), lines
    assert all(line.split()[2] == "accuracy" for line in lines if line not in pruned)
    # new data: a new study, so the old data's best trials are neither reported nor saved
    assert call(tasks.download, project, source=spoiled(tmp_path, _new_fare), force=True) == (0, "")
    tune(spec, paths, "logreg", trials=1, seed=1, params_file=params_file)
    assert len(list((project / "artifacts" / COMP / "tuning").glob("logreg-*.db"))) == 2
    assert json.loads(params_file.read_text())["logreg"]["trials"] == 1
    assert "1 in logreg-" in capsys.readouterr().out


def test_messages_are_plain_and_their_hints_work(project, tmp_path, fake_kaggle, capsys, monkeypatch):  # noqa: F811
    from common import kaggle
    from common.core.errors import KaggleError

    # numpy scalars show as plain values
    bad = tmp_path / "floats.csv"
    pd.read_csv(real_data_dir(COMP) / "gender_submission.csv").astype({"Survived": float}).to_csv(bad, index=False)
    code, message = call(tasks.validate, project, file=str(bad))
    assert code == 1 and "written '0.0'" in message and "np." not in message, message
    # every hint that prints a command names the competition (a command without --comp fails)
    commands = re.compile(r"\bf[\"'].*invoke (download|train|tune|ensemble|predict|validate|submit|submissions|score)"
                          r"\b([^`\"']*)")
    for path in sorted((PROJECT_ROOT / "common").glob("*.py")):
        for command, rest in commands.findall(path.read_text()):  # in f-strings: messages, not docs
            assert "--comp=" in rest, f"{path.name}: a hint prints `invoke {command}{rest}` without --comp"
    # a kaggle.json other users can read gets the kaggle CLI's warning
    config = tmp_path / "kaggle-config"
    config.mkdir()
    (config / "kaggle.json").write_text(json.dumps({"username": fake_kaggle.username, "key": fake_kaggle.key}))
    (config / "kaggle.json").chmod(0o644)
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(config))
    fake_kaggle.competitions[COMP] = b"zip"
    kaggle.download_competition_zip(COMP, tmp_path / "zip")
    assert f"readable by other users of this machine; run: chmod 600 {config / 'kaggle.json'}" in capsys.readouterr().err
    (config / "kaggle.json").chmod(0o600)
    kaggle.download_competition_zip(COMP, tmp_path / "zip")
    assert "readable" not in capsys.readouterr().err
    # the daily limit in Google's error shape is recognised, not retried
    fake_kaggle.fail("daily_limit_google")
    with pytest.raises(KaggleError, match="daily Submission allowance.*midnight UTC"):
        kaggle.submit(COMP, bad, "one too many", retry_base_s=0.01)
    assert len(fake_kaggle.calls("CreateSubmission")) == 1


def test_a_full_disk_names_the_file_being_written_not_the_one_being_read():
    from common.core.fileio import os_error_message

    copying = OSError(errno.ENOSPC, "No space left on device", "/data/source.csv", None, "/project/data/raw/train.csv")
    message = os_error_message(copying)
    assert "/project/data/raw/train.csv" in message and "/data/source.csv" not in message


def test_a_failed_first_download_leaves_no_folder_behind(tmp_path):
    root = tmp_path / "fresh"
    root.mkdir()
    source = spoiled(tmp_path, _one_class)
    assert call(tasks.download, root, source=source)[0] == 1
    assert call(tasks.download, root, source=str(tmp_path / "nowhere"))[0] == 1
    assert list(root.iterdir()) == []
