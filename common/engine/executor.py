"""Run (model, fold, seed) jobs: in this process, in local worker processes, or on Ray.

One job fits one fold of one model with one seed and returns its validation and test
predictions (and, when asked, the fitted model's files as bytes, so a worker on another machine
can hand them back). The data reaches the workers once: local workers load one memory-mapped
copy that the parent dumps to a temporary folder; Ray workers read one object from the object
store. Results come back in job order whatever order the jobs finish in, so OOF and test
predictions are bit-identical whatever runs them.

Each job's model gets ``threads`` threads (``n_jobs``, ``num_threads``, ``thread_count``,
``nthread`` parameters, nested ones included; TensorFlow's intra/inter-op pools for Keras
models), so that concurrent jobs x threads <= cores. A thread count a model sets itself is kept
as a ceiling (e.g. a small data set that threads only slow down).
"""

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..core.errors import KitError
from ..core.memory import release_freed_memory

THREAD_PARAMS = ("n_jobs", "num_threads", "thread_count", "nthread")
EXECUTORS = ("local", "ray")
CODE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds common/ and competitions/


class JobFailed(KitError):
    """A model failed on one fold; the message names the model, the fold and the cause."""


@dataclass(frozen=True)
class Job:
    """One fit: ``build(**params)`` seeded with ``seed``, trained on ``train_rows``."""

    model: str
    fold: int
    seed_index: int
    seed: int
    build: Callable
    params: dict
    task: str
    train_rows: np.ndarray
    valid_rows: np.ndarray
    save_as: str | None = None  # file stem of the fitted model, or None not to keep it
    n_targets: int = 1
    cache_dir: Path | None = None  # where caches inside the estimator go (Paths.embedding_cache)

    @property
    def label(self) -> str:
        return f"model '{self.model}', fold {self.fold}" + (f", seed {self.seed}" if self.seed_index else "")


@dataclass
class JobResult:
    valid: np.ndarray
    test: np.ndarray
    files: dict  # file name -> bytes of the saved fold model (empty when not saved)


# --- what a job does, wherever it runs -------------------------------------------------------

def predict_values(estimator, X, task: str, n_targets: int = 1) -> np.ndarray:
    """Probabilities of class 1 (binary), a probability matrix (multiclass) or values; with several
    binary targets, an (n, t) matrix of P(1) (``common.models.tabular.PerTarget`` gives one)."""
    if task == "binary":
        proba = estimator.predict_proba(X)
        return proba if n_targets > 1 else proba[:, 1]
    if task == "multiclass":
        return estimator.predict_proba(X)
    return estimator.predict(X)


def seed_estimator(estimator, seed: int) -> bool:
    """Set every ``random_state`` / ``seed`` parameter, nested ones in pipelines included;
    False when the estimator has none (its results do not depend on a seed)."""
    keys = [k for k in estimator.get_params(deep=True) if k.rsplit("__", 1)[-1] in ("random_state", "seed")]
    estimator.set_params(**{k: seed for k in keys})
    return bool(keys)


def place_caches(estimator, folder, *, replace: bool = False) -> None:
    """Point every unset ``cache_dir`` parameter (e.g. a SentenceEmbedder's) at the project's cache;
    ``replace``: every one (a model trained elsewhere, loaded where its old cache path is not)."""
    if folder is not None:
        keys = [k for k, v in estimator.get_params(deep=True).items()
                if k.rsplit("__", 1)[-1] == "cache_dir" and (v is None or replace)]
        estimator.set_params(**{k: folder for k in keys})


def set_threads(estimator, threads: int) -> None:
    """Give every thread-count parameter ``threads``; a positive count the model set itself
    stays when it is lower (a ceiling chosen for that model)."""
    params = estimator.get_params(deep=True)
    updates = {}
    for key, value in params.items():
        owner = params[key.rsplit("__", 1)[0]] if "__" in key else estimator
        if type(owner).__name__ == "LogisticRegression":
            continue  # its n_jobs does nothing since scikit-learn 1.8, and setting it warns
        if key.rsplit("__", 1)[-1] in THREAD_PARAMS and (value is None or isinstance(value, int)):
            updates[key] = threads if value is None or value <= 0 else min(value, threads)
    estimator.set_params(**updates)


