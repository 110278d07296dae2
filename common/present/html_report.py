"""``invoke report``: one self-contained HTML page about a competition's models.

Everything is read from what the other tasks left (artifacts, folds, submissions and their
sidecars, run records) plus the competition's ``references.json``; nothing is refitted except
the constant baselines. Images are PNGs inlined as base64, with no script and no external
file, so the page reads offline and can be mailed or committed as it is.
"""

import base64
import html
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.config import Paths
from ..core.errors import KitError
from ..core.fileio import read_json, write_text
from ..data.competition_data import load_competition_data
from ..data.folds import fold_indices, load_or_make_folds, time_order
from ..engine.artifacts import ENSEMBLE_DIR, load_run, trained_models
from ..engine.records import runs as run_records
from ..spec import COMPETITIONS_DIR, CompetitionSpec
from . import figures


def references_file(slug: str) -> Path:
    """Leaderboard marks for a competition, written by hand beside its spec (see its README)."""
    return COMPETITIONS_DIR / slug / "references.json"


def leaderboard_marks(slug: str) -> list[dict]:
    """``leaderboard`` (public scores of known submissions) and ``kit_cv`` (the README's CV
    figures for the default models) from the competition's references.json."""
    path = references_file(slug)
    if not path.exists():
        return []
    refs = read_json(path)
    return [{"label": label, "score": float(score), "kind": kind}
            for key, kind in (("leaderboard", "leaderboard"), ("kit_cv", "kit CV"))
            for label, score in refs.get(key, {}).items()]


def baseline_scores(spec: CompetitionSpec, y: np.ndarray, folds: np.ndarray, order=None) -> list[dict]:
    """Constant predictions learned on each training fold and scored on its validation fold:
    the class shares (so the majority class) for classes, the mean for values."""
    metric = spec.metric
    classes = np.unique(y)
    scores = []
    for _, train_rows, valid_rows in fold_indices(folds, spec.folds, order):
        if spec.task == "multiclass":
            shares = np.array([np.mean(y[train_rows] == c) for c in classes])
            pred = np.tile(shares, (len(valid_rows), 1))
        else:
            pred = np.full(len(valid_rows), float(np.mean(y[train_rows])))
        scores.append(metric(y[valid_rows], pred))
    label = "mean of the training target" if spec.task == "regression" else "majority class (class shares)"
    return [{"label": label, "score": float(np.mean(scores)), "kind": "baseline"}]


@dataclass
class ReportData:
    spec: CompetitionSpec
    runs: list
    y: np.ndarray
    folds: np.ndarray
    references: list[dict]
    importances: dict
    ensemble: dict | None = None
    ensemble_oof: np.ndarray | None = None
    submissions: list[dict] = field(default_factory=list)
    records: list = field(default_factory=list)


def gather(spec: CompetitionSpec, paths: Paths, *, importance: bool = True) -> ReportData:
    """Read everything the report shows; a KitError when nothing is trained yet."""
    from .importance import model_importance

    names = [n for n in trained_models(paths, spec.slug) if n in spec.model_names()]
    if not names:
        raise KitError(f"nothing trained for {spec.slug} yet; run: invoke train --comp={spec.slug}")
    if not paths.folds_file(spec.slug).exists():
        raise KitError(f"{paths.folds_file(spec.slug)} is gone, so the OOF predictions cannot be scored; "
                       f"retrain: invoke train --comp={spec.slug}")
    data = load_competition_data(spec, paths)
    folds = load_or_make_folds(spec, paths, data.train_ids, data.y, data.X, seed=0)
    runs = [load_run(paths, spec.slug, n) for n in names]
    order = time_order(spec, data.X)
    references = baseline_scores(spec, data.y, folds, order) + leaderboard_marks(spec.slug)
    importances = {}
    if importance:
        for name in names:
            importances[name] = model_importance(paths.model_artifacts(spec.slug, name), data.X, data.y, folds,
                                                 spec.metric, spec.task)
    report = ReportData(spec, runs, data.y, folds, references, importances)
    folder = paths.competition_artifacts(spec.slug) / ENSEMBLE_DIR
    if (folder / "result.json").exists():
        report.ensemble = read_json(folder / "result.json")
        report.ensemble_oof = np.load(folder / "oof.npy")
    subs = paths.competition_submissions(spec.slug)
    report.submissions = [read_json(p) for p in sorted(subs.glob("*.json"))] if subs.exists() else []
    report.records = run_records(paths, spec.slug)
    return report


def _oof_predictions(report: ReportData) -> dict:
    """The chosen ensemble's OOF predictions first (if it blends the current models), then each model's."""
    preds = {}
    if report.ensemble is not None and report.ensemble_oof.shape == report.runs[0].oof.shape:
        preds[f"ensemble ({report.ensemble['chosen']})"] = report.ensemble_oof
    best = report.spec.metric.best_by_cv(report.runs)
    preds[best.model] = best.oof
    preds.update({r.model: r.oof for r in report.runs})
    return preds


