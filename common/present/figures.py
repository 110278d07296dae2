"""The report's figures, one function each, returning a matplotlib ``Figure``.

They draw from plain inputs (model runs, OOF arrays, records), so a notebook can call them
directly; ``common.present.html_report.report_figures(spec, paths)`` gathers them for a competition.
matplotlib is imported inside the functions (and never pyplot: no GUI backend, no global state).
"""

import numpy as np

MAX_BARS = 15  # features per model in the importance figure


def _figure(width=7.0, height=3.8, ncols=1, nrows=1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _finite_rows(*arrays):
    """Rows that have a prediction in every array (a time split's first block has none)."""
    keep = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        a = np.asarray(a, dtype=float)
        keep &= np.isfinite(a.reshape(len(a), -1)).all(axis=1)
    return keep


def fold_scores_figure(runs, metric: str, extra: dict | None = None):
    """Each model's score on each fold (points joined by a line), the CV mean in the legend;
    ``extra`` adds named fold scores (e.g. the chosen ensemble)."""
    fig, [[ax]] = _figure()
    series = {r.model: r.fold_scores for r in runs} | (extra or {})
    for name, scores in series.items():
        ax.plot(range(len(scores)), scores, marker="o", label=f"{name} ({np.mean(scores):.4f})")
    n = max(len(s) for s in series.values())
    ax.set_xticks(range(n), [f"fold {k}" for k in range(n)])
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per fold (CV mean in brackets)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def confusion_matrix_figure(y, pred, title: str = "OOF confusion matrix", labels=None):
    """Counts of true against predicted class, predictions taken at 0.5 / argmax."""
    from sklearn.metrics import confusion_matrix

    from ..core.metrics import predicted_labels

    keep = _finite_rows(pred)
    y, pred = np.asarray(y)[keep], np.asarray(pred)[keep]
    predicted = predicted_labels(pred)
    classes = np.unique(np.concatenate([y, predicted]).astype(int))
    matrix = confusion_matrix(y.astype(int), predicted, labels=classes)
    size = 3.2 + 0.35 * len(classes)
    fig, [[ax]] = _figure(size + 1, size)
    image = ax.imshow(matrix, cmap="Blues")
    names = [str(labels[c]) if labels is not None else str(c) for c in classes]
    ax.set_xticks(range(len(classes)), names)
    ax.set_yticks(range(len(classes)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max() / 2
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] > threshold else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title)
    return fig


def roc_figure(y, predictions: dict, task: str):
    """ROC curves of OOF predictions: one per model (binary), or one per class, one-vs-rest, of
    the first predictions given (multiclass)."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, [[ax]] = _figure(6, 4.6)
    y = np.asarray(y)
    if task == "binary":
        curves = {name: (y, p) for name, p in predictions.items()}
    else:
        name, p = next(iter(predictions.items()))
        curves = {f"class {c}": ((y == c).astype(int), np.asarray(p)[:, i]) for i, c in enumerate(np.unique(y))}
        ax.set_title(f"ROC, one class against the rest ({name})")
    for label, (truth, score) in curves.items():
        keep = _finite_rows(score)
        fpr, tpr, _ = roc_curve(truth[keep], score[keep])
        ax.plot(fpr, tpr, label=f"{label} (AUC {roc_auc_score(truth[keep], score[keep]):.3f})", lw=1.3)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    if task == "binary":
        ax.set_title("ROC of the OOF predictions")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def residuals_figure(y, predictions: dict):
    """Residual (true − predicted) against prediction, one panel per model (at most four)."""
    items = list(predictions.items())[:4]
    fig, axes = _figure(3.4 * len(items), 3.4, ncols=len(items))
    y = np.asarray(y, dtype=float)
    for ax, (name, p) in zip(axes[0], items):
        p = np.asarray(p, dtype=float)
        keep = _finite_rows(p)
        residual = y[keep] - p[keep]
        ax.scatter(p[keep], residual, s=6, alpha=0.5)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{name}\nRMSE {np.sqrt(np.mean(residual ** 2)):.4f}", fontsize=9)
        ax.set_xlabel("OOF prediction")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("true − predicted")
    return fig


def feature_importance_figure(importances: dict):
    """``{model: pandas Series of importance by feature}``: the top features of each model."""
    items = [(name, s) for name, s in importances.items() if s is not None and len(s)]
    ncols = min(3, len(items))
    nrows = -(-len(items) // ncols)
    fig, axes = _figure(4.4 * ncols, 0.24 * MAX_BARS * nrows + 0.9 * nrows, ncols=ncols, nrows=nrows)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    for ax, (name, series) in zip(axes.flat, items):
        top = series.sort_values(ascending=False).head(MAX_BARS)[::-1]
        ax.barh([_clip(str(i)) for i in top.index], top.to_numpy(), color="tab:blue")
        ax.set_title(f"{name} ({series.attrs.get('kind', 'importance')})", fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    return fig


def _clip(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def oof_correlation_figure(runs):
    """Pearson correlation of the models' OOF predictions (class matrices flattened): models
    that agree less are the ones worth blending."""
    preds = [np.asarray(r.oof, dtype=float).reshape(len(r.oof), -1) for r in runs]
    keep = _finite_rows(*preds)
    matrix = np.corrcoef(np.stack([p[keep].ravel() for p in preds]))
    names = [r.model for r in runs]
    size = 2.6 + 0.5 * len(names)
    fig, [[ax]] = _figure(size + 1.2, size)
    image = ax.imshow(matrix, vmin=min(0.0, float(matrix.min())), vmax=1, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if matrix[i, j] > 0.6 else "white")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title("correlation of OOF predictions")
    return fig


def ensemble_weights_figure(result: dict):
    """Each blend's weight per model (``artifacts/<comp>/_ensemble/result.json``), CV beside it."""
    methods = list(result["methods"])
    models = list(result["models"])
    weights = np.array([[result["methods"][m]["weights"].get(name, 0.0) for name in models] for m in methods])
    fig, [[ax]] = _figure(7, 0.5 * len(methods) + 1.6)
    left = np.zeros(len(methods))
    for j, name in enumerate(models):
        ax.barh(range(len(methods)), weights[:, j], left=left, label=name)
        left += weights[:, j]
    labels = [f"{m}{' (chosen)' if m == result['chosen'] else ''}  CV {result['methods'][m]['cv_score']:.4f}"
              for m in methods]
    ax.set_yticks(range(len(methods)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("weight (stacking: share of |coefficients|)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title("ensemble weights")
    return fig


def cv_vs_public_figure(submissions: list[dict], metric: str):
    """One point per submission: CV score against public score where Kaggle has scored it,
    otherwise the CV score alone, in the order the files were made."""
    scored = [s for s in submissions if s.get("public_score") is not None and s.get("cv_score") is not None]
    fig, [[ax]] = _figure(6, 4)
    if scored:
        cv = np.array([s["cv_score"] for s in scored])
        public = np.array([float(s["public_score"]) for s in scored])
        ax.scatter(cv, public, s=25)
        for s, x, y in zip(scored, cv, public):
            ax.annotate(_clip(s.get("name", ""), 18), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        low, high = min(cv.min(), public.min()), max(cv.max(), public.max())
        pad = (high - low) * 0.1 or 0.01
        ax.plot([low - pad, high + pad], [low - pad, high + pad], ls="--", color="grey", lw=0.8, label="CV = public")
        ax.set_xlabel(f"CV {metric}")
        ax.set_ylabel(f"public {metric}")
        ax.legend(fontsize=7)
        ax.set_title("CV against public leaderboard score")
    else:
        cv = [s["cv_score"] for s in submissions if s.get("cv_score") is not None]
        ax.plot(range(1, len(cv) + 1), cv, marker="o")
        ax.set_xticks(range(1, len(cv) + 1))
        ax.set_xlabel("submission file (oldest first)")
        ax.set_ylabel(f"CV {metric}")
        ax.set_title("CV of each submission file (no public score yet)")
    ax.grid(alpha=0.3)
    return fig


def references_figure(references: list[dict], metric: str):
    """Horizontal bars: the reference scores (``label``, ``score``, ``kind``) and the kit's own."""
    colors = {"baseline": "tab:grey", "leaderboard": "tab:orange", "kit CV": "tab:green", "yours": "tab:blue"}
    fig, [[ax]] = _figure(7, 0.4 * len(references) + 1.4)
    scores = np.array([r["score"] for r in references], dtype=float)
    ax.barh(range(len(references)), scores, color=[colors.get(r["kind"], "tab:green") for r in references])
    ax.set_yticks(range(len(references)), [_clip(f"{r['label']} ({r['kind']})", 48) for r in references], fontsize=8)
    for i, s in enumerate(scores):
        ax.text(s, i, f" {s:.4f}", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, scores.max() * 1.15 if scores.max() > 0 else 1)
    ax.set_xlabel(metric)
    ax.set_title("where you stand (leaderboard: public scores; yours: CV)", fontsize=10)
    return fig
