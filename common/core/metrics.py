"""Competition metrics, computed from raw predictions (probabilities or values, never labels).

Binary predictions are P(class 1); multiclass ones are an (n, k) probability matrix over the
classes in sorted order. Metrics that need labels threshold at 0.5 or take the argmax
themselves, so OOF files stay unthresholded. With several targets (``y_true`` of shape (n, t))
a metric is the mean of its value on each column, as Kaggle's "mean column-wise" metrics are.
"""

import re
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


def _gini(y, p):
    return 2 * _auc(y, p) - 1


def _mape(y, p):
    return float(np.mean(np.abs(y - p) / np.maximum(np.abs(y), 1e-12)))


def _smape(y, p):
    """In per cent, as Kaggle writes it; a row where both are 0 counts 0."""
    denominator = np.abs(y) + np.abs(p)
    ratio = np.divide(2 * np.abs(p - y), denominator, out=np.zeros(len(y)), where=denominator > 0)
    return float(100 * np.mean(ratio))


def _pearson(y, p):
    if np.std(p) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(y, p)[0, 1])


def _map_at(k: int):
    def score(y, p):
        p = np.asarray(p)
        p = np.column_stack([1 - p, p]) if p.ndim == 1 else p
        top = np.argsort(-p, axis=1, kind="stable")[:, :k]  # ties: the earlier class first
        hits = top == np.asarray(y).astype(int)[:, None]
        return float((hits / np.arange(1, top.shape[1] + 1)).sum(axis=1).mean())
    return score


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
    Metric("gini", _gini, True, "normalised Gini coefficient, 2 AUC - 1"),
    Metric("micro_f1", lambda y, p: skm.f1_score(y, predicted_labels(p), average="micro"), True,
           "F1 over all rows' labels together (with one label per row: accuracy)"),
    Metric("medae", skm.median_absolute_error, False, "median absolute error"),
    Metric("mape", _mape, False, "mean absolute percentage error (a share: 0.1 is 10%)"),
    Metric("smape", _smape, False, "symmetric mean absolute percentage error, in per cent"),
    Metric("mcrmse", _rmse, False, "mean over the target columns of each column's RMSE"),
    Metric("pearson", _pearson, True, "Pearson correlation between predictions and targets"),
)}
MAP_AT_K = "map@K"  # any K: the mean average precision of the K most likely labels per row
MEDIAN_METRICS = ("mae", "medae")  # won by a median: models learn, and blends fit, the absolute error
LABEL_METRICS = ("accuracy", "balanced_accuracy", "f1", "macro_f1", "micro_f1", "qwk", "mcc")

# other spellings users and Kaggle's Evaluation pages use, after lowercasing and dropping ' ', '-', '_'
_ALIASES = {"rocauc": "auc", "areaunderroccurve": "auc", "areaunderthecurve": "auc", "normalizedgini": "gini",
            "normalisedgini": "gini", "logloss": "logloss", "multiclasslogloss": "logloss", "binarylogloss": "logloss",
            "crossentropy": "logloss", "balancedaccuracy": "balanced_accuracy", "categorizationaccuracy": "accuracy",
            "f1score": "f1", "meanf1score": "f1", "macrof1": "macro_f1", "f1macro": "macro_f1", "microf1": "micro_f1",
            "f1micro": "micro_f1", "quadraticweightedkappa": "qwk", "kappa": "qwk", "cohenkappa": "qwk",
            "matthewscorrelationcoefficient": "mcc", "rootmeansquarederror": "rmse",
            "rootmeansquaredlogarithmicerror": "rmsle", "rootmeansquaredlogerror": "rmsle",
            "meanabsoluteerror": "mae", "medianabsoluteerror": "medae", "meanabsolutepercentageerror": "mape",
            "symmetricmeanabsolutepercentageerror": "smape", "meancolumnwiserootmeansquarederror": "mcrmse",
            "pearsonr": "pearson", "pearsoncorrelation": "pearson", "pearsoncorrelationcoefficient": "pearson",
            "rsquared": "r2", "coefficientofdetermination": "r2"}


def metric_name(name: str) -> str:
    """The kit's name of a metric as a user or Kaggle writes it ('MAP@3', 'ROC AUC', 'Log Loss')."""
    text = str(name).strip().lower()
    squeezed = "".join(ch for ch in text if ch not in " -_")
    if at := re.fullmatch(r"(?:map|meanaverageprecision)@?(\d+)", squeezed):
        if int(at[1]) >= 1:
            return f"map@{int(at[1])}"
    if text in METRICS:
        return text
    if squeezed in METRICS or squeezed in _ALIASES:
        return _ALIASES.get(squeezed, squeezed)
    raise KitError(f"unknown metric '{name}'; the kit knows:\n{metric_list()}")


def metric_list() -> str:
    """One line per metric, for ``invoke new --metric=?`` and unknown names."""
    rows = [(m.name, m.description) for m in METRICS.values()]
    rows.append((MAP_AT_K, "mean average precision at K: the K most likely labels per row, in order (map@3)"))
    return "\n".join(f"  {name:<18} {'higher' if name == MAP_AT_K or METRICS[name].greater_is_better else 'lower'}"
                     f" is better: {text}" for name, text in rows)


def get_metric(name: str) -> Metric:
    name = metric_name(name)
    if name.startswith("map@"):
        k = int(name[4:])
        return Metric(name, _map_at(k), True, f"mean average precision of the {k} most likely labels per row")
    return METRICS[name]
