"""The one cross-validation loop every model goes through.

For each stored fold: build a fresh estimator from the spec, fit it on the training rows,
predict the validation rows (OOF) and the test set. OOF predictions keep train row order; test
predictions are the mean over fold models (and over seeds with ``n_seeds`` > 1).
"""

import time
from typing import Callable

import numpy as np

from ..data.competition_data import CompetitionData
from ..data.folds import fold_indices, folds_fingerprint, time_order
from ..spec import CompetitionSpec
from .artifacts import ModelRun, RunWriter
from .executor import Executor, Job, place_caches, predict_values, seed_estimator  # noqa: F401 (re-exported)
from .records import builder_params, estimator_params


def prediction_shape(data: CompetitionData, task: str, n_rows: int) -> tuple:
    if task == "multiclass":
        return (n_rows, len(data.classes))
    return (n_rows, *data.y.shape[1:])


def _fitted(train_rows: np.ndarray, fit_rows: np.ndarray | None) -> np.ndarray:
    """The training rows a model may fit on: rows excluded from fitting are validated only."""
    return train_rows if fit_rows is None else train_rows[fit_rows[train_rows]]


def run_cv(spec: CompetitionSpec, model_name: str, data: CompetitionData, folds: np.ndarray, *,
           seed: int, n_seeds: int = 1, params: dict | None = None, writer: RunWriter | None = None,
           on_fold: Callable[[int, float], None] | None = None, executor: Executor | None = None,
           cache_dir=None) -> ModelRun:
    """Cross-validate one model of the spec on the stored folds; save fold models via ``writer``.

    Every (fold, seed) fit is one job for ``executor`` (default: this process, one after
    another); ``on_fold`` is called as each fold completes, in fold order. ``cache_dir``: where
    caches inside the estimators go (``Paths.embedding_cache``).
    """
    model_spec = spec.model(model_name)
    params = {**model_spec.params, **(params or {})}
    prototype = model_spec.build(**params)
    if not seed_estimator(prototype, seed):
        n_seeds = 1  # a model without a seed gives the same fit every time
    executor = executor or Executor()
    metric = spec.metric
    order = time_order(spec, data.X)
    oof = np.full(prediction_shape(data, spec.task, len(data.y)), np.nan)
    test = np.zeros(prediction_shape(data, spec.task, len(data.X_test)))
    fold_scores = []
    started = time.perf_counter()
    splits = list(fold_indices(folds, spec.folds, order))
    jobs = [Job(model=model_name, fold=k, seed_index=s, seed=seed + 1000 * s, build=model_spec.build,
                params=params, task=spec.task, train_rows=_fitted(train_rows, data.fit_rows), valid_rows=valid_rows,
                save_as=None if writer is None else (f"fold{k}" if n_seeds == 1 else f"fold{k}-seed{s}"),
                n_targets=len(spec.targets), cache_dir=cache_dir)
            for k, train_rows, valid_rows in splits for s in range(n_seeds)]
    results = executor.map(jobs, data)
    try:
        for k, train_rows, valid_rows in splits:
            valid_pred, test_pred = 0.0, 0.0
            for s in range(n_seeds):  # summed in seed order, whatever order the jobs finished in
                result = next(results)
                valid_pred = valid_pred + result.valid / n_seeds
                test_pred = test_pred + result.test / n_seeds
                if writer is not None:
                    writer.save_files(result.files)
            oof[valid_rows] = valid_pred
            test += test_pred / len(splits)
            fold_scores.append(metric(data.y[valid_rows], valid_pred))
            if on_fold is not None:
                on_fold(k, fold_scores[-1])
        next(results, None)  # run the executor to its end: closing it early would stop its workers
    finally:
        results.close()  # stops the remaining jobs when a fold fails or a trial is pruned
    return ModelRun(model=model_name, metric=metric.name, fold_scores=fold_scores,
                    cv_score=float(np.mean(fold_scores)), cv_std=float(np.std(fold_scores)),
                    seconds=round(time.perf_counter() - started, 2), seed=seed, n_seeds=n_seeds,
                    folds_fingerprint=folds_fingerprint(folds), params=builder_params(model_spec.build, params),
                    estimator_params=estimator_params(prototype), oof=oof, test=test)
