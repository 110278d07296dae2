"""The live training display: model k of M, fold k of K, times, an epoch bar for Keras; 80
columns; no TensorFlow log lines reach the user."""

import io
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from common.core.progress import REDRAWS_PER_S, TrainProgress, active, format_mb, memory_mb, sub_bar

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def screen_lines(text: str) -> list[str]:
    return [line for line in re.split(r"[\r\n]", ANSI.sub("", text)) if line.strip()]


def terminal(width=80):
    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=True, width=width, color_system=None)


def test_display_names_model_and_fold_and_fits_80_columns():
    console = terminal()
    names = ["logreg", "a_model_with_a_very_long_descriptive_name"]
    with TrainProgress(console, names, n_folds=5) as progress:
        assert active() is progress
        for name in names:
            progress.start_model(name)
            for k in range(5):
                progress.progress.refresh()
                progress.fold_done(k, f"  {name} fold {k}: accuracy 0.8000")
            progress.model_done()
        progress.epochs_started(50)
        progress.epoch_done()
        progress.progress.refresh()
        progress.epochs_finished()
    assert active() is None
    lines = screen_lines(console.file.getvalue())
    text = "\n".join(lines)
    assert "model 1/2 logreg fold 3/5" in text and "model 2/2" in text and "fold 5/5" in text
    assert "epochs" in text and "1/50" in text and "a_model_with_a_very_long_descriptive_name fold 4" in text
    assert re.search(r"\d+:\d\d:\d\d", text)  # elapsed / remaining
    assert re.search(r"\d+:\d\d:\d\d +\d+(\.\d)? [MG]B", text)  # memory in use, beside the times
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)


def _redraw_threads() -> list:
    from rich.live import _RefreshThread

    return [t for t in threading.enumerate() if isinstance(t, _RefreshThread)]


def test_a_terminal_redraws_twice_a_second_and_a_file_never():
    from rich.console import Console

    with TrainProgress(terminal(), ["logreg"], n_folds=5):
        (thread,) = _redraw_threads()
        assert thread.refresh_per_second == REDRAWS_PER_S == 2
    log = Console(file=io.StringIO(), width=80)  # output to a file or a pipe: nothing is drawn
    with TrainProgress(log, ["logreg"], n_folds=5) as progress:
        assert _redraw_threads() == []  # no thread rendering a table nobody sees, beside the fits
        progress.start_model("logreg")
        progress.fold_done(0, "  logreg fold 0: accuracy 0.8000")
    assert screen_lines(log.file.getvalue()) == ["  logreg fold 0: accuracy 0.8000"]


def test_a_sub_bar_shows_under_the_display_and_is_a_no_op_without_one():
    with sub_bar("texts encoded", 10) as advance:
        advance(5)  # no display: nothing to move, nothing raised
    console = terminal()
    with TrainProgress(console, ["minilm"], n_folds=5) as progress:
        progress.start_model("minilm")
        with sub_bar("texts encoded", 1024) as advance:
            advance(512)
            progress.progress.refresh()
        assert len(progress.progress.tasks) == 1  # the sub-bar is gone once done
    text = "\n".join(screen_lines(console.file.getvalue()))
    assert "texts encoded" in text and "512/1024" in text


@pytest.mark.slow
def test_keras_fit_shows_an_epoch_bar_and_no_tensorflow_log_lines():
    """A fresh interpreter, as a user's: TensorFlow is first imported by the fit."""
    script = textwrap.dedent("""
        import io, numpy as np
        from rich.console import Console
        from common.models.keras_estimators import KerasClassifier
        from common.models.keras_networks import build_mlp
        from common.core.progress import TrainProgress
        seen = []
        console = Console(file=io.StringIO(), force_terminal=True, width=80)
        with TrainProgress(console, ["keras"], 1) as progress:
            progress.start_model("keras")
            progress.epochs_started, real = (lambda total: (seen.append(total), real(total))), progress.epochs_started
            X = np.random.default_rng(0).normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
            KerasClassifier(build_fn=build_mlp, build_params={"units": (4,)}, epochs=3, patience=2).fit(X, y)
            progress.fold_done(0)
        print("epochs", seen)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epochs [3]" in result.stdout
    noise = [line for line in (result.stdout + result.stderr).splitlines()
             if re.search(r"tensorflow|absl|cuda|oneDNN|^[IWE]\d{4} ", line, re.IGNORECASE)]
    assert noise == []


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads /proc")
def test_memory_counts_this_process_and_its_workers():
    """A worker holding 300 MB shows in the figure: the memory of a run with --jobs is all of it."""
    before = memory_mb()
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; b = bytearray(300 * 2**20); "
                              "b[::4096] = b'x' * len(b[::4096]); print('ready', flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        assert memory_mb() - before > 250
    finally:
        child.kill()
        child.wait()
    assert format_mb(812.4) == "812 MB" and format_mb(2150) == "2.1 GB" and format_mb(None) == ""
