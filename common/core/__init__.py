"""Foundations every room uses: settings and paths, errors, atomic files, metrics, progress, console."""

from .config import DEFAULT_SEED, PROJECT_ROOT, Paths
from .errors import DataError, KaggleError, KitError, SubmissionError
from .metrics import METRICS, Metric, get_metric

__all__ = ["DEFAULT_SEED", "PROJECT_ROOT", "Paths", "DataError", "KaggleError", "KitError", "SubmissionError",
           "METRICS", "Metric", "get_metric"]
