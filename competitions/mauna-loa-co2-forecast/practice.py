"""Practice data: forecast a year of weekly CO2 at Mauna Loa, built offline from statsmodels.

The series is ``statsmodels.datasets.co2`` (weekly means, ppm, March 1958 - December 2001; 59
weeks have no reading). The last ``HORIZON`` weeks are the test period. Each row is one target
week with its lag window as features: the readings ``HORIZON`` to ``HORIZON + WINDOW - 1``
weeks earlier (``lag_<k>`` = the reading k weeks before the target week). Because the shortest
lag equals the length of the test period, every test row's features come from the training
period: no test answer leaks into test.csv, and the test is a true one-year-ahead forecast.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from common.core import DataError

ID, DATE, TARGET = "id", "date", "co2"
HORIZON = 52  # weeks ahead = length of the test period
WINDOW = 104  # weeks of history per row (two years, so a model can see last year's growth)


def lag_columns(horizon: int = HORIZON, window: int = WINDOW) -> list[str]:
    """Lag column names, oldest reading first (the order a recurrent network reads them in)."""
    return [f"lag_{k}" for k in range(horizon + window - 1, horizon - 1, -1)]


def load_series() -> pd.Series:
    """Weekly CO2 (ppm) indexed by week; missing weeks are NaN."""
    try:
        from statsmodels.datasets import co2
    except ImportError as exc:
        raise DataError("the practice data is statsmodels' CO2 series: pip install statsmodels") from exc
    return co2.load_pandas().data[TARGET].astype(float)


def supervised_rows(series: pd.Series, horizon: int = HORIZON, window: int = WINDOW) -> pd.DataFrame:
    """One row per week with a reading and a full lag window: date, lags, target.

    A week without a reading is filled with the last earlier reading (forward fill: past only)
    when it is used as a lag; it is never a target.
    """
    filled = series.ffill()
    lags = {name: filled.shift(int(name.split("_")[1])) for name in lag_columns(horizon, window)}
    frame = pd.DataFrame({DATE: series.index, **lags, TARGET: series}).iloc[horizon + window - 1:]
    frame = frame[frame[TARGET].notna()].reset_index(drop=True)
    if frame[lag_columns(horizon, window)].isna().any().any():
        raise DataError("the series starts with missing readings; lag windows would hold NaN")
    return frame


def split_last_weeks(frame: pd.DataFrame, last_date: pd.Timestamp, weeks: int = HORIZON):
    """Rows of the last ``weeks`` weeks up to ``last_date`` are the test period."""
    test_start = last_date - pd.Timedelta(weeks=weeks - 1)
    is_test = frame[DATE] >= test_start
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


def build_practice(raw_dir: Path, answers_dir: Path) -> None:
    """Write train/test/sample submission to raw_dir and the answer key to answers_dir."""
    series = load_series()
    rows = supervised_rows(series)
    rows.insert(0, ID, np.arange(len(rows)))
    train, test = split_last_weeks(rows, series.index[-1])
    for frame in (train, test):
        frame[DATE] = frame[DATE].dt.strftime("%Y-%m-%d")
    train.to_csv(Path(raw_dir) / "train.csv", index=False)
    test.drop(columns=[TARGET]).to_csv(Path(raw_dir) / "test.csv", index=False)
    naive = float(train[TARGET].iloc[-1])  # the last reading: a valid, if poor, forecast
    pd.DataFrame({ID: test[ID], TARGET: naive}).to_csv(Path(raw_dir) / "sample_submission.csv", index=False)
    test[[ID, TARGET]].to_csv(Path(answers_dir) / "answers.csv", index=False)
