"""Feature importance of a trained model, averaged over its saved fold models.

Where the model's last step has ``feature_importances_`` (trees) or ``coef_`` (linear models),
those are used, named by the pipeline's output features. Otherwise a permutation importance on
a small sample of each fold's own validation rows (never rows the fold model trained on),
for as many folds as fit in a few seconds.
Keras models are skipped: loading TensorFlow and predicting per permuted column costs more
than a report should.
"""

import re
import time

import numpy as np
import pandas as pd

from ..engine.artifacts import load_fold_model
from ..engine.cv import predict_values

MAX_ROWS = 200  # validation rows per fold for permutation importance
MAX_COLUMNS = 100  # wider inputs are not permuted (too slow for a report)
PERMUTATION_SECONDS = 5.0  # after this, no further fold is permuted (the mean is over the folds done)
_FOLD = re.compile(r"^fold(\d+)(?:-seed\d+)?$")


def _final_step(estimator):
    steps = getattr(estimator, "steps", None)
    return (steps[-1][1], estimator[:-1] if len(steps) > 1 else None) if steps else (estimator, None)


def _output_names(head, n: int) -> list[str] | None:
    """Names of the features the final step sees: from the last step of the pipeline's head
    that can name its outputs (custom steps before a ColumnTransformer often cannot)."""
    if head is None:
        return None
    for step in [head, *[s for _, s in reversed(getattr(head, "steps", []))]]:
        try:
            names = list(step.get_feature_names_out())
        except Exception:  # this step cannot name its outputs; try the one before
            continue
        if len(names) == n:
            return names
    return None


def _builtin(estimator, columns) -> pd.Series | None:
    model, head = _final_step(estimator)
    if hasattr(model, "feature_importances_"):
        values, kind = np.asarray(model.feature_importances_, dtype=float), "impurity/gain"
    elif hasattr(model, "coef_") and np.ndim(model.coef_) >= 1:
        coef = np.abs(np.atleast_2d(np.asarray(model.coef_, dtype=float)))
        values, kind = coef.mean(axis=0), "|coefficient|"
    else:
        return None
    names = _output_names(head, len(values))
    if names is None or len(names) != len(values):
        names = list(columns) if len(columns) == len(values) else [f"feature {i}" for i in range(len(values))]
    series = pd.Series(values, index=[str(n) for n in names])
    series.attrs["kind"] = kind
    return series


def _permutation(estimator, X, y, metric, task, seed) -> pd.Series:
    from sklearn.inspection import permutation_importance

    sign = 1 if metric.greater_is_better else -1
    result = permutation_importance(estimator, X, y, n_repeats=1, random_state=seed,
                                    scoring=lambda est, X_, y_: sign * metric(y_, predict_values(est, X_, task)))
    series = pd.Series(result.importances_mean, index=[str(c) for c in X.columns])
    series.attrs["kind"] = "permutation"
    return series


def model_importance(folder, X: pd.DataFrame, y: np.ndarray, folds: np.ndarray, metric, task: str,
                     seed: int = 0) -> pd.Series | None:
    """Mean over fold models of each fold's importances (scaled to sum 1 in absolute value);
    None for Keras models or when nothing can be computed cheaply."""
    names = sorted(p.stem for p in folder.glob("fold*.joblib") if _FOLD.match(p.stem))
    if not names or any(folder.glob("fold*.keras")):
        return None
    per_fold, kind = [], None
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for name in names:
        estimator = load_fold_model(folder, name)
        series = _builtin(estimator, X.columns)
        if series is None:
            if X.shape[1] > MAX_COLUMNS:
                return None
            if per_fold and time.perf_counter() - started > PERMUTATION_SECONDS:
                break
            rows = np.flatnonzero(folds == int(_FOLD.match(name).group(1)))
            rows = np.sort(rng.choice(rows, size=min(MAX_ROWS, len(rows)), replace=False))
            series = _permutation(estimator, X.iloc[rows], y[rows], metric, task, seed)
        kind = series.attrs["kind"]
        total = series.abs().sum()
        per_fold.append(series / total if total > 0 else series)
    mean = pd.concat(per_fold, axis=1).fillna(0.0).mean(axis=1)
    mean.attrs["kind"] = kind if len(per_fold) == len(names) else f"{kind}, {len(per_fold)} of {len(names)} folds"
    return mean
