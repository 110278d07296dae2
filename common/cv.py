"""The one cross-validation loop every model goes through.

For each stored fold: build a fresh estimator from the spec, fit it on the training rows,
predict the validation rows (OOF) and the test set. OOF predictions keep train row order; test
predictions are the mean over fold models (and over seeds with ``n_seeds`` > 1).
"""

import time
from typing import Callable

import numpy as np

from .artifacts import ModelRun, RunWriter
from .data import CompetitionData
from .folds import fold_indices, folds_fingerprint, time_order
from .spec import CompetitionSpec

SEED_PARAMS = ("random_state", "seed")


def predict_values(estimator, X, task: str) -> np.ndarray:
    """Probabilities of class 1 (binary), a probability matrix (multiclass) or values."""
    if task == "binary":
        return estimator.predict_proba(X)[:, 1]
    if task == "multiclass":
        return estimator.predict_proba(X)
    return estimator.predict(X)


def seed_estimator(estimator, seed: int) -> bool:
    """Set every ``random_state`` / ``seed`` parameter, nested ones in pipelines included;
    False when the estimator has none (its results do not depend on a seed)."""
    keys = [k for k in estimator.get_params(deep=True) if k.rsplit("__", 1)[-1] in SEED_PARAMS]
    estimator.set_params(**{k: seed for k in keys})
    return bool(keys)


def place_caches(estimator, folder, *, replace: bool = False) -> None:
    """Point every unset ``cache_dir`` parameter (e.g. a SentenceEmbedder's) at the project's cache;
    ``replace``: every one (a model trained elsewhere, loaded where its old cache path is not)."""
    if folder is not None:
        keys = [k for k, v in estimator.get_params(deep=True).items()
                if k.rsplit("__", 1)[-1] == "cache_dir" and (v is None or replace)]
        estimator.set_params(**{k: folder for k in keys})


def prediction_shape(spec: CompetitionSpec, y: np.ndarray, n_rows: int) -> tuple:
    return (n_rows, len(np.unique(y))) if spec.task == "multiclass" else (n_rows,)


def run_cv(spec: CompetitionSpec, model_name: str, data: CompetitionData, folds: np.ndarray, *,
           seed: int, n_seeds: int = 1, params: dict | None = None, writer: RunWriter | None = None,
           on_fold: Callable[[int, float], None] | None = None, cache_dir=None) -> ModelRun:
    """Cross-validate one model of the spec on the stored folds; save fold models via ``writer``;
    ``cache_dir``: where caches inside the estimators go (``Paths.embedding_cache``)."""
    model_spec = spec.model(model_name)
    params = {**model_spec.params, **(params or {})}
    if not seed_estimator(model_spec.build(**params), seed):
        n_seeds = 1  # a model without a seed gives the same fit every time
    metric = spec.metric
    order = time_order(spec, data.X)
    oof = np.full(prediction_shape(spec, data.y, len(data.y)), np.nan)
    test = np.zeros(prediction_shape(spec, data.y, len(data.X_test)))
    fold_scores = []
    started = time.perf_counter()
    splits = list(fold_indices(folds, spec.folds, order))
    for k, train_rows, valid_rows in splits:
        X_train, y_train = data.X.iloc[train_rows], data.y[train_rows]
        X_valid = data.X.iloc[valid_rows]
        valid_pred, test_pred = 0.0, 0.0
        for s in range(n_seeds):
            estimator = model_spec.build(**params)
            seed_estimator(estimator, seed + 1000 * s)
            place_caches(estimator, cache_dir)
            estimator.fit(X_train, y_train)
            valid_pred = valid_pred + predict_values(estimator, X_valid, spec.task) / n_seeds
            test_pred = test_pred + predict_values(estimator, data.X_test, spec.task) / n_seeds
            if writer is not None:
                writer.save_model(estimator, f"fold{k}" if n_seeds == 1 else f"fold{k}-seed{s}")
        oof[valid_rows] = valid_pred
        test += test_pred / len(splits)
        fold_scores.append(metric(data.y[valid_rows], valid_pred))
        if on_fold is not None:
            on_fold(k, fold_scores[-1])
    return ModelRun(model=model_name, metric=metric.name, fold_scores=fold_scores,
                    cv_score=float(np.mean(fold_scores)), cv_std=float(np.std(fold_scores)),
                    seconds=round(time.perf_counter() - started, 2), seed=seed, n_seeds=n_seeds,
                    folds_fingerprint=folds_fingerprint(folds), params=_jsonable(params), oof=oof, test=test)


def _jsonable(params: dict) -> dict:
    return {k: (v if isinstance(v, (int, float, str, bool, type(None), list, tuple)) else repr(v))
            for k, v in params.items()}
