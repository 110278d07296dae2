"""Features: the lag window as given, plus ``time`` (decimal year of the target week).

``time`` orders the rows for the time folds (the spec's time column); models read only the
lags (see models.LagWindow). Everything here is row-wise.
"""

import pandas as pd

from common.core import DataError

from .practice import DATE, ID

TIME = "time"


def decimal_year(dates: pd.Series) -> pd.Series:
    dates = pd.to_datetime(dates)
    return dates.dt.year + (dates.dt.day_of_year - 1) / 365.25


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    lags = [c for c in frame.columns if c.startswith("lag_")]
    if not lags:
        raise DataError("no lag_<k> columns: the rows must carry their lag window")
    return pd.concat([decimal_year(frame[DATE]).rename(TIME), frame[lags]], axis=1)


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _features(train.drop(columns=[ID])), _features(test.drop(columns=[ID]))
