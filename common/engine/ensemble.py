"""Blending models from their OOF predictions, with honest (out-of-fold) ensemble scores.

A blender sees only the predictions of the base models. Anything it fits (weights, a level-2
model) is fitted once per fold on the *other* folds' OOF rows and scored on the held-out fold,
the same folds the base models used; that is the ensemble CV we report. The test prediction
comes from the blender fitted on all OOF rows.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from ..core.errors import KitError
from ..core.metrics import LABEL_METRICS, MEDIAN_METRICS, Metric
from ..data.folds import fold_indices
from ..spec import FoldScheme
from .artifacts import ModelRun

EPS = 1e-6


def _loss(task: str, y: np.ndarray, pred: np.ndarray, metric: Metric | None = None) -> float:
    """A surrogate to fit weights on: log loss for classes, squared error for values (absolute
    error where the metric is a median's)."""
    if task == "regression":
        if metric is not None and metric.name in MEDIAN_METRICS:
            return float(np.mean(np.abs(y - pred)))
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

    def fit(self, P, y, task, metric):
        self.weights_ = np.full(P.shape[1], 1 / P.shape[1])
        return self

    def predict(self, P):
        return _combine(P, self.weights_)


class WeightedBlend(MeanBlend):
    """Non-negative weights summing to one, fitted to minimise the task's loss on OOF rows."""

    name = "weighted"

    def fit(self, P, y, task, metric):
        m = P.shape[1]
        start = np.full(m, 1 / m)
        # relative to the mean blend's loss: SLSQP's tolerance is absolute, and a small loss
        # (e.g. MSE of log prices, ~0.01) would otherwise stop it at the starting point
        scale = max(_loss(task, y, _combine(P, start), metric), 1e-12)
        result = minimize(lambda w: _loss(task, y, _combine(P, w), metric) / scale, start, method="SLSQP",
                          bounds=[(0, 1)] * m, constraints={"type": "eq", "fun": lambda w: w.sum() - 1},
                          options={"ftol": 1e-10, "maxiter": 500})
        weights = np.clip(result.x, 0, None)
        self.weights_ = weights / weights.sum()
        return self


class GreedySelection(MeanBlend):
    """Ensemble selection (Caruana et al., 2004): add, with replacement, the model that most
    improves the metric, for ``steps`` rounds; keep the best round's model counts as weights."""

    name = "greedy"

    def __init__(self, steps: int = 40):
        self.steps = steps

    def fit(self, P, y, task, metric):
        counts = np.zeros(P.shape[1])
        best_score, best_counts = None, None
        sign = 1 if metric.greater_is_better else -1  # larger signed scores are better
        for _ in range(self.steps):
            candidates = []
            for j in range(P.shape[1]):
                blended = _combine(P, (counts + np.eye(len(counts))[j]) / (counts.sum() + 1))
                # ties on a coarse metric (accuracy) go to the candidate with the lower smooth loss
                candidates.append((sign * metric(y, blended), -_loss(task, y, blended, metric), j))
            score, _, j = max(candidates, key=lambda c: c[:2])
            counts[j] += 1
            if best_score is None or score > best_score:
                best_score, best_counts = score, counts.copy()
        self.weights_ = best_counts / best_counts.sum()
        return self


class RankBlend(MeanBlend):
    """Average of each model's rank (its ECDF learned on the fit rows), mapped back to the
    prediction scale through the mean blend's quantiles, so thresholds keep their meaning."""

    name = "rank"

    def fit(self, P, y, task, metric):
        if P.ndim != 2:
            raise KitError("rank averaging works on one prediction per row, not on class matrices.")
        super().fit(P, y, task, metric)
        self.sorted_ = np.sort(P, axis=0)
        self.quantiles_ = np.sort(_combine(P, self.weights_))
        return self

    def predict(self, P):
        ranks = np.column_stack([np.searchsorted(self.sorted_[:, j], P[:, j], side="right") / len(self.sorted_)
                                 for j in range(P.shape[1])]).mean(axis=1)
        return np.quantile(self.quantiles_, np.clip(ranks, 0, 1))


class Stacking(MeanBlend):
    """A level-2 model on the OOF predictions: logistic regression on their logits (classes) or
    non-negative ridge regression (values)."""

    name = "stacking"

    def _features(self, P):
        if self.task_ == "regression":
            return P
        P = np.clip(P, EPS, 1 - EPS)
        logits = np.log(P / (1 - P))
        return logits.reshape(len(P), -1)

    def fit(self, P, y, task, metric):
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.task_ = task
        if np.ndim(y) == 2:  # several targets: one level-2 model per target column
            self.per_target_ = [Stacking().fit(P[:, :, j], y[:, j], task, metric) for j in range(y.shape[1])]
            self.weights_ = np.mean([s.weights_ for s in self.per_target_], axis=0)
            return self
        self.per_target_ = None
        # logits standardised: clipped 0/1 probabilities of trees (logit ±13.8) beside a smooth
        # model's leave lbfgs ill-conditioned, and it stops before converging
        self.model_ = Ridge(alpha=1.0, positive=True) if task == "regression" else \
            make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
        self.model_.fit(self._features(P), y)
        # report each model's share of the absolute coefficients as its "weight"
        n_classes = P.shape[2] if P.ndim == 3 else 1
        coef = np.abs(self.model_[-1].coef_ if task != "regression" else self.model_.coef_)
        coef = coef.reshape(-1, P.shape[1], n_classes).sum(axis=(0, 2))
        self.weights_ = coef / coef.sum() if coef.sum() > 0 else np.full(P.shape[1], 1 / P.shape[1])
        return self

    def predict(self, P):
        if self.per_target_ is not None:
            return np.column_stack([s.predict(P[:, :, j]) for j, s in enumerate(self.per_target_)])
        X = self._features(P)
        if self.task_ == "regression":
            return self.model_.predict(X)
        proba = self.model_.predict_proba(X)
        return proba[:, 1] if self.task_ == "binary" else proba


class BestSingle(MeanBlend):
    """The one model that scores best on the fit rows: chosen inside each fold like any blend's
    weights, so its CV counts the choice and competes with the blends on equal terms."""

    name = "best"

    def fit(self, P, y, task, metric):
        scores = [metric(y, P[:, j]) for j in range(P.shape[1])]
        best = max(range(len(scores)), key=lambda j: scores[j] if metric.greater_is_better else -scores[j])
        self.weights_ = np.eye(P.shape[1])[best]
        return self


class OrdinalCuts(WeightedBlend):
    """For quadratic weighted kappa on ordered classes: the weighted blend's expected class index,
    cut into classes at points fitted to maximise kappa on the fit rows. Kappa rewards being near
    the true class, which the most likely class ignores. Predicts one-hot rows, so the argmax
    that writes the submission gives the cut's class."""

    name = "cuts"
    passes, candidates = 3, 64

    def fit(self, P, y, task, metric):
        super().fit(P, y, task, metric)
        k = P.shape[2]
        score = _expected_index(super().predict(P))
        y = np.asarray(y).astype(int)
        cuts = np.arange(k - 1) + 0.5
        for _ in range(self.passes):  # coordinate ascent: each cut in turn, between its neighbours
            for j in range(k - 1):
                low, high = (cuts[j - 1] if j else -np.inf), (cuts[j + 1] if j < k - 2 else np.inf)
                inside = score[(score > low) & (score < high)]
                if not len(inside):
                    continue
                trials = np.unique(np.quantile(inside, np.linspace(0, 1, self.candidates)))
                kappas = [_kappa(y, np.searchsorted(np.r_[cuts[:j], t, cuts[j + 1:]], score), k) for t in trials]
                best = trials[int(np.argmax(kappas))]
                if _kappa(y, np.searchsorted(np.r_[cuts[:j], best, cuts[j + 1:]], score), k) > \
                        _kappa(y, np.searchsorted(cuts, score), k):
                    cuts[j] = best
        self.cuts_ = cuts
        return self

    def predict(self, P):
        labels = np.searchsorted(self.cuts_, _expected_index(super().predict(P)))
        return np.eye(P.shape[2])[labels]


class Threshold(WeightedBlend):
    """For label metrics of one binary target (F1, MCC, accuracy): the weighted blend, with the
    threshold that scores best on the fit rows. Predictions are remapped, monotonically, so that
    threshold lands at 0.5, where labels are cut: ranks (AUC) are unchanged."""

    name = "threshold"

    def fit(self, P, y, task, metric):
        super().fit(P, y, task, metric)
        p = super().predict(P)
        trials = np.unique(np.quantile(p, np.linspace(0.02, 0.98, 97)))
        scores = [metric(y, (p >= t).astype(float)) for t in trials]
        self.threshold_ = float(trials[int(np.argmax(scores) if metric.greater_is_better else np.argmin(scores))])
        return self

    def predict(self, P):
        p, t = super().predict(P), min(max(self.threshold_, EPS), 1 - EPS)
        return np.where(p < t, 0.5 * p / t, 0.5 + 0.5 * (p - t) / (1 - t))


class Calibrated(WeightedBlend):
    """For log loss: the weighted blend with one temperature fitted on the fit rows (probabilities
    raised to 1/T and renormalised), which undoes a blend's over- or under-confidence without
    changing any row's ranking of the classes."""

    name = "calibrated"

    def fit(self, P, y, task, metric):
        from scipy.optimize import minimize_scalar

        super().fit(P, y, task, metric)
        p = super().predict(P)
        self.temperature_ = 1.0
        fitted = minimize_scalar(lambda t: _loss(task, y, _tempered(p, t)), bounds=(0.2, 5.0), method="bounded")
        if fitted.success and _loss(task, y, _tempered(p, fitted.x)) < _loss(task, y, p):
            self.temperature_ = float(fitted.x)
        return self

    def predict(self, P):
        return _tempered(super().predict(P), self.temperature_)


def _tempered(p: np.ndarray, temperature: float) -> np.ndarray:
    logp = np.log(np.clip(p if p.ndim == 2 else np.column_stack([1 - p, p]), EPS, 1)) / temperature
    q = np.exp(logp - logp.max(axis=1, keepdims=True))
    q /= q.sum(axis=1, keepdims=True)
    return q if p.ndim == 2 else q[:, 1]


def _expected_index(proba: np.ndarray) -> np.ndarray:
    return proba @ np.arange(proba.shape[1])


def _kappa(y: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Quadratic weighted kappa from the confusion matrix (fast enough to search cut points with)."""
    observed = np.bincount(y * k + labels, minlength=k * k).reshape(k, k).astype(float)
    weights = (np.subtract.outer(np.arange(k), np.arange(k)) ** 2).astype(float)
    expected = np.outer(observed.sum(1), observed.sum(0)) / max(observed.sum(), 1)
    denominator = (weights * expected).sum()
    return 1 - (weights * observed).sum() / denominator if denominator else 0.0


BLENDERS = {b.name: b for b in (MeanBlend, WeightedBlend, RankBlend, GreedySelection, Stacking, BestSingle,
                                OrdinalCuts, Threshold, Calibrated)}


def available_blenders(task: str, n_targets: int = 1, metric: str | None = None) -> list[str]:
    # rank averaging needs one score per row, and its quantile mapping cannot leave the range of
    # the training predictions, which a regression (a rising series, say) may need to
    def fits(name):
        if name == "rank":
            return task == "binary" and n_targets == 1
        if name == "cuts":
            return task == "multiclass" and n_targets == 1 and metric == "qwk"
        if name == "calibrated":
            return task != "regression" and n_targets == 1 and metric == "logloss"
        if name == "threshold":
            return task == "binary" and n_targets == 1 and metric in LABEL_METRICS
        return True
    return [name for name in BLENDERS if fits(name)]


@dataclass
class EnsembleResult:
    method: str
    cv_score: float
    fold_scores: list[float]
    oof: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)
    weights: dict[str, float] = field(default_factory=dict)


def check_data(run: ModelRun, current_hash: str, slug: str) -> None:
    """Refuse a run trained on other raw files than those in data/<slug>/raw/ now."""
    check_same_data([run], current_hash, slug)


def check_same_data(runs: list[ModelRun], current_hash: str, slug: str) -> None:
    stale = [r.model for r in runs if r.data_hash != current_hash]
    if stale:
        unknown = all(not r.data_hash for r in runs if r.model in stale)
        why = ("records no data hash (trained before the kit recorded one), so it may be of other data than"
               if unknown else "trained on other data than")
        raise KitError(f"{', '.join(stale)} of {slug}: {why} the files now in data/{slug}/raw/ (downloaded "
                       f"again since?); predictions of different data must not be mixed. Retrain: "
                       f"invoke train --comp={slug} --model={','.join(stale)}")


def check_compatible(runs: list[ModelRun], folds_fingerprint: str, current_hash: str | None = None,
                     slug: str = "COMP") -> None:
    """Refuse to blend models whose OOF predictions come from different folds or data."""
    if current_hash is not None:
        check_same_data(runs, current_hash, slug)
    stale = [r.model for r in runs if r.folds_fingerprint != folds_fingerprint]
    if stale:
        raise KitError(f"models {', '.join(stale)} were trained on other folds than the current folds file; "
                       f"their OOF predictions are not comparable. Retrain them: "
                       f"invoke train --comp={slug} --model={','.join(stale)}")
    shapes = {r.model: r.oof.shape for r in runs}
    if len(set(shapes.values())) != 1:
        raise KitError(f"models disagree on the OOF shape: {shapes}; retrain them on the current data: "
                       f"invoke train --comp={slug} --model={','.join(shapes)}")


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
        blender = (blender_cls() if len(train_rows) else MeanBlend()).fit(P[train_rows], y[train_rows], task, metric)
        oof[valid_rows] = blender.predict(P[valid_rows])
        scores.append(metric(y[valid_rows], oof[valid_rows]))
    validated = folds != -1
    final = blender_cls().fit(P[validated], y[validated], task, metric)
    return EnsembleResult(method=method, cv_score=float(np.mean(scores)), fold_scores=scores, oof=oof,
                          test=final.predict(P_test),
                          weights={r.model: round(float(w), 4) for r, w in zip(runs, final.weights_)})
