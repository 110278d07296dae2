"""`kit kernel --push / --submit / --dry-run`: a built Titanic kernel through the local
Kaggle-compatible server (real kagglesdk, real HTTP), with the notebook's run simulated by the
server: its output is made from what was uploaded, or (slow test) by executing the pushed notebook
offline on the uploaded dataset."""

import io
import json
import zipfile

import pytest

from common.core.config import Paths
from common.core.errors import KitError
from common.engine.records import runs
from common.steps.kernel_build import build_kernel
from common.steps.kernel_push import local_submission_bytes, push_kernel_build
from common.steps.workflow import ensemble, train
from tests.support.kaggle_server import FakeKaggle, KernelRun, fake_kaggle, make_zip, point_client_at  # noqa: F401 (fixture)

from .conftest import fast_spec, installed, real_data_dir, run_invoke
from .test_kernel import read_only

OWNER = "kit-tester"  # the fake server's user
KERNEL = f"{OWNER}/titanic-kit-inference"
DATASET = f"{OWNER}/titanic-kit-models"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project with a trained Titanic ensemble (one quick model), its kernel built once."""
    paths = Paths(tmp_path_factory.mktemp("kernel-push") / "project")
    spec = fast_spec(installed("titanic", paths), only=["logreg"])
    train(spec, paths, seed=1)
    ensemble(spec, paths, seed=1)
    return spec, paths, build_kernel(spec, paths, owner=OWNER)


@pytest.fixture
def server(fake_kaggle):  # noqa: F811
    folder = real_data_dir("titanic")
    fake_kaggle.competitions["titanic"] = make_zip({f.name: f.read_bytes() for f in folder.iterdir()})
    return fake_kaggle


def uploaded(server, version, name):
    """A file of the dataset version the notebook version was pushed with."""
    [(ref, number)] = version.datasets.items()
    return server.datasets[ref][number - 1]["files"][name]


def simulated(server, submission: bytes, **extra):
    """A run that writes ``submission`` and copies the bundle.json it was given, as the notebook does."""
    log = json.dumps([{"stream_name": "stdout", "time": 1.0, "data": "predicting\n"}])
    return lambda version: KernelRun(files={"submission.csv": submission, "cache.bin": b"not downloaded",
                                            "kit-bundle.json": uploaded(server, version, "bundle.json"), **extra},
                                     log=log)


def push(trained, **kwargs):
    spec, paths, build = trained
    said = []
    result = push_kernel_build(spec, paths, build, poll_s=0.01, say=said.append, **kwargs)
    return result, "\n".join(said)


def test_push_and_submit_send_the_runs_output_as_a_code_submission(trained, server):
    spec, paths, build = trained
    local = local_submission_bytes(spec, paths)
    server.kernel_runner = simulated(server, local)
    result, said = push(trained, submit=True)

    [dataset] = server.datasets[DATASET]
    assert sorted(dataset["files"]) == ["blender.joblib", "bundle.json", "models.zip", "wheels.zip"]
    with zipfile.ZipFile(io.BytesIO(dataset["files"]["models.zip"])) as models:
        assert "logreg/fold0.joblib" in models.namelist()
        assert models.read("logreg/fold0.joblib") == (build.dataset / "models/logreg/fold0.joblib").read_bytes()
    [version] = server.kernels[KERNEL]
    assert version.request["enableInternet"] is False
    assert version.request["competitionDataSources"] == ["titanic"]
    assert version.request["datasetDataSources"] == [DATASET]

    assert result.same_as_local and result.submission.read_bytes() == local
    assert sorted(p.name for p in result.output.iterdir()) == ["kit-bundle.json", "submission.csv",
                                                                "titanic-kit-inference.log"]
    assert (result.output / "titanic-kit-inference.log").read_text() == "predicting\n"
    assert "the same bytes as the local ensemble's submission" in said
    [sent] = server.submissions
    assert sent.kernel == (KERNEL, 1) and sent.data == local and result.submission_ref == sent.ref
    assert sent.description.startswith("kit kernel: ") and "logreg" in sent.description
    assert [r.file for r in runs(paths, "titanic", "submit")][-1] == f"{KERNEL}@v1/submission.csv"


def test_a_second_push_versions_the_dataset_and_the_notebook(trained, server):
    spec, paths, _ = trained
    server.kernel_runner = simulated(server, local_submission_bytes(spec, paths))
    push(trained)
    result, said = push(trained)
    assert len(server.datasets[DATASET]) == 2 and result.version == 2
    assert "new version of" in said and "not submitted" in said and server.submissions == []


def test_a_run_that_errors_shows_its_message_log_and_url(trained, server):
    log = json.dumps([{"stream_name": "stderr", "time": 2.0, "data": "Traceback ...\nKeyError: 'Pclass'\n"}])
    server.kernel_runner = lambda version: KernelRun("ERROR", log=log, failure_message="Notebook raised an exception")
    with pytest.raises(KitError) as info:
        push(trained, submit=True)
    message = str(info.value)
    assert "failed on Kaggle: Notebook raised an exception" in message
    assert "| KeyError: 'Pclass'" in message and f"https://www.kaggle.com/code/{KERNEL}" in message
    assert server.submissions == [] and server.calls("CreateCodeSubmission") == []


def test_a_run_that_does_not_finish_in_time(trained, server):
    server.kernel_polls = None
    with pytest.raises(KitError, match=r"still running after 0.2 s.*goes on running on Kaggle"):
        push(trained, submit=True, timeout_s=0.2)
    assert server.calls("CreateCodeSubmission") == []


def test_an_invalid_output_is_never_submitted(trained, server):
    spec, paths, _ = trained
    server.kernel_runner = simulated(server, b"PassengerId,Survived\n892,1\n")
    with pytest.raises(KitError, match="output of notebook .* not a valid submission.*row_count"):
        push(trained, submit=True)
    assert server.calls("CreateCodeSubmission") == []


def test_a_run_on_an_older_dataset_version_is_caught(trained, server):
    spec, paths, _ = trained
    stale = lambda version: KernelRun(files={"submission.csv": local_submission_bytes(spec, paths),  # noqa: E731
                                             "kit-bundle.json": b'{"built_at": "yesterday"}'})
    server.kernel_runner = stale
    with pytest.raises(KitError, match="another version of dataset"):
        push(trained, submit=True)
    assert server.calls("CreateCodeSubmission") == []


@pytest.mark.parametrize("mode, on, words", [
    ("401", None, "rejected the credentials"),
    ("403", "SaveKernel", "https://www.kaggle.com/competitions/titanic/rules"),
    ("daily_limit", None, "today's submission limit"),
])
def test_api_failures_stop_with_the_fix(trained, server, mode, on, words):
    spec, paths, _ = trained
    server.kernel_runner = simulated(server, local_submission_bytes(spec, paths))
    server.fail(mode, on=on)
    with pytest.raises(KitError, match=words):
        push(trained, submit=True)
    assert server.submissions == []


def test_dry_run_uploads_nothing_and_says_what_would_go(trained, server):
    _, paths, _ = trained
    result = run_invoke(["kernel", "--comp=titanic", "--dry-run", "--submit"], {"INVOKE_KIT_ROOT": str(paths.root)})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "dry run: nothing was uploaded" in out and f"create dataset {DATASET}" in out
    assert "models.zip" in out and "internet off" in out and "as a code submission" in out
    assert server.requests == []


def test_the_command_pushes_and_submits(trained, server):
    spec, paths, _ = trained
    server.kernel_runner = simulated(server, local_submission_bytes(spec, paths))
    result = run_invoke(["kernel", "-c", "titanic", "-b", "-M", "my code try"],
                        {"INVOKE_KIT_ROOT": str(paths.root), "INVOKE_KIT_POLL_SECONDS": "0.05"})
    assert result.returncode == 0, result.stderr
    assert [s.description for s in server.submissions] == ["my code try"]
    assert "submitted notebook" in result.stdout


def test_a_failed_command_has_no_traceback(trained, server):
    _, paths, _ = trained
    server.kernel_runner = lambda version: KernelRun("ERROR", failure_message="out of memory")
    result = run_invoke(["kernel", "-c", "titanic", "--push"],
                        {"INVOKE_KIT_ROOT": str(paths.root), "INVOKE_KIT_POLL_SECONDS": "0.05"})
    assert result.returncode == 1 and "out of memory" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_pushed_notebook_run_offline_on_the_uploaded_dataset_is_submitted(trained, monkeypatch, tmp_path):
    """The whole round trip: the server's "run" executes the pushed notebook text offline, in a
    read-only /kaggle/input-like layout made of exactly the uploaded files (folders still zip
    archives) and the competition's zip."""
    import nbformat
    from nbclient import NotebookClient

    spec, paths, build = trained

    def execute(version):
        kaggle = tmp_path / f"kaggle-v{version.number}"
        [(ref, number)] = version.datasets.items()
        bundle = kaggle / "input" / ref.split("/")[1]
        bundle.mkdir(parents=True)
        for name, data in server.datasets[ref][number - 1]["files"].items():
            (bundle / name).write_bytes(data)
        for slug in version.request["competitionDataSources"]:
            with zipfile.ZipFile(io.BytesIO(server.competitions[slug])) as z:
                z.extractall(kaggle / "input" / slug)
        (kaggle / "working").mkdir()
        read_only(kaggle / "input")
        notebook = nbformat.reads(version.request["text"], as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(kaggle / "working")}}).execute()
        out = kaggle / "working"
        return KernelRun(files={p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}, log="done\n")

    with FakeKaggle(max_lifetime_s=900) as server:
        point_client_at(server, monkeypatch, tmp_path / "home")
        folder = real_data_dir("titanic")
        server.competitions["titanic"] = make_zip({f.name: f.read_bytes() for f in folder.iterdir()})
        server.kernel_runner = execute
        monkeypatch.setenv("KIT_KAGGLE_DIR", str(tmp_path / "kaggle-v1"))  # what the notebook reads
        result, said = push(trained, submit=True, timeout_s=800)
    assert result.same_as_local, said
    [sent] = server.submissions
    assert sent.data == local_submission_bytes(spec, paths)
    for path in [tmp_path / "kaggle-v1" / "input", *(tmp_path / "kaggle-v1" / "input").rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
