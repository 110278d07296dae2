"""Competition metrics, computed from raw predictions (probabilities or values, never labels).

Binary predictions are P(class 1); multiclass ones are an (n, k) probability matrix over the
classes in sorted order. Metrics that need labels threshold at 0.5 or take the argmax
themselves, so OOF files stay unthresholded. With several targets (``y_true`` of shape (n, t))
a metric is the mean of its value on each column, as Kaggle's "mean column-wise" metrics are.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn import metrics as skm

from .errors import KitError


def predicted_labels(y_pred: np.ndarray) -> np.ndarray:
    """Class indices from predictions: argmax of a probability matrix, P(class 1) >= 0.5."""
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        return y_pred.argmax(axis=1)
    if y_pred.dtype.kind in "iub":  # already labels, e.g. read from a submission file
        return y_pred
    return (y_pred >= 0.5).astype(int)


def _rmse(y, p):
    return np.sqrt(skm.mean_squared_error(y, p))


def _auc(y, p):
    return skm.roc_auc_score(y, p, multi_class="ovr") if np.ndim(p) == 2 else skm.roc_auc_score(y, p)


def _logloss(y, p):
    if np.ndim(p) == 2:  # as Kaggle scores it: clipped, then each row divided by its sum
        p = np.clip(p, 1e-15, 1 - 1e-15)
        return skm.log_loss(y, p / p.sum(axis=1, keepdims=True), labels=np.arange(p.shape[1]))
    return skm.log_loss(y, p, labels=[0, 1])


@dataclass(frozen=True)
class Metric:
    """A named score. ``log_target``: models learn log1p(target) and predictions are mapped back
    with expm1, so the RMSE of the learnt values is the competition's RMSLE."""

    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    greater_is_better: bool
    description: str = ""
    log_target: bool = False

    def __call__(self, y_true, y_pred) -> float:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if y_true.ndim == 2:  # several targets: the mean over columns
            return float(np.mean([self.fn(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])]))
        return float(self.fn(y_true, y_pred))

    def is_better(self, a: float, b: float) -> bool:
        """True when score ``a`` beats score ``b``."""
        return a > b if self.greater_is_better else a < b

    def best_by_cv(self, results):
        """The result (anything with a ``cv_score``) that scores best by this metric."""
        return (max if self.greater_is_better else min)(results, key=lambda r: r.cv_score)


METRICS = {m.name: m for m in (
    Metric("accuracy", lambda y, p: skm.accuracy_score(y, predicted_labels(p)), True,
           "share of rows whose predicted label is right"),
    Metric("balanced_accuracy", lambda y, p: skm.balanced_accuracy_score(y, predicted_labels(p)), True,
           "mean of the recall of each class"),
    Metric("f1", lambda y, p: skm.f1_score(y, predicted_labels(p)), True,
           "harmonic mean of precision and recall of class 1"),
    Metric("macro_f1", lambda y, p: skm.f1_score(y, predicted_labels(p), average="macro"), True,
           "mean F1 over the classes"),
    Metric("qwk", lambda y, p: skm.cohen_kappa_score(y, predicted_labels(p), weights="quadratic"), True,
           "quadratic weighted kappa between ordered labels"),
    Metric("mcc", lambda y, p: skm.matthews_corrcoef(y, predicted_labels(p)), True,
           "Matthews correlation of the labels"),
    Metric("auc", _auc, True, "area under the ROC curve: how well probabilities rank the rows"),
    Metric("logloss", _logloss, False, "log loss of the predicted probabilities"),
    Metric("rmse", _rmse, False, "root mean squared error"),
    Metric("rmsle", _rmse, False, "root mean squared error of log1p(values)", log_target=True),
    Metric("mae", skm.mean_absolute_error, False, "mean absolute error"),
    Metric("r2", skm.r2_score, True, "coefficient of determination"),
)}
LABEL_METRICS = ("accuracy", "balanced_accuracy", "f1", "macro_f1", "qwk", "mcc")


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KitError(f"unknown metric '{name}'; known metrics: {', '.join(sorted(METRICS))}") from None
