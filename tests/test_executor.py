"""Executors: the same OOF and test predictions in this process, in local workers and on Ray;
a failing fold is named and leaves the previous run; Ctrl-C stops the workers."""

import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from common.core.config import PROJECT_ROOT, Paths
from common.core.errors import KitError
from common.engine.executor import Executor, make_executor, set_threads
from common.steps.workflow import train
from tests.support.toy_competition import SLUG, install_as_user_competition, install_toy_data, toy_spec

COMPARED = "forest,extra_trees,logreg,lightgbm,keras"


def trained_bytes(tmp_path: Path, name: str, **how) -> dict:
    """Train the compared models in a fresh root; the bytes of each model's oof.npy and test.npy."""
    paths = Paths(tmp_path / name)
    install_toy_data(paths)
    train(toy_spec(), paths, only=COMPARED, seed=3, **how)
    return {(m, f): (paths.model_artifacts(SLUG, m) / f).read_bytes()
            for m in COMPARED.split(",") for f in ("oof.npy", "test.npy")}


@pytest.fixture(scope="module")
def in_process(tmp_path_factory) -> dict:
    return trained_bytes(tmp_path_factory.mktemp("executors"), "in-process", jobs=1)


def assert_identical(got: dict, expected: dict) -> None:
    differ = [key for key in expected if got[key] != expected[key]]
    assert not differ, f"not byte-identical to the in-process run: {differ}"


@pytest.mark.slow
def test_local_workers_give_byte_identical_predictions(in_process, tmp_path):
    assert_identical(trained_bytes(tmp_path, "two-workers", jobs=2), in_process)


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray")
    from common.engine.executor import ray_runtime_env

    ray.init(num_cpus=2, runtime_env=ray_runtime_env(), include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_gives_byte_identical_predictions(in_process, tmp_path, local_ray):
    assert_identical(trained_bytes(tmp_path, "ray", executor="ray"), in_process)
    assert local_ray.is_initialized()  # a Ray the caller started is left running


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_fold_is_named_and_the_previous_run_stays(tmp_path, jobs):
    paths = Paths(tmp_path)
    install_toy_data(paths)
    spec = toy_spec()
    train(spec, paths, only="fails", seed=0, params={"bad_row": None})
    folder = paths.model_artifacts(SLUG, "fails")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    folds = np.loadtxt(paths.folds_file(SLUG), delimiter=",", skiprows=1, dtype=int)
    bad_fold = int(folds[folds[:, 0] == 0][0, 1])
    with pytest.raises(KitError, match=rf"model 'fails', fold {bad_fold} failed: ValueError: this fold is cursed"):
        train(spec, paths, only="fails", seed=0, params={"bad_row": 0}, jobs=jobs)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in folder.parent.iterdir()) == ["fails"]  # no half-written run left


def _descendants(root: int) -> dict[int, bytes]:
    """Every process below ``root`` (pid -> command line), from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), (entry / "cmdline").read_bytes())
        except (OSError, ValueError):
            continue
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, cmdline) in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = cmdline
                frontier.append(pid)
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _fitting(processes: dict, executor: str) -> list[int]:
    """The processes running a job: loky workers, or Ray workers inside the job's function."""
    mark = b"loky" if executor == "local" else b"ray::_run_job_safely"
    return [pid for pid, cmdline in processes.items() if mark in cmdline and b"resource_tracker" not in cmdline]


@contextmanager
def sigint_reaches_children():
    """A suite started in the background (`pytest &` in a script) ignores SIGINT, and a child
    inherits that, so Ctrl-C could not reach the kit; with a handler here the child starts with
    the default (handlers, unlike "ignore", do not survive exec)."""
    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds worker processes in /proc")
@pytest.mark.parametrize("executor", ["local", pytest.param("ray", marks=pytest.mark.slow)])
def test_ctrl_c_stops_the_workers_and_keeps_the_previous_run(tmp_path, executor):
    """`kit train` interrupted while two fits sleep in workers: every process it started ends, the
    previous run's artifacts are as they were, and the user reads one line and a non-zero exit."""
    if executor == "ray":
        pytest.importorskip("ray")
    paths = Paths(tmp_path)
    install_toy_data(paths)
    install_as_user_competition(paths)
    train(toy_spec(), paths, only="sleeps", seed=0, params={"seconds": 0})  # the previous run
    folder = paths.model_artifacts(SLUG, "sleeps")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    how = ["--jobs=2"] if executor == "local" else ["--executor=ray", "--jobs=2"]
    with sigint_reaches_children():
        proc = subprocess.Popen([sys.executable, "-m", "common.cli.program", f"--root={tmp_path}", "train", f"--comp={SLUG}",
                                 "--model=sleeps", *how], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240  # a local Ray takes a while to start on a busy machine
        started = {}
        while len(_fitting(started, executor)) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            started = _descendants(proc.pid)
        assert len(_fitting(started, executor)) == 2, \
            f"no fits running: {proc.stdout.read() if proc.poll() is not None else started}"
        time.sleep(2)
        started = _descendants(proc.pid)  # everything it started by now: workers, Ray's own processes
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[-1].startswith("interrupted: stopped before finishing") and "Traceback" not in output, output
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = {pid: cmd for pid, cmd in started.items() if _alive(pid)}
    assert not left, f"processes still running after Ctrl-C: {left}"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in folder.parent.iterdir()) == ["sleeps"]  # no half-written run left


def test_thread_counts_fill_the_cores_and_keep_a_models_own_lower_count():
    model = Pipeline([("scale", StandardScaler()), ("forest", RandomForestClassifier())])
    set_threads(model, 4)
    assert model.get_params()["forest__n_jobs"] == 4
    model.set_params(forest__n_jobs=1)
    set_threads(model, 4)
    assert model.get_params()["forest__n_jobs"] == 1
    assert Executor(jobs=3, cores=8).threads == 2 and Executor(jobs=16, cores=8).threads == 1


def test_bad_executor_choices_are_refused():
    with pytest.raises(KitError, match="unknown executor 'dask'"):
        make_executor(2, "dask")
    with pytest.raises(KitError, match="--jobs must be 1 or more"):
        make_executor(0)
    with pytest.raises(KitError, match="--address is for --executor=ray"):
        make_executor(2, "local", "ray://x:1")
