"""The ways in: the invoke tasks, the ``kit`` command, the notebook API, the project root."""

from .program import main

__all__ = ["main"]
