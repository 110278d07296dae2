"""What each task does, end to end: download, practice, train, ensemble, tune, submit, kernels."""

from .download import download
from .tuning import tune
from .workflow import ensemble, submit_model, train

__all__ = ["download", "tune", "ensemble", "submit_model", "train"]
