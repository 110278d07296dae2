"""The Kaggle API calls of code competitions (datasets, notebooks, code submissions) against the
local Kaggle-compatible server: the real kagglesdk client over real HTTP, on small folders."""

import io
import json
import zipfile

import pytest

from common import kaggle
from common.core.errors import KaggleError
from tests.support.kaggle_server import KernelRun, fake_kaggle, make_zip  # noqa: F401 (fixture)

FAST = {"retry_base_s": 0.01}
OWNER = "kit-tester"  # the fake server's user


@pytest.fixture
def server(fake_kaggle):  # noqa: F811
    fake_kaggle.competitions["toy"] = make_zip({"train.csv": "id,y\n1,0\n", "test.csv": "id\n2\n",
                                                "sample_submission.csv": "id,y\n2,0\n"})
    return fake_kaggle


def dataset_folder(tmp_path, owner=OWNER):
    folder = tmp_path / "dataset"
    (folder / "models" / "logreg").mkdir(parents=True)
    (folder / "models" / "logreg" / "fold0.joblib").write_bytes(b"\x00model bytes\x01")
    (folder / "wheels").mkdir()
    (folder / "wheels" / "kit-0.1-py3-none-any.whl").write_bytes(b"PK wheel")
    (folder / "blender.joblib").write_bytes(b"\x80blender")
    (folder / "bundle.json").write_text('{"slug": "toy"}')
    (folder / "dataset-metadata.json").write_text(json.dumps(
        {"title": "toy kit models", "id": f"{owner}/toy-kit-models", "licenses": [{"name": "CC0-1.0"}]}))
    return folder


