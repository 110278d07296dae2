"""Mauna Loa CO2 forecast (practice data from statsmodels): lag rows from the past only, time
folds that never train on the future, the RNN's sequence view, and the practice round trip."""

import dataclasses
import importlib

import numpy as np
import pandas as pd
import pytest

from common.data.competition_data import read_raw
from common.data.folds import fold_indices
from common.engine.artifacts import load_fold_model
from common.engine.cv import run_cv
from common.spec import FoldScheme, load_competition
from common.steps.practice import answers_dir, score
from common.steps.workflow import check_submission_file, ensemble, prepare, train

from .conftest import fast_spec, installed

SLUG = "mauna-loa-co2-forecast"
practice = importlib.import_module(f"competitions.{SLUG}.practice")
models = importlib.import_module(f"competitions.{SLUG}.models")


def test_spec_says_regression_on_time_folds():
    spec = load_competition(SLUG)
    assert (spec.task, spec.metric_name, spec.folds.kind, spec.folds.time_column) == \
        ("regression", "rmse", "time", "time")


def test_each_lag_is_the_reading_k_weeks_earlier_and_missing_weeks_are_filled_from_the_past():
    weeks = pd.date_range("2000-01-01", periods=30, freq="W-SAT")
    series = pd.Series(np.arange(30, dtype=float), index=weeks)
    series.iloc[10] = np.nan
    rows = practice.supervised_rows(series, horizon=3, window=4)
    assert rows.columns.tolist() == ["date", "lag_6", "lag_5", "lag_4", "lag_3", "co2"]
    assert 10.0 not in rows["co2"].tolist() and len(rows) == 30 - 6 - 1
    for _, row in rows.iterrows():
        t = weeks.get_loc(row["date"])
        assert row["co2"] == t
        for k in range(3, 7):
            assert row[f"lag_{k}"] == (9 if t - k == 10 else t - k)  # week 10 has no reading: week 9's


def test_test_rows_see_only_the_training_period_and_the_answers_are_hidden(paths):
    spec = installed(SLUG, paths)
    raw = paths.raw(SLUG)
    train_file, test_file, sample = read_raw(spec, paths)
    train_dates, test_dates = pd.to_datetime(train_file["date"]), pd.to_datetime(test_file["date"])
    assert len(test_file) == 52 and train_dates.max() < test_dates.min()
    lags = [c for c in test_file.columns if c.startswith("lag_")]
    newest = min(int(c.split("_")[1]) for c in lags)
    assert test_dates.max() - pd.Timedelta(weeks=newest) < test_dates.min()
    # a test row's lag_52 is the training target of the same week a year earlier
    by_date = train_file.set_index(train_dates)["co2"]
    year_before = test_dates - pd.Timedelta(weeks=52)
    known = year_before.isin(by_date.index)
    assert known.mean() > 0.9
    assert np.allclose(test_file.loc[known, "lag_52"], by_date[year_before[known]].to_numpy())
    key = answers_dir(paths, SLUG) / "answers.csv"
    assert key.is_file() and not key.resolve().is_relative_to(raw.resolve())
    assert "co2" not in test_file.columns and not list(raw.rglob("answers*"))
    assert pd.read_csv(key, dtype={"id": str})["id"].tolist() == sample["id"].tolist() == test_file["id"].tolist()


def test_no_time_fold_trains_on_rows_later_than_its_validation_rows(paths):
    spec = installed(SLUG, paths)
    data, folds = prepare(spec, paths, seed=42)
    time = data.X["time"].to_numpy()
    assert np.all(np.diff(time) > 0)  # train rows are in time order
    assert set(folds.tolist()) == {-1, 0, 1, 2, 3, 4} and np.all(folds[time < time[folds == 0].min()] == -1)
    previous_end = -np.inf
    for k, train_rows, valid_rows in fold_indices(folds, spec.folds, time):
        assert len(train_rows) and time[train_rows].max() < time[valid_rows].min()
        assert time[valid_rows].min() > previous_end  # validation blocks follow each other
        previous_end = time[valid_rows].max()
    # the future cannot reach a fold: change every target from fold 2 on, fold 2's OOF stays
    before = run_cv(spec, "lightgbm", data, folds, seed=42, params={"n_estimators": 30}).oof
    data.y = np.where(time >= time[folds == 2].min(), data.y + 10.0, data.y)
    after = run_cv(spec, "lightgbm", data, folds, seed=42, params={"n_estimators": 30}).oof
    assert np.allclose(before[folds <= 2], after[folds <= 2], equal_nan=True)
    assert not np.allclose(before[folds == 3], after[folds == 3])


def test_seasonal_naive_adds_last_years_growth_to_last_years_reading():
    weekly = np.arange(104, dtype=float)  # one ppm a week: growth over a year = 52
    model = models.SeasonalNaiveDrift(season=52).fit(weekly[None, :])
    assert model.predict(weekly[None, :]).tolist() == [103.0 + 52.0]
    with pytest.raises(ValueError, match="drift needs"):
        models.SeasonalNaiveDrift(season=52).fit(np.zeros((1, 60)))


def test_rnn_reads_the_lag_window_as_timesteps_and_forecasts_relative_to_the_newest_lag():
    keras = models.import_keras()
    rng = np.random.default_rng(0)
    x = (350 + np.cumsum(rng.normal(0.03, 0.3, size=(32, 104)), axis=1)).astype("float32")
    net = models.build_rnn_network(x, 1, "linear", units=4, step=8)
    gru = next(layer for layer in net.layers if isinstance(layer, keras.layers.GRU))
    assert tuple(gru.input.shape) == (None, 13, 8)
    # shifting the whole window shifts the forecast by the same amount
    shifted = net.predict(x + 25.0, verbose=0) - net.predict(x, verbose=0)
    assert np.allclose(shifted, 25.0, atol=1e-3)
    with pytest.raises(ValueError, match="timesteps"):
        models.build_rnn_network(x, 1, "linear", step=5)


def test_practice_round_trip_builds_trains_ensembles_and_scores(paths):
    spec = installed(SLUG, paths)
    fast = fast_spec(spec, lightgbm={"n_estimators": 30}, rnn={"epochs": 3})
    fast = dataclasses.replace(fast, folds=FoldScheme(kind="time", n_splits=2, time_column="time"))
    runs = {r.model: r for r in train(fast, paths, seed=42)}
    assert set(runs) == {"seasonal_naive", "lightgbm", "rnn"}
    folds = pd.read_csv(paths.folds_file(SLUG))["fold"].to_numpy()
    for run in runs.values():  # the earliest block only trains: no OOF prediction there
        assert np.array_equal(np.isnan(run.oof), folds == -1)
    # the saved RNN fold models (a .keras file each) reload and forecast as they did
    data, _ = prepare(fast, paths, seed=42)
    folder = paths.model_artifacts(SLUG, "rnn")
    reloaded = np.mean([load_fold_model(folder, f"fold{k}").predict(data.X_test) for k in range(2)], axis=0)
    assert np.allclose(reloaded, runs["rnn"].test, atol=1e-3)
    result, path = ensemble(fast, paths, seed=42)
    check_submission_file(fast, paths, path)
    value = score(fast, paths, path)  # RMSE in ppm of the one-year-ahead forecast of 2001
    assert 0.0 < value < 2.0 and 0.0 < result.cv_score < 2.0
