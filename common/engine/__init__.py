"""The CV loop and what it leaves: executor, run artifacts, ensembles, submissions, run records."""

from .cv import run_cv
from .ensemble import blend
from .executor import make_executor
from .submission import build_submission, layout_of, validate_submission, write_submission

__all__ = ["run_cv", "blend", "make_executor", "build_submission", "layout_of", "validate_submission",
           "write_submission"]