def notebook_folder(tmp_path, owner=OWNER, dataset=f"{OWNER}/toy-kit-models"):
    folder = tmp_path / "notebook"
    folder.mkdir()
    cell = {"cell_type": "code", "source": ["print(1)\n", "print(2)"], "outputs": [{"output_type": "stream"}],
            "metadata": {}, "execution_count": 3}
    (folder / "inference.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                        "nbformat_minor": 5}))
    (folder / "kernel-metadata.json").write_text(json.dumps({
        "id": f"{owner}/toy-kit-inference", "title": "toy kit inference", "code_file": "inference.ipynb",
        "language": "python", "kernel_type": "notebook", "is_private": True, "enable_gpu": False,
        "enable_internet": False, "competition_sources": ["toy"], "dataset_sources": [dataset]}))
    return folder


def archive(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist() if not name.endswith("/")}  # folders aside


def test_a_dataset_is_created_then_versioned_with_folders_as_archives(server, tmp_path):
    folder = dataset_folder(tmp_path)
    assert kaggle.dataset_status(f"{OWNER}/toy-kit-models", **FAST) is None
    first = kaggle.upload_dataset(folder, version_notes="first", slug="toy", **FAST)
    assert first["created"] and first["ref"] == f"{OWNER}/toy-kit-models"
    [version] = server.datasets[f"{OWNER}/toy-kit-models"]
    files = version["files"]
    assert sorted(files) == ["blender.joblib", "bundle.json", "models.zip", "wheels.zip"]  # no metadata file
    assert files["blender.joblib"] == b"\x80blender"  # files as they are
    assert archive(files["models.zip"]) == {"logreg/fold0.joblib": b"\x00model bytes\x01"}
    assert archive(files["wheels.zip"]) == {"kit-0.1-py3-none-any.whl": b"PK wheel"}
    assert version["request"]["licenseName"] == "CC0-1.0" and version["request"]["isPrivate"] is True
    assert kaggle.dataset_status(f"{OWNER}/toy-kit-models", **FAST) == "ready"

    (folder / "blender.joblib").write_bytes(b"\x80blender v2")
    second = kaggle.upload_dataset(folder, version_notes="second", slug="toy", **FAST)
    assert not second["created"]
    assert [v["notes"] for v in server.datasets[f"{OWNER}/toy-kit-models"]] == [None, "second"]
    assert server.datasets[f"{OWNER}/toy-kit-models"][1]["files"]["blender.joblib"] == b"\x80blender v2"
    assert len(server.calls("CreateDataset")) == 1 and len(server.calls("CreateDatasetVersion")) == 1
    assert {c.body["type"] for c in server.calls("StartBlobUpload")} == {"DATASET"}


def test_a_dataset_of_another_owner_is_refused_clearly(server, tmp_path):
    with pytest.raises(KaggleError, match="HTTP 403.*rules.*--owner"):
        kaggle.upload_dataset(dataset_folder(tmp_path, owner="somebody-else"), version_notes="", slug="toy",
                                  **FAST)


def test_waiting_for_a_dataset_that_failed_or_is_slow(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.dataset_status = "FAILED"
    with pytest.raises(KaggleError, match="could not process dataset .*toy-kit-models"):
        kaggle.wait_for_dataset(f"{OWNER}/toy-kit-models", poll_s=0.01, **FAST)
    server.dataset_status = "BLOBS_RECEIVED"
    with pytest.raises(KaggleError, match="still blobs_received after 0.05 s"):
        kaggle.wait_for_dataset(f"{OWNER}/toy-kit-models", timeout_s=0.05, poll_s=0.01, **FAST)


def test_push_sends_the_notebook_offline_with_its_sources(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.kernel_runner = lambda version: KernelRun(files={"submission.csv": b"id,y\n2,1\n", "cache.bin": b"x"})
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    assert pushed == {"ref": f"{OWNER}/toy-kit-inference", "version": 1,
                      "url": f"https://www.kaggle.com/code/{OWNER}/toy-kit-inference"}
    [version] = server.kernels[f"{OWNER}/toy-kit-inference"]
    sent = version.request
    assert sent["enableInternet"] is False and sent["isPrivate"] is True
    assert sent["competitionDataSources"] == ["toy"] and sent["datasetDataSources"] == [f"{OWNER}/toy-kit-models"]
    [cell] = json.loads(sent["text"])["cells"]
    assert cell["source"] == "print(1)\nprint(2)" and cell["outputs"] == []  # as the kaggle client sends it

    statuses = []
    state = kaggle.wait_for_kernel(pushed["ref"], 1, poll_s=0.01, on_status=statuses.append, **FAST)
    assert state == {"status": "complete", "failure_message": None} and statuses == ["queued", "complete"]
    files, log = kaggle.download_kernel_output(pushed["ref"], tmp_path / "all", 1, **FAST)
    assert sorted(f.name for f in files) == ["cache.bin", "submission.csv"]
    files, log = kaggle.download_kernel_output(pushed["ref"], tmp_path / "out", 1, only={"submission.csv"}, **FAST)
    assert files == [tmp_path / "out" / "submission.csv"] and files[0].read_bytes() == b"id,y\n2,1\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["submission.csv"]
    assert server.calls("GetKernelSessionStatus")[0].body["versionLabel"] == "v1"


def test_a_push_with_unknown_sources_says_which(server, tmp_path):
    with pytest.raises(KaggleError, match=f"invalid dataset sources: {OWNER}/toy-kit-models"):
        kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)


def test_a_failed_run_reports_its_message_and_log(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    log = json.dumps([{"stream_name": "stdout", "time": 0.5, "data": "loading\n"},
                      {"stream_name": "stderr", "time": 1.0, "data": "ValueError: bad column\n"}])
    server.kernel_runner = lambda version: KernelRun("ERROR", log=log, failure_message="Your notebook hit an error")
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    state = kaggle.wait_for_kernel(pushed["ref"], pushed["version"], poll_s=0.01, **FAST)
    assert state == {"status": "error", "failure_message": "Your notebook hit an error"}
    files, text = kaggle.download_kernel_output(pushed["ref"], tmp_path / "out", pushed["version"], **FAST)
    assert files == [] and text == "loading\nValueError: bad column\n"


def test_a_run_that_does_not_end_stops_the_wait_with_its_url(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.kernel_polls = None
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    with pytest.raises(KaggleError, match=r"still running after 0.1 s.*goes on running.*/code/kit-tester/toy-kit"):
        kaggle.wait_for_kernel(pushed["ref"], pushed["version"], timeout_s=0.1, poll_s=0.02, **FAST)


def test_output_names_cannot_escape_the_folder(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.kernel_runner = lambda version: KernelRun(files={"../evil.csv": b"x"})
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    kaggle.wait_for_kernel(pushed["ref"], 1, poll_s=0.01, **FAST)
    with pytest.raises(KaggleError, match="outside"):
        kaggle.download_kernel_output(pushed["ref"], tmp_path / "out", 1, **FAST)
    assert not (tmp_path / "evil.csv").exists()


def test_a_code_submission_names_the_notebook_version_and_its_file(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.kernel_runner = lambda version: KernelRun(files={"submission.csv": b"id,y\n2,1\n"})
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    kaggle.wait_for_kernel(pushed["ref"], 1, poll_s=0.01, **FAST)
    made = kaggle.submit_code("toy", pushed["ref"], 1, message="blend | CV 0.8", **FAST)
    [sent] = server.submissions
    assert made["ref"] == sent.ref and sent.kernel == (f"{OWNER}/toy-kit-inference", 1)
    assert (sent.data, sent.description) == (b"id,y\n2,1\n", "blend | CV 0.8")
    assert server.calls("CreateCodeSubmission")[0].body == {
        "competitionName": "toy", "kernelOwner": OWNER, "kernelSlug": "toy-kit-inference", "kernelVersion": 1,
        "fileName": "submission.csv", "submissionDescription": "blend | CV 0.8"}


@pytest.mark.parametrize("mode, words", [("daily_limit", "today's submission limit.*midnight UTC"),
                                         ("403", "toy/rules"), ("401", "credentials")])
def test_code_submission_failures_are_explained(server, tmp_path, mode, words):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.kernel_runner = lambda version: KernelRun(files={"submission.csv": b"id,y\n2,1\n"})
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    kaggle.wait_for_kernel(pushed["ref"], 1, poll_s=0.01, **FAST)
    server.fail(mode, on="CreateCodeSubmission")
    with pytest.raises(KaggleError, match=words):
        kaggle.submit_code("toy", pushed["ref"], 1, **FAST)
    assert server.submissions == [] and len(server.calls("CreateCodeSubmission")) == 1  # never resent


def test_bad_credentials_upload_nothing(server, tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLE_KEY", "wrong")
    with pytest.raises(KaggleError, match="rejected the credentials.*KAGGLE_USERNAME / KAGGLE_KEY"):
        kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    assert server.datasets == {} and server.calls("StartBlobUpload") == []


def test_transient_failures_of_uploads_are_retried(server, tmp_path):
    server.fail("500", times=1, on="StartBlobUpload")
    server.fail("drop", times=1, on="upload")
    server.fail("503", times=1, on="CreateDataset")
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    assert sorted(server.datasets[f"{OWNER}/toy-kit-models"][0]["files"]) == [
        "blender.joblib", "bundle.json", "models.zip", "wheels.zip"]
    assert len(server.calls("CreateDataset")) == 2
    assert len(server.calls("StartBlobUpload")) == 5 and len(server.calls("upload")) == 5  # 4 files, 1 retried


def test_a_code_submission_whose_answer_was_lost_is_not_resent(server, tmp_path):
    kaggle.upload_dataset(dataset_folder(tmp_path), version_notes="", slug="toy", **FAST)
    server.kernel_runner = lambda version: KernelRun(files={"submission.csv": b"id,y\n2,1\n"})
    pushed = kaggle.push_kernel(notebook_folder(tmp_path), slug="toy", **FAST)
    kaggle.wait_for_kernel(pushed["ref"], 1, poll_s=0.01, **FAST)
    server.fail("drop", on="CreateCodeSubmission")
    with pytest.raises(KaggleError, match="may have recorded the submission anyway.*toy/submissions"):
        kaggle.submit_code("toy", pushed["ref"], 1, **FAST)
    assert len(server.calls("CreateCodeSubmission")) == 1
