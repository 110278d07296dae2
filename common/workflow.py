"""The steps behind the tasks: train, ensemble, write a submission. Tasks stay thin."""

import shutil

import numpy as np

from .artifacts import RunWriter, load_run, trained_models
from .config import Paths
from .cv import run_cv
from .data import CompetitionData, load_competition_data
from .ensemble import EnsembleResult, available_blenders, blend, check_compatible
from .errors import KitError
from .extras import runnable_models
from .fileio import atomic_path, save_npy, write_json
from .folds import folds_fingerprint, load_or_make_folds, time_order
from .report import console, ensemble_table, training_table
from .spec import CompetitionSpec, read_tuned_params, tuned_params_file
from .submission import build_submission, write_submission

ENSEMBLE_DIR = "_ensemble"


def prepare(spec: CompetitionSpec, paths: Paths, seed: int) -> tuple[CompetitionData, np.ndarray]:
    """Load the features and the stored folds (making them once, if this is the first run)."""
    data = load_competition_data(spec, paths)
    folds = load_or_make_folds(spec, paths, data.train_ids, data.y, data.X, seed=seed)
    return data, folds


def train(spec: CompetitionSpec, paths: Paths, *, only: str | None = None, seed: int, n_seeds: int = 1,
          params: dict | None = None) -> list:
    """Cross-validate the chosen models, save their artifacts and print a table of scores."""
    out = console()
    names = runnable_models(spec, spec.model_names(only), asked=only is not None,
                            say=lambda line: out.print(line, markup=False))  # [text] is no markup
    if not names:
        raise KitError(f"none of {spec.slug}'s models can run with what is installed (see above)")
    data, folds = prepare(spec, paths, seed)
    tuned_params = read_tuned_params(spec.slug, paths)
    tuned = [n for n in names if n in tuned_params]
    if tuned:
        source = paths.tuned_params(spec.slug)
        out.print(f"tuned parameters from {source if source.is_file() else tuned_params_file(spec.slug)} "
                  f"for: {', '.join(tuned)}")
    runs = []
    for name in names:
        writer = RunWriter(paths, spec.slug, name)
        try:
            with out.status(f"training {name}…"):
                run = run_cv(spec, name, data, folds, seed=seed, n_seeds=n_seeds, params=params, writer=writer,
                             cache_dir=paths.embedding_cache,
                             on_fold=lambda k, s, name=name: out.print(f"  {name} fold {k}: {spec.metric_name} {s:.4f}"))
        except BaseException:
            writer.discard()
            raise
        backup = writer.commit(run)
        if backup is not None:
            out.print(f"[dim]previous {name} run kept in {backup}[/dim]")
        runs.append(run)
    out.print(training_table(runs, f"{spec.slug}: {spec.folds.n_splits}-fold CV {spec.metric_name}"))
    out.print(f"artifacts in {paths.competition_artifacts(spec.slug)}")
    return runs


def ensemble(spec: CompetitionSpec, paths: Paths, *, models: str | None = None, method: str | None = None,
             seed: int) -> tuple[EnsembleResult, object]:
    """Blend trained models by every method, report honest CV scores, write the best's submission."""
    names = spec.model_names(models) if models else [n for n in trained_models(paths, spec.slug)
                                                     if n in spec.model_names()]
    if not names:
        raise KitError(f"there are no trained models of {spec.slug} to blend; run: invoke train --comp={spec.slug}")
    methods = available_blenders(spec.task)
    if method is not None and method not in methods:
        raise KitError(f"unknown ensemble method '{method}'; choose from {', '.join(methods)}")
    data, folds = prepare(spec, paths, seed)
    runs = [load_run(paths, spec.slug, name) for name in names]
    check_compatible(runs, folds_fingerprint(folds))
    metric = spec.metric
    order = time_order(spec, data.X)
    results = [blend(m, runs, data.y, folds, spec.folds, metric, spec.task, order) for m in methods]
    best_single = metric.best_by_cv(runs)
    chosen = next(r for r in results if r.method == method) if method else \
        metric.best_by_cv(results)
    rows = [(f"single: {r.model}", r.cv_score, r.cv_std, "best single model" if r is best_single else "")
            for r in runs]
    rows += [(r.method, r.cv_score, float(np.std(r.fold_scores)),
              ("chosen; " if r is chosen else "") + ", ".join(f"{k} {w:.2f}" for k, w in r.weights.items()))
             for r in results]
    out = console()
    out.print(ensemble_table(rows, metric.name))
    _save_ensemble(paths, spec, chosen, results, names)
    frame = build_submission(spec, data.sample_submission, data.test_ids, chosen.test)
    path = write_submission(spec, paths, frame, data.sample_submission, name=f"ensemble-{chosen.method}",
                            cv_score=chosen.cv_score, details={
                                "models": names, "weights": chosen.weights, "seed": seed,
                                "fold_scores": chosen.fold_scores,
                                "model_cv_scores": {r.model: r.cv_score for r in runs},
                                "ensemble_cv_scores": {r.method: r.cv_score for r in results}})
    out.print(f"submission written: {path}")
    publish_for_kaggle(paths, path, out.print)
    return chosen, path


def _save_ensemble(paths: Paths, spec: CompetitionSpec, chosen: EnsembleResult, results, names) -> None:
    folder = paths.competition_artifacts(spec.slug) / ENSEMBLE_DIR
    save_npy(folder / "oof.npy", chosen.oof)
    save_npy(folder / "test.npy", chosen.test)
    write_json(folder / "result.json", {"chosen": chosen.method, "models": names,
                                        "methods": {r.method: {"cv_score": r.cv_score, "fold_scores": r.fold_scores,
                                                               "weights": r.weights} for r in results}})


def submit_model(spec: CompetitionSpec, paths: Paths, model: str):
    """Write a submission from one trained model's test predictions."""
    data = load_competition_data(spec, paths)
    run = load_run(paths, spec.slug, model)
    frame = build_submission(spec, data.sample_submission, data.test_ids, run.test)
    path = write_submission(spec, paths, frame, data.sample_submission, name=model, cv_score=run.cv_score,
                            details={"models": [model], "weights": {model: 1.0}, "seed": run.seed,
                                     "fold_scores": run.fold_scores})
    publish_for_kaggle(paths, path, console().print)
    return path


def publish_for_kaggle(paths: Paths, submission, say) -> None:
    """In a Kaggle notebook, copy the newest submission to ``/kaggle/working/submission.csv``, where
    Kaggle takes a notebook's output from (the kit's own file stays in submissions/)."""
    target = paths.kaggle_submission
    if target is not None:
        with atomic_path(target) as tmp:
            shutil.copyfile(submission, tmp)
        say(f"copied to {target} (the notebook's output)")
