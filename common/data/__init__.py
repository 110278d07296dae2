"""A competition's data: raw files checked and installed, typed cached reads, features, folds."""

from .competition_data import CompetitionData, load_competition_data, read_csv, read_raw
from .folds import assign_folds, fold_indices, load_or_make_folds

__all__ = ["CompetitionData", "load_competition_data", "read_csv", "read_raw", "assign_folds", "fold_indices",
           "load_or_make_folds"]
