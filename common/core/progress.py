"""A live progress display for training (rich): model k of M, fold k of K, elapsed time, an
estimate of what is left and the memory in use (this process and its workers), plus bars of
their own for the epochs of a Keras fit and for texts being encoded. Fits 80 columns.

The display in use is reachable through ``active()`` (a context variable), so a Keras fit deep
inside the CV loop can add its epoch bar without being passed anything; with no display active
(a notebook calling ``run_cv``, a worker process) nothing is shown.
"""

import os
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_ACTIVE: ContextVar = ContextVar("kit_progress", default=None)
DESCRIPTION_WIDTH = 30
MEMORY_EVERY_S = 1.0  # how often the memory column reads /proc
# Redraws a second: the columns that move by themselves (elapsed, estimate, memory) change once a
# second. Each redraw is Python work on a thread of its own, which takes a core from a fit that
# uses them all (LightGBM, a Keras step): rich's default of 10 would do that 10 times a second.
REDRAWS_PER_S = 2


def active():
    """The ``TrainProgress`` being displayed, or None."""
    return _ACTIVE.get()


def _fit(text: str, width: int = DESCRIPTION_WIDTH) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _proc_rss_kb(pid) -> int:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a zombie has no memory


def _children(pid: int) -> list[int]:
    """Child processes, from /proc/<pid>/task/*/children (Linux)."""
    found = []
    for task in (Path("/proc") / str(pid) / "task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def memory_mb() -> float | None:
    """Resident memory in MB of this process and every process below it (local workers, a local
    Ray) on Linux; elsewhere this process's peak (``getrusage``); None where neither is known."""
    if Path("/proc/self/status").is_file():
        total, seen, frontier = 0, set(), [os.getpid()]
        while frontier:
            pid = frontier.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                total += _proc_rss_kb(pid)
                frontier += _children(pid)
            except (OSError, ValueError):  # ended meanwhile
                continue
        return total / 1024
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KB elsewhere


def format_mb(mb: float | None) -> str:
    if mb is None:
        return ""
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def _memory_column():
    from rich.progress import ProgressColumn
    from rich.text import Text

    class MemoryColumn(ProgressColumn):
        """Memory in use, read at most once a second."""

        def __init__(self):
            super().__init__()
            self._read_at, self._text = float("-inf"), ""

        def render(self, task):
            now = time.monotonic()
            if now - self._read_at >= MEMORY_EVERY_S:
                self._read_at, self._text = now, format_mb(memory_mb())
            return Text(f"{self._text:>7}", style="progress.data.speed")

    return MemoryColumn()


class TrainProgress:
    """``with TrainProgress(console, models, n_folds) as p: p.start_model(name); p.fold_done(k, s)``."""

    def __init__(self, console, models: list[str], n_folds: int):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.models, self.n_folds = list(models), n_folds
        self.console = console
        # 30 + 16 + 5 + 7 + 7 + 7 + separators: under 80 columns
        # no redrawing thread where nothing is drawn (output to a file or a pipe: a log, CI, a
        # benchmark): rich would render the table there all the same and throw it away
        self.progress = Progress(TextColumn(f"{{task.description:<{DESCRIPTION_WIDTH}}}"), BarColumn(bar_width=16),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                 _memory_column(), console=console, transient=True,
                                 auto_refresh=console.is_terminal or console.is_jupyter,
                                 refresh_per_second=REDRAWS_PER_S)
        self._model = None
        self._folds_done = 0
        self._task = None
        self._epochs = None

    def __enter__(self):
        self.progress.start()
        self._task = self.progress.add_task("starting", total=len(self.models) * self.n_folds)
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc):
        _ACTIVE.reset(self._token)
        self.progress.stop()
        return False

    def _describe(self) -> None:
        k = self.models.index(self._model) + 1
        fold = min(self._folds_done + 1, self.n_folds)
        text = f"model {k}/{len(self.models)} {self._model}"
        folds = f" fold {fold}/{self.n_folds}"
        self.progress.update(self._task, description=_fit(_fit(text, DESCRIPTION_WIDTH - len(folds)) + folds))

    def start_model(self, name: str) -> None:
        self._model, self._folds_done = name, 0
        self._describe()

    def fold_done(self, k: int, message: str | None = None) -> None:
        self._folds_done += 1
        self.progress.advance(self._task)
        if message:
            self.progress.console.print(message)
        self._describe()

    def model_done(self) -> None:
        """Count folds a model skipped (none, normally) so the bar ends full."""
        missing = self.n_folds - self._folds_done
        if missing > 0:
            self.progress.advance(self._task, missing)

    def epochs_started(self, total: int) -> None:
        self._epochs = self.progress.add_task(_fit("  epochs (early stopping)"), total=total)

    def epoch_done(self) -> None:
        if self._epochs is not None:
            self.progress.advance(self._epochs)

    def epochs_finished(self) -> None:
        if self._epochs is not None:
            self.progress.remove_task(self._epochs)
            self._epochs = None


@contextmanager
def sub_bar(description: str, total: int):
    """A bar of its own under the active display (e.g. texts encoded): yields ``advance(n)``, which
    does nothing when no display is active."""
    progress = active()
    if progress is None:
        yield lambda n=1: None
        return
    task = progress.progress.add_task(_fit(f"  {description}"), total=total)
    try:
        yield lambda n=1: progress.progress.advance(task, n)
    finally:
        progress.progress.remove_task(task)


def keras_callback(keras):
    """A Keras callback that drives the epoch bar of the active display, or None without one."""
    progress = active()
    if progress is None:
        return None

    class EpochBar(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            progress.epochs_started(self.params.get("epochs") or 0)

        def on_epoch_end(self, epoch, logs=None):
            progress.epoch_done()

        def on_train_end(self, logs=None):
            progress.epochs_finished()

    return EpochBar()