def _nested_estimators(estimator) -> list:
    found = [estimator]
    for value in estimator.get_params(deep=True).values():
        if hasattr(value, "get_params") and not isinstance(value, type):
            found.append(value)
    return found


def _uses_keras(estimator) -> bool:
    from ..models.keras_estimators import _KerasBase

    return any(isinstance(e, _KerasBase) for e in _nested_estimators(estimator))


def predict_deterministically(estimator) -> None:
    """Random forests and extra trees add their trees' predictions from several threads in
    whatever order the threads finish, which changes the last bits; predict with one thread."""
    from sklearn.ensemble._forest import BaseForest

    for e in _nested_estimators(estimator):
        if isinstance(e, BaseForest):
            e.n_jobs = 1


def limit_tensorflow_threads(threads: int) -> None:
    """TensorFlow's thread pools can only be sized before its runtime starts: in a fresh worker
    process this takes effect; where TensorFlow already runs (this process), it is left alone."""
    from ..models.keras_estimators import import_keras

    import_keras()
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass


def run_job(job: Job, data: dict, threads: int) -> JobResult:
    """Fit one fold with one seed; ``data`` holds X, y and X_test."""
    X, y, X_test = data["X"], data["y"], data["X_test"]
    estimator = job.build(**job.params)
    seed_estimator(estimator, job.seed)
    place_caches(estimator, job.cache_dir)
    set_threads(estimator, threads)
    if _uses_keras(estimator):
        limit_tensorflow_threads(threads)
    estimator.fit(X.iloc[job.train_rows], y[job.train_rows])
    predict_deterministically(estimator)
    valid = predict_values(estimator, X.iloc[job.valid_rows], job.task, job.n_targets)
    test = predict_values(estimator, X_test, job.task, job.n_targets)
    # contiguous copies: P(1) is a column view that would keep the whole probability matrix alive
    return JobResult(valid=np.ascontiguousarray(valid), test=np.ascontiguousarray(test),
                     files=_model_files(estimator, job.save_as))


def frames(data) -> dict:
    """What a job reads from a CompetitionData: the features and the target."""
    return {"X": data.X, "y": data.y, "X_test": data.X_test}


def _model_files(estimator, name: str | None) -> dict:
    if name is None:
        return {}
    from .artifacts import save_fold_model

    with tempfile.TemporaryDirectory(prefix="kit-fold-") as tmp:
        save_fold_model(estimator, Path(tmp), name)
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}


def _run_job_safely(job: Job, data: dict, threads: int) -> JobResult:
    try:
        result = run_job(job, data, threads)
    except Exception as exc:  # named here, where the job is known; re-raised in the parent
        raise JobFailed(f"{job.label} failed: {type(exc).__name__}: {exc}") from exc
    release_freed_memory()  # the fold's copies of the data, before the next fit makes its own
    return result


# --- executors -------------------------------------------------------------------------------

def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Executor:
    """Runs jobs in this process, one after another (``jobs=1``): nothing is copied or pickled."""

    name = "local"

    def __init__(self, jobs: int = 1, cores: int | None = None):
        if jobs < 1:
            raise KitError(f"--jobs must be 1 or more, got {jobs}")
        self.jobs = jobs
        self.cores = cores or available_cores()

    @property
    def threads(self) -> int:
        return max(1, self.cores // self.jobs)

    def describe(self) -> str:
        return f"{self.jobs} job(s) x {self.threads} thread(s) ({self.name})"

    def map(self, jobs: list[Job], data) -> Iterator[JobResult]:
        """Results in the order of ``jobs`` (``data``: a CompetitionData); a failure raises
        JobFailed; closing the iterator (an exception in the caller, Ctrl-C) stops the jobs not
        yet finished."""
        for job in jobs:
            yield _run_job_safely(job, frames(data), self.threads)

    def close(self) -> None:
        pass


class LokyExecutor(Executor):
    """Local worker processes (joblib's loky). The data is dumped once to a temporary folder;
    each worker memory-maps its arrays once (numeric columns are shared, not copied)."""

    def __init__(self, jobs: int, cores: int | None = None):
        super().__init__(jobs, cores)
        self._folder = None
        self._data, self._path = None, None

    def map(self, jobs, data):
        from joblib import Parallel, delayed

        path = self._dump(data)
        parallel = Parallel(n_jobs=self.jobs, backend="loky", return_as="generator", max_nbytes=None)
        results = parallel(delayed(_run_job_from_file)(job, str(path), self.threads) for job in jobs)
        try:
            for result in results:  # not `yield from`: that would close `results` before the finally
                yield result
        finally:
            with warnings.catch_warnings():  # joblib warns of the tasks it drops: here, on purpose
                warnings.filterwarnings("ignore", message=r".*tasks (have been|which were)", category=UserWarning)
                results.close()  # stops the jobs not yet finished when the caller stops early

    def _dump(self, data) -> Path:
        """Once per data set (tuning calls map many times with the same one)."""
        import joblib

        if self._data is not data:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="kit-data-"))
            self._path = self._folder / f"data-{len(list(self._folder.iterdir()))}.joblib"
            joblib.dump(frames(data), self._path)
            self._data = data  # held, so the same object is never a different data set
        return self._path

    def close(self):
        self._data, self._path = None, None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


