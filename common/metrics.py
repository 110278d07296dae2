"""Competition metrics, computed from raw predictions (probabilities or values, never labels).

Binary predictions are P(class 1); multiclass ones are an (n, k) probability matrix. Metrics that
need labels threshold at 0.5 or take the argmax themselves, so OOF files stay unthresholded.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn import metrics as skm

from .errors import KitError


def predicted_labels(y_pred: np.ndarray) -> np.ndarray:
    """Class labels from predictions: argmax of a probability matrix, P(class 1) >= 0.5."""
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        return y_pred.argmax(axis=1)
    if y_pred.dtype.kind in "iub":  # already labels, e.g. read from a submission file
        return y_pred
    return (y_pred >= 0.5).astype(int)


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    greater_is_better: bool

    def __call__(self, y_true, y_pred) -> float:
        return float(self.fn(np.asarray(y_true), np.asarray(y_pred)))

    def is_better(self, a: float, b: float) -> bool:
        """True when score ``a`` beats score ``b``."""
        return a > b if self.greater_is_better else a < b

    def best_by_cv(self, results):
        """The result (anything with a ``cv_score``) that scores best by this metric."""
        return (max if self.greater_is_better else min)(results, key=lambda r: r.cv_score)


METRICS = {
    "accuracy": Metric("accuracy", lambda y, p: skm.accuracy_score(y, predicted_labels(p)), True),
    "f1": Metric("f1", lambda y, p: skm.f1_score(y, predicted_labels(p)), True),
    "auc": Metric("auc", skm.roc_auc_score, True),
    "logloss": Metric("logloss", skm.log_loss, False),
    "rmse": Metric("rmse", lambda y, p: np.sqrt(skm.mean_squared_error(y, p)), False),
    "mae": Metric("mae", skm.mean_absolute_error, False),
}


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KitError(f"unknown metric '{name}'; known metrics: {', '.join(sorted(METRICS))}") from None
