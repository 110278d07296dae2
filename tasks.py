"""Kaggle starter kit tasks for ``invoke`` in the repository (``invoke --list``).

The tasks live in ``common/tasks.py``, so that the installed ``kit`` command (common/cli.py) runs
the same ones from any folder.
"""

from common.cli.invoke_tasks import ns  # noqa: F401  (Invoke looks for a collection named ns)
