"""Which folder is the project root: where data, artifacts, tuned parameters, caches and
submissions go. The code folder may be read-only (a Kaggle notebook's ``/kaggle/input/...``),
so it is the last resort, never an assumption.

Resolved at run time (never at import), in this order:
1. an explicit root: ``kit --root=DIR``, Invoke's ``INVOKE_KIT_ROOT``, or ``KIT_ROOT``;
2. in a Kaggle notebook (``/kaggle/input`` exists): ``/kaggle/working``;
3. the current folder, if it looks like a kit project (a checkout, or a root the kit wrote to);
4. the folder the kit's code is in.
``KIT_CACHE`` moves the caches (pure functions of their input, so roots may share them).
In a Kaggle notebook, ``/kaggle/input/<slug>`` is also read in place as the raw data
(``Paths.kaggle_raw``), and the final submission is copied to ``/kaggle/working/submission.csv``.
"""

import os
from pathlib import Path

from ..core.config import PROJECT_ROOT, Paths

KAGGLE_DIR = Path("/kaggle")
# what a folder that the kit made or used holds
PROJECT_MARKERS = ("competitions", "artifacts", "submissions", "tuned")


def kaggle_input(environ=None) -> Path | None:
    """``/kaggle/input`` in a Kaggle notebook (``KIT_KAGGLE_DIR`` stands in for ``/kaggle`` in tests)."""
    environ = os.environ if environ is None else environ
    folder = Path(environ.get("KIT_KAGGLE_DIR") or KAGGLE_DIR) / "input"
    return folder if folder.is_dir() else None


def looks_like_project(folder: Path) -> bool:
    return any((folder / marker).is_dir() for marker in PROJECT_MARKERS)


def resolve_paths(root=None, *, environ=None, cwd=None) -> Paths:
    """The project's ``Paths`` (see the module doc for the order)."""
    environ = os.environ if environ is None else environ
    cwd = Path(cwd or Path.cwd())
    inputs = kaggle_input(environ)
    chosen = root or environ.get("KIT_ROOT")
    if chosen:
        base = (cwd / Path(chosen).expanduser()).resolve()
    elif inputs is not None:
        base = inputs.parent / "working"
    elif looks_like_project(cwd):
        base = cwd.resolve()
    else:
        base = PROJECT_ROOT
    cache = environ.get("KIT_CACHE")
    return Paths(base, cache_root=(cwd / Path(cache).expanduser()).resolve() if cache else None, kaggle_input=inputs)