@lru_cache(maxsize=2)
def _load_data(path: str) -> dict:
    """Once per worker process: the frames with their numeric blocks memory-mapped."""
    import joblib

    return joblib.load(path, mmap_mode="r")


def _run_job_from_file(job: Job, path: str, threads: int) -> JobResult:
    return _run_job_safely(job, _load_data(path), threads)


class RayExecutor(Executor):
    """Jobs as Ray tasks; the data is put in the object store once. Without ``address`` a local
    Ray is started (or the one already running in this process is used). On a cluster, the
    kit's code and packages must be installed on every node (Ray ships the data, not the code)."""

    name = "ray"

    def __init__(self, jobs: int | None = None, address: str | None = None, cores: int | None = None):
        ray = import_ray()
        self._started_here = False
        if not ray.is_initialized():
            kwargs = {"address": address} if address else {"num_cpus": cores or available_cores()}
            ray.init(**kwargs, runtime_env=ray_runtime_env(), include_dashboard=False, log_to_driver=False)
            self._started_here = True
        total = int(ray.cluster_resources().get("CPU", 1))
        super().__init__(jobs or total, total)
        # a task's threads must fit on one machine of the cluster
        self.largest_node = max([int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")] or [1])
        self._data, self._ref = None, None

    @property
    def threads(self) -> int:
        return max(1, min(self.cores // self.jobs, self.largest_node))

    def map(self, jobs, data):
        ray = import_ray()
        if self._data is not data:
            self._ref, self._data = ray.put(frames(data)), data
        remote = ray.remote(_run_job_safely).options(num_cpus=self.threads, max_retries=0)
        pending = [remote.remote(job, self._ref, self.threads) for job in jobs]
        try:
            for ref in pending:
                try:
                    yield ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    cause = getattr(exc, "cause", None)
                    raise JobFailed(str(cause) if isinstance(cause, KitError) else str(exc)) from None
        finally:
            for ref in pending:  # a no-op for finished tasks
                ray.cancel(ref, force=True)

    def close(self):
        self._data, self._ref = None, None
        if self._started_here:
            import_ray().shutdown()
            self._started_here = False


def import_ray():
    try:
        import ray
    except ImportError:
        raise KitError("--executor=ray needs Ray: python -m pip install 'kaggle-starter-kit[ray]' "
                       "(or python -m pip install ray)") from None
    return ray


def ray_runtime_env() -> dict:
    """Workers of a local Ray import the kit's code from this checkout."""
    path = os.pathsep.join(p for p in (str(CODE_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {"env_vars": {"PYTHONPATH": path}}


def make_executor(jobs: int = 1, executor: str = "local", address: str | None = None) -> Executor:
    """``local`` with one job runs in this process; more jobs use local worker processes;
    ``ray`` runs on a Ray cluster (``address``) or a local one started on demand."""
    if executor not in EXECUTORS:
        raise KitError(f"unknown executor '{executor}'; choose from {', '.join(EXECUTORS)}")
    if executor == "ray":
        return RayExecutor(jobs=jobs if jobs and jobs > 1 else None, address=address)
    if address:
        raise KitError("--address is for --executor=ray; local jobs need none")
    return Executor(jobs) if jobs == 1 else LokyExecutor(jobs)