def report_figures(spec: CompetitionSpec, paths: Paths, report: ReportData | None = None) -> dict:
    """The report's figures by title (matplotlib Figures), e.g. for a notebook."""
    report = report or gather(spec, paths)
    metric = spec.metric_name
    out = {}
    best_cv = report.spec.metric.best_by_cv(report.runs)
    yours = [{"label": f"best model CV: {best_cv.model}", "score": best_cv.cv_score, "kind": "yours"}]
    if report.ensemble is not None:
        chosen = report.ensemble["methods"][report.ensemble["chosen"]]
        yours.append({"label": f"ensemble CV: {report.ensemble['chosen']}", "score": chosen["cv_score"],
                      "kind": "yours"})
    out["Where you stand"] = figures.references_figure(report.references + yours, metric)
    extra = {}
    if report.ensemble is not None:
        extra[f"ensemble ({report.ensemble['chosen']})"] = report.ensemble["methods"][report.ensemble["chosen"]]["fold_scores"]
    out["Scores per fold"] = figures.fold_scores_figure(report.runs, metric, extra)
    preds = _oof_predictions(report)
    first_name, first = next(iter(preds.items()))
    if spec.task in ("binary", "multiclass"):
        out["OOF confusion matrix"] = figures.confusion_matrix_figure(report.y, first,
                                                                      f"OOF confusion matrix: {first_name}")
        roc_preds = preds if spec.task == "binary" else {first_name: first}
        out["ROC"] = figures.roc_figure(report.y, roc_preds, spec.task)
    else:
        out["Residuals against predictions"] = figures.residuals_figure(report.y, preds)
    if any(s is not None for s in report.importances.values()):
        out["Feature importance (mean over folds)"] = figures.feature_importance_figure(report.importances)
    if len(report.runs) > 1:
        out["Correlation of OOF predictions"] = figures.oof_correlation_figure(report.runs)
    if report.ensemble is not None:
        out["Ensemble weights"] = figures.ensemble_weights_figure(report.ensemble)
    if report.submissions:
        out["Submissions: CV against public score"] = figures.cv_vs_public_figure(report.submissions, metric)
    return out


def png_base64(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}
.note{color:#666;font-size:13px}"""


def _table(header: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{html.escape(str(v))}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value, digits=4) -> str:
    return "" if value is None else f"{float(value):.{digits}f}"


def render(report: ReportData, figs: dict) -> str:
    spec = report.spec
    direction = "higher is better" if spec.metric.greater_is_better else "lower is better"
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(spec.slug)} report</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(spec.title)}</h1><p class=note>{html.escape(spec.task)} task, metric "
             f"{html.escape(spec.metric_name)} ({direction}), {spec.folds.n_splits} folds ({spec.folds.kind}); "
             f"report made {time.strftime('%Y-%m-%d %H:%M')}</p>",
             "<h2>Models</h2>" + _table(["model", f"CV {spec.metric_name}", "std", "seeds", "seconds", "parameters"],
                                        [[r.model, _fmt(r.cv_score), _fmt(r.cv_std), r.n_seeds, f"{r.seconds:.1f}",
                                          json.dumps(r.params, sort_keys=True)] for r in report.runs], {1, 2, 3, 4}),
             "<h2>Reference scores</h2><p class=note>Baselines are scored out of fold on your folds; leaderboard "
             f"marks come from competitions/{html.escape(spec.slug)}/references.json and are public scores.</p>"
             + _table(["reference", "kind", spec.metric_name],
                      [[r["label"], r["kind"], _fmt(r["score"], 5)] for r in report.references], {2})]
    for title, fig in figs.items():
        parts.append(f"<h2>{html.escape(title)}</h2><img alt=\"{html.escape(title)}\" "
                     f"src=\"data:image/png;base64,{png_base64(fig)}\">")
        if title.startswith("Residuals"):
            parts.append("<p class=note>In the target's scale as the models learn it (after the spec's "
                         "transform_target).</p>")
    skipped = [name for name, s in report.importances.items() if s is None]
    if skipped:
        parts.append(f"<p class=note>No feature importance for: {html.escape(', '.join(skipped))} "
                     "(Keras models, or inputs too wide to permute cheaply).</p>")
    if report.submissions:
        parts.append("<h2>Submission files</h2>" + _table(
            ["file", "models", f"CV {spec.metric_name}", "public"],
            [[s.get("file", ""), ", ".join(s.get("models", [])), _fmt(s.get("cv_score"), 5),
              _fmt(s.get("public_score"), 5)] for s in report.submissions], {2, 3}))
    if report.records:
        from ..engine.records import with_changes

        recent = with_changes(report.records)[::-1][:15]
        parts.append("<h2>Recent runs</h2>" + _table(
            ["#", "when", "kind", "models", "CV", "public", "changed"],
            [[r.id, r.created, r.kind, ", ".join(r.models), _fmt(r.cv_score), _fmt(r.public_score, 5),
              "; ".join(lines)] for r, lines in recent], {0, 4, 5}))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(spec: CompetitionSpec, paths: Paths) -> Path:
    """Write ``reports/<slug>/report.html`` (replacing the previous report) and return its path."""
    report = gather(spec, paths)
    figs = report_figures(spec, paths, report)
    target = paths.competition_reports(spec.slug) / "report.html"
    write_text(target, render(report, figs))
    return target
