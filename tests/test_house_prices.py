"""House Prices on the real Kaggle files: row-wise features, fold-fitted preprocessing, leakage,
and train -> ensemble -> a valid submission of prices."""

import dataclasses
import importlib

import numpy as np
import pandas as pd
import pytest

from common.data.competition_data import read_raw
from common.engine.artifacts import load_fold_model
from common.engine.cv import run_cv
from common.spec import FoldScheme, load_competition
from common.steps.workflow import check_submission_file, ensemble, prepare, train

from .conftest import fast_spec, installed

SLUG = "house-prices-advanced-regression-techniques"
features = importlib.import_module(f"competitions.{SLUG}.features")
models = importlib.import_module(f"competitions.{SLUG}.models")

FAST = {"lightgbm": {"n_estimators": 100}, "keras_mlp": {"epochs": 3}}


def test_spec_says_regression_on_log_prices():
    spec = load_competition(SLUG, tuned=False)
    assert (spec.task, spec.metric_name, spec.folds.kind, spec.folds.n_splits) == ("regression", "rmse", "kfold", 5)
    assert np.allclose(spec.to_submission_values(spec.transform_target(pd.Series([0.0, 200_000.0]))), [0, 200_000])


def test_features_are_row_wise_and_follow_the_data_description(paths):
    spec = installed(SLUG, paths)
    train_raw, test_raw, _ = read_raw(spec, paths)
    X, X_test = spec.make_features(train_raw.drop(columns="SalePrice"), test_raw)
    # a house's features do not depend on which other houses are in the frame
    alone, _ = spec.make_features(train_raw.drop(columns="SalePrice").iloc[[5, 700]], test_raw.iloc[:1])
    pd.testing.assert_frame_equal(alone, X.iloc[[5, 700]])
    assert list(X.columns) == list(X_test.columns) and not {"Id", "SalePrice"} & set(X.columns)
    # NA means "none" for pools and alleys; grades become ordered numbers, 0 for "no basement"
    assert X["Alley"].isna().sum() == 0 and (X["Alley"] == "None").sum() == train_raw["Alley"].isna().sum()
    no_basement = train_raw["BsmtQual"].isna()
    assert (X.loc[no_basement, "BsmtQual"] == 0).all() and set(X["ExterQual"]) <= {2.0, 3.0, 4.0, 5.0}
    assert X["MSSubClass"].map(type).eq(str).all()
    assert np.allclose(X["TotalSF"], train_raw["TotalBsmtSF"] + train_raw["1stFlrSF"] + train_raw["2ndFlrSF"])
    # the test file's blanks for a missing garage become 0; the 2207 garage year is fixed
    assert X_test["GarageCars"].isna().sum() <= 1 and X_test["GarageYrBlt"].max() <= 2011


def test_the_two_cheap_giant_houses_are_never_fitted_on_but_still_scored(paths):
    spec = installed(SLUG, paths)
    train_raw, _, _ = read_raw(spec, paths)
    excluded = spec.exclude_from_fit(train_raw)
    assert sorted(train_raw.loc[excluded, "Id"]) == ["1299", "524"]
    data, folds = prepare(spec, paths, seed=42)
    # every row, the two included, is in a fold and has its target; only fitting skips them
    assert len(data.X) == len(folds) == 1460 and (folds >= 0).all()
    assert np.allclose(data.y, np.log1p(train_raw["SalePrice"])) and data.fit_rows.sum() == 1458


def test_skewed_columns_are_learned_in_fit_only():
    rng = np.random.default_rng(0)
    train = np.column_stack([rng.exponential(100, 500), rng.normal(50, 5, 500), -rng.exponential(1, 500)])
    step = models.SkewedLog1p(threshold=0.75).fit(train)
    assert step.skewed_.tolist() == [True, False, False]  # the negative column is never logged
    other = np.array([[np.e - 1, 3.0, -2.0], [-5.0, 4.0, -1.0]])
    assert np.allclose(step.transform(other), [[1.0, 3.0, -2.0], [0.0, 4.0, -1.0]])
    with pytest.raises(ValueError, match="fitted on 3 columns"):
        step.transform(other[:, :2])


def test_linear_models_do_not_extrapolate_past_the_training_range():
    """A house far larger than any the fold saw is priced as the largest it saw, not beyond."""
    step = models.ClipToFitRange().fit(np.array([[1.0, 10.0], [3.0, np.nan], [2.0, 30.0]]))
    assert np.allclose(step.transform(np.array([[0.0, 100.0], [2.5, 20.0]])), [[1.0, 30.0], [2.5, 20.0]])
    rng = np.random.default_rng(0)
    area = rng.uniform(500, 3000, 300)
    frame = pd.DataFrame({"GrLivArea": area, "OverallQual": rng.integers(1, 11, 300).astype(float),
                          "Neighborhood": rng.choice(["A", "B"], 300).astype(object)})
    log_price = 10 + 0.0006 * area + 0.05 * frame["OverallQual"].to_numpy() + rng.normal(0, 0.05, 300)
    lasso = models.build_lasso().fit(frame, log_price)
    giant = frame.iloc[:1].assign(GrLivArea=30_000.0, OverallQual=10.0)
    largest = frame.iloc[:1].assign(GrLivArea=area.max(), OverallQual=10.0)
    assert lasso.predict(giant)[0] == pytest.approx(lasso.predict(largest)[0])
    assert lasso.predict(giant)[0] < log_price.max() + 0.2


def test_a_folds_predictions_never_see_its_own_prices(paths):
    """Shift fold 0's log prices: fold 0's OOF predictions must not move, other folds' must."""
    spec = installed(SLUG, paths)
    data, folds = prepare(spec, paths, seed=42)
    before = run_cv(spec, "lasso", data, folds, seed=42).oof
    data.y = np.where(folds == 0, data.y + np.random.default_rng(0).normal(0, 1, len(data.y)), data.y)
    after = run_cv(spec, "lasso", data, folds, seed=42).oof
    assert np.allclose(before[folds == 0], after[folds == 0])
    assert not np.allclose(before[folds == 1], after[folds == 1])


def test_train_ensemble_and_a_valid_submission_of_prices(paths):
    # two folds: most of a Keras fold's cost is fixed (tracing, saving), whatever its size
    spec = dataclasses.replace(fast_spec(installed(SLUG, paths), only=["lasso", "lightgbm", "keras_mlp"], **FAST),
                               folds=FoldScheme(kind="kfold", n_splits=2))
    runs = {r.model: r for r in train(spec, paths, seed=42)}
    # the two cheap giant houses are scored (never fitted on): honest 2-fold figures are ~0.13
    assert runs["lasso"].cv_score < 0.14 and runs["keras_mlp"].cv_score < 0.5  # 3 epochs only
    result, path = ensemble(spec, paths, seed=42)
    assert result.cv_score < 0.14
    check_submission_file(spec, paths, path)
    prices = pd.read_csv(path)["SalePrice"]
    assert len(prices) == 1459 and 100_000 < prices.median() < 250_000
    # the Keras fold model (with its own target scaling) reloads and predicts as it did
    data, _ = prepare(spec, paths, seed=42)
    folder = paths.model_artifacts(SLUG, "keras_mlp")
    test_pred = np.mean([load_fold_model(folder, f"fold{k}").predict(data.X_test) for k in range(2)], axis=0)
    assert np.allclose(test_pred, np.load(folder / "test.npy"), atol=1e-5)
