"""Blending models from their OOF predictions, with honest (out-of-fold) ensemble scores.

A blender sees only the predictions of the base models. Anything it fits (weights, a level-2
model) is fitted once per fold on the *other* folds' OOF rows and scored on the held-out fold,
the same folds the base models used; that is the ensemble CV we report. The test prediction
comes from the blender fitted on all OOF rows.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from .artifacts import ModelRun
from .errors import KitError
from .folds import fold_indices
from .metrics import Metric
from .spec import FoldScheme

EPS = 1e-6


def _loss(task: str, y: np.ndarray, pred: np.ndarray) -> float:
    """A smooth surrogate to fit weights on: log loss for classes, squared error for values."""
    if task == "regression":
        return float(np.mean((y - pred) ** 2))
    pred = np.clip(pred, EPS, 1 - EPS)
    if task == "binary":
        return float(-np.mean(y * np.log(pred) + (1 - y) * np.log(1 - pred)))
    return float(-np.mean(np.log(pred[np.arange(len(y)), y.astype(int)])))


def _combine(P: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum over the model axis (axis 1) of (n, m) or (n, m, k) predictions."""
    return np.tensordot(P, weights, axes=([1], [0])) if P.ndim == 2 else np.einsum("nmk,m->nk", P, weights)


class MeanBlend:
    """The plain mean of all models: nothing to fit, hard to overfit."""

    name = "mean"

    def fit(self, P, y, task):
        self.weights_ = np.full(P.shape[1], 1 / P.shape[1])
        return self

    def predict(self, P):
        return _combine(P, self.weights_)


class WeightedBlend(MeanBlend):
    """Non-negative weights summing to one, fitted to minimise the task's loss on OOF rows."""

    name = "weighted"

    def fit(self, P, y, task):
        m = P.shape[1]
        result = minimize(lambda w: _loss(task, y, _combine(P, w)), np.full(m, 1 / m), method="SLSQP",
                          bounds=[(0, 1)] * m, constraints={"type": "eq", "fun": lambda w: w.sum() - 1})
        weights = np.clip(result.x, 0, None)
        self.weights_ = weights / weights.sum()
        return self


BLENDERS = {b.name: b for b in (MeanBlend, WeightedBlend)}


@dataclass
class EnsembleResult:
    method: str
    cv_score: float
    fold_scores: list[float]
    oof: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)
    weights: dict[str, float] = field(default_factory=dict)


def check_compatible(runs: list[ModelRun], folds_fingerprint: str) -> None:
    """Refuse to blend models whose OOF predictions come from different folds."""
    if not runs:
        raise KitError("there are no trained models to blend; run: invoke train --comp=SLUG")
    stale = [r.model for r in runs if r.folds_fingerprint != folds_fingerprint]
    if stale:
        raise KitError(f"models {', '.join(stale)} were trained on other folds than the current folds file; "
                       f"their OOF predictions are not comparable. Retrain them: invoke train --model={','.join(stale)}")
    shapes = {r.model: r.oof.shape for r in runs}
    if len(set(shapes.values())) != 1:
        raise KitError(f"models disagree on the OOF shape: {shapes}; retrain them on the current data.")


def blend(method: str, runs: list[ModelRun], y: np.ndarray, folds: np.ndarray, scheme: FoldScheme,
          metric: Metric, task: str, order=None) -> EnsembleResult:
    """Score ``method`` out of fold, then fit it on all OOF rows for the test prediction."""
    P = np.stack([r.oof for r in runs], axis=1)
    P_test = np.stack([r.test for r in runs], axis=1)
    blender_cls = BLENDERS[method]
    oof = np.full(runs[0].oof.shape, np.nan)
    scores = []
    for _, train_rows, valid_rows in fold_indices(folds, scheme, order):
        train_rows = train_rows[folds[train_rows] != -1]  # rows that have OOF predictions
        # the first fold of a time split has no earlier OOF rows to fit on: fall back to the mean
        blender = (blender_cls() if len(train_rows) else MeanBlend()).fit(P[train_rows], y[train_rows], task)
        oof[valid_rows] = blender.predict(P[valid_rows])
        scores.append(metric(y[valid_rows], oof[valid_rows]))
    validated = folds != -1
    final = blender_cls().fit(P[validated], y[validated], task)
    return EnsembleResult(method=method, cv_score=float(np.mean(scores)), fold_scores=scores, oof=oof,
                          test=final.predict(P_test),
                          weights={r.model: round(float(w), 4) for r, w in zip(runs, final.weights_)})
