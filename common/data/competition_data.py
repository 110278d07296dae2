"""Reading a competition's raw files back as the features and target the CV loop uses."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.config import Paths
from ..core.errors import DataError, plain
from ..spec import CompetitionSpec
from . import checks


@dataclass
class CompetitionData:
    """Features and target, ready for the CV loop; rows in the order of the raw train file.

    ``y`` is what models learn: class indices 0..k-1 (``classes`` holds the original labels, in
    sorted order, spelled as train spells them), values, or an (n, t) matrix for several targets.
    Ids are strings exactly as the files spell them.
    """

    X: pd.DataFrame
    y: np.ndarray
    X_test: pd.DataFrame
    train_ids: pd.Series
    test_ids: pd.Series
    sample_submission: pd.DataFrame
    classes: np.ndarray | None = None
    # rows models may fit on (spec.exclude_from_fit); None: all. Every row is still validated.
    fit_rows: np.ndarray | None = None


def read_csv(path: Path, what: str, *, string_columns=()) -> pd.DataFrame:
    """The CSV as a typed frame, through the columnar cache (common/data/columnar.py); ``string_columns``
    (ids) keep their exact text ("007" stays "007")."""
    from .columnar import read_table

    try:
        return read_table(path, what, string_columns=string_columns)
    except UnicodeDecodeError:
        raise checks.encoding_error(path, what) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{what} {path} is empty (not even a header); get the competition's files again.") from None
    except pd.errors.ParserError as exc:
        raise checks.parser_error(path, what, exc) from None


def read_raw(spec: CompetitionSpec, paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    raw = paths.raw(spec.slug)
    missing = [name for name in spec.raw_files if not (raw / name).is_file()]
    if missing:
        raise DataError(f"no {', '.join(missing)} in {raw}. Get the data first: "
                        f"invoke download --comp={spec.slug}"
                        + ("" if spec.practice_source else " (or --source=PATH_TO_KAGGLE_FILES)"))
    train, test, sample = (read_csv(raw / name, label, string_columns=[spec.id_column]) for name, label in
                           zip(spec.raw_files, ("train file", "test file", "sample submission")))
    if spec.row_number_ids:
        train, test = (frame if spec.id_column in frame else
                       frame.assign(**{spec.id_column: np.arange(1, len(frame) + 1).astype(str)})
                       for frame in (train, test))
    checks.check_raw(spec, train, test, sample, raw)
    return train, test, sample


def encode_target(spec: CompetitionSpec, targets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """What models learn from the target column(s), and the class labels for classification."""
    if spec.task in ("binary", "multiclass") and targets.shape[1] == 1:
        classes, y = np.unique(targets.iloc[:, 0].to_numpy(), return_inverse=True)
        if spec.task == "binary" and len(classes) != 2:
            raise DataError(f"{spec.slug} is a binary task but the train file's '{spec.target}' has "
                            f"{len(classes)} distinct value(s): {plain(list(classes[:10]))}.")
        return y, classes
    if spec.task == "binary":  # several 0/1 (or False/True) targets, one probability column each
        y = targets.astype(float).to_numpy()
        if not np.isin(y, (0, 1)).all():
            raise DataError(f"{spec.slug}'s targets {list(targets.columns)} must each hold 0/1 or False/True.")
        return y.astype(int), np.array([0, 1])
    values = targets.iloc[:, 0] if targets.shape[1] == 1 else targets
    if spec.transform_target is not None:
        values = spec.transform_target(values)
    y = np.asarray(values, dtype=float)
    if spec.metric.log_target:
        if (y < 0).any():
            raise DataError(f"{spec.slug} is scored by {spec.metric_name}, which needs targets >= 0; "
                            f"the train file has negative ones. Use metric_name='rmse' in its spec.")
        y = np.log1p(y)
    return y, None


def load_competition_data(spec: CompetitionSpec, paths: Paths) -> CompetitionData:
    from .feature_cache import features

    train, test, sample = read_raw(spec, paths)
    fit_rows = None if spec.exclude_from_fit is None else ~np.asarray(spec.exclude_from_fit(train), dtype=bool)
    X, X_test = features(spec, paths, train, test)  # make_features, or its cached output
    if len(X) != len(train) or len(X_test) != len(test):
        raise DataError(f"{spec.slug}'s make_features must keep one row per input row, in order.")
    y, classes = encode_target(spec, train[list(spec.targets)])
    return CompetitionData(X=X, y=y, X_test=X_test, train_ids=train[spec.id_column], test_ids=test[spec.id_column],
                           sample_submission=sample, classes=classes, fit_rows=fit_rows)
