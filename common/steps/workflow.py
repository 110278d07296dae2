"""The steps behind the tasks: train, ensemble, write a submission. Tasks stay thin."""

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ..core.config import Paths
from ..core.console import console
from ..core.errors import KitError
from ..core.extras import runnable_models
from ..core.fileio import atomic_path, write_json
from ..core.memory import release_freed_memory
from ..core.progress import TrainProgress
from ..data.competition_data import CompetitionData, encode_target, load_competition_data, read_raw
from ..data.folds import folds_fingerprint, folds_seed_note, load_or_make_folds, time_order
from ..data.raw import data_hash
from ..engine import records
from ..engine.artifacts import ENSEMBLE_DIR, RunWriter, load_run, remove_stale_run_folders, trained_models
from ..engine.cv import run_cv
from ..engine.ensemble import EnsembleResult, available_blenders, blend, check_compatible, check_data
from ..engine.executor import make_executor
from ..engine.submission import SubmissionLayout, build_submission, layout_of, validate_file, write_submission
from ..present.tables import ensemble_table, training_table
from ..spec import CompetitionSpec, read_tuned_params, tuned_params_file


def prepare(spec: CompetitionSpec, paths: Paths, seed: int) -> tuple[CompetitionData, np.ndarray]:
    """Load the features and the stored folds (making them once, if this is the first run)."""
    data = load_competition_data(spec, paths)
    note = folds_seed_note(paths, spec.slug, seed)
    if note:
        console().print(f"[yellow]{note}[/yellow]")
    folds = load_or_make_folds(spec, paths, data.train_ids, data.y, data.X, seed=seed)
    release_freed_memory()  # what reading the files, checking them and the folds used, before the fits
    return data, folds


def train(spec: CompetitionSpec, paths: Paths, *, only: str | None = None, seed: int, n_seeds: int = 1,
          params: dict | None = None, jobs: int = 1, executor: str = "local", address: str | None = None) -> list:
    """Cross-validate the chosen models, save their artifacts and print a table of scores.

    ``jobs`` / ``executor`` / ``address`` choose where the (model, fold, seed) fits run (see
    common/engine/executor.py); the results are the same wherever they run.
    """
    names = spec.model_names(only) if only else spec.default_model_names()
    names = runnable_models(spec, names, asked=only is not None,
                            say=lambda line: console().print(line, markup=False))  # [text] is no markup
    if not names:
        raise KitError(f"none of {spec.slug}'s models can run with what is installed (see above)")
    data, folds = prepare(spec, paths, seed)
    runner = make_executor(jobs, executor, address)
    try:
        return _train_models(spec, paths, names, data, folds, seed=seed, n_seeds=n_seeds, params=params,
                             runner=runner)
    finally:
        runner.close()


def _train_models(spec, paths, names, data, folds, *, seed, n_seeds, params, runner) -> list:
    out = console()
    for folder in remove_stale_run_folders(paths, spec.slug):
        out.print(f"[dim]removed {folder}, left behind by a run that was killed[/dim]")
    trained_on = data_hash(paths.raw(spec.slug))
    if runner.jobs > 1 or runner.name != "local":
        out.print(f"running fits as {runner.describe()}")
    tuned_params = read_tuned_params(spec.slug, paths)
    tuned = [n for n in names if n in tuned_params]
    if tuned:
        source = paths.tuned_params(spec.slug)
        out.print(f"tuned parameters from {source if source.is_file() else tuned_params_file(spec.slug)} "
                  f"for: {', '.join(tuned)}")
    runs, failed = [], {}
    with TrainProgress(out, names, spec.folds.n_splits) as progress:
        for name in names:
            writer = RunWriter(paths, spec.slug, name)
            progress.start_model(name)
            try:
                run = run_cv(spec, name, data, folds, seed=seed, n_seeds=n_seeds, params=params, writer=writer,
                             executor=runner, cache_dir=paths.embedding_cache,
                             on_fold=lambda k, s, name=name: progress.fold_done(
                                 k, f"  {name} fold {k}: {spec.metric_name} {s:.4f}"))
            except Exception as exc:  # one model's failure never costs the others their runs
                writer.discard()
                progress.model_done()
                failed[name] = str(exc) if isinstance(exc, KitError) else f"{name}: {type(exc).__name__}: {exc}"
                out.print(f"{failed[name]}; the other models go on", style="red", markup=False)
                continue
            except BaseException:
                writer.discard()
                raise
            progress.model_done()
            run.data_hash = trained_on
            backup = writer.commit(run)
            records.record_train(paths, spec.slug, run)
            if backup is not None:
                out.print(f"[dim]previous {name} run kept in {backup}[/dim]")
            runs.append(run)
    if not runs:
        raise KitError(f"every model of {spec.slug} failed: " + "; ".join(failed.values()))
    out.print(training_table(runs, f"{spec.slug}: {spec.folds.n_splits}-fold CV {spec.metric_name}"))
    out.print(f"artifacts in {paths.competition_artifacts(spec.slug)}")
    return TrainedRuns(runs, failed)


class TrainedRuns(list):
    """The runs that trained, in order; ``failed`` maps each model that did not to why."""

    def __init__(self, runs=(), failed=None):
        super().__init__(runs)
        self.failed = dict(failed or {})

    def check(self) -> None:
        """Raise, naming the failed models, once the caller has used the runs that trained."""
        if self.failed:
            raise KitError(f"{len(self.failed)} model(s) failed: {', '.join(self.failed)} (causes above); "
                           f"the runs of {', '.join(r.model for r in self) or 'no model'} are saved")


def ensemble(spec: CompetitionSpec, paths: Paths, *, models: str | None = None, method: str | None = None,
             seed: int) -> tuple[EnsembleResult, object]:
    """Blend trained models by every method, report honest CV scores, write the best's submission."""
    names = spec.model_names(models) if models else [n for n in trained_models(paths, spec.slug)
                                                     if n in spec.model_names()]
    if not names:
        raise KitError(f"there are no trained models of {spec.slug} to blend; run: invoke train --comp={spec.slug}")
    methods = available_blenders(spec.task, len(spec.targets), spec.metric.name)
    if method is not None and method not in methods:
        raise KitError(f"unknown ensemble method '{method}'; choose from {', '.join(methods)}")
    started = time.perf_counter()
    runs = [load_run(paths, spec.slug, name) for name in names]  # before prepare: no folds for nothing
    data, folds = prepare(spec, paths, seed)
    check_compatible(runs, folds_fingerprint(folds), data_hash(paths.raw(spec.slug)), spec.slug)
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
    # the submission is built, validated and written first: a failure leaves _ensemble/ as it was
    layout = layout_of(spec, data.sample_submission, data.classes)
    frame = build_submission(spec, layout, data.test_ids, chosen.test)
    path = write_submission(spec, paths, frame, layout, data.sample_submission, name=f"ensemble-{chosen.method}",
                            cv_score=chosen.cv_score, details={
                                "models": names, "weights": chosen.weights, "seed": seed,
                                "fold_scores": chosen.fold_scores,
                                "model_cv_scores": {r.model: r.cv_score for r in runs},
                                "ensemble_cv_scores": {r.method: r.cv_score for r in results},
                                **_provenance(runs)})
    _save_ensemble(paths, spec, chosen, results, names)
    records.record_ensemble(paths, spec.slug, chosen, names, metric=metric.name, seed=seed, file=path.name,
                            seconds=round(time.perf_counter() - started, 2), folds_fingerprint=folds_fingerprint(folds))
    out.print(f"submission written: {path}")
    publish_for_kaggle(paths, path, out.print)
    return chosen, path


def _provenance(runs) -> dict:
    """What the sidecar records of the runs behind a submission: the parameters each model was
    trained with (tuned ones included, whatever git knows of tuned_params.json) and the data."""
    return {"model_params": {r.model: r.params for r in runs}, "data_hash": runs[0].data_hash}


def _save_ensemble(paths: Paths, spec: CompetitionSpec, chosen: EnsembleResult, results, names) -> None:
    """Replace artifacts/<slug>/_ensemble/ as a whole: written aside, then swapped in."""
    folder = paths.competition_artifacts(spec.slug) / ENSEMBLE_DIR
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{ENSEMBLE_DIR}.{os.getpid()}-", suffix=".tmp", dir=folder.parent))
    try:
        np.save(staging / "oof.npy", chosen.oof)
        np.save(staging / "test.npy", chosen.test)
        write_json(staging / "result.json", {"chosen": chosen.method, "models": names,
                                             "methods": {r.method: {"cv_score": r.cv_score, "fold_scores": r.fold_scores,
                                                                    "weights": r.weights} for r in results}})
        old = folder.with_name(f"{staging.name}.old")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def submit_model(spec: CompetitionSpec, paths: Paths, model: str):
    """Write a submission from one trained model's test predictions."""
    if "," in model:
        raise KitError(f"predict writes one model's submission, and '{model}' names several; to blend them: "
                       f"invoke ensemble --comp={spec.slug} --models={model}")
    run = load_run(paths, spec.slug, spec.model(model).name)
    data = load_competition_data(spec, paths)
    check_data(run, data_hash(paths.raw(spec.slug)), spec.slug)
    layout = layout_of(spec, data.sample_submission, data.classes)
    frame = build_submission(spec, layout, data.test_ids, run.test)
    path = write_submission(spec, paths, frame, layout, data.sample_submission, name=model, cv_score=run.cv_score,
                            details={"models": [model], "weights": {model: 1.0}, "seed": run.seed,
                                     "fold_scores": run.fold_scores, **_provenance([run])})
    publish_for_kaggle(paths, path, console().print)
    return path


def expected_layout(spec: CompetitionSpec, paths: Paths) -> tuple[SubmissionLayout, object]:
    """The sample submission's layout (classes spelled as Kaggle spells them) and the sample."""
    train, _, sample = read_raw(spec, paths)
    _, classes = encode_target(spec, train[list(spec.targets)])
    return layout_of(spec, sample, classes), sample


def check_submission_file(spec: CompetitionSpec, paths: Paths, file) -> None:
    """Validate a submission file against the competition's sample submission."""
    layout, sample = expected_layout(spec, paths)
    validate_file(layout, file, sample)


def publish_for_kaggle(paths: Paths, submission, say) -> None:
    """In a Kaggle notebook, copy the newest submission to ``/kaggle/working/submission.csv``, where
    Kaggle takes a notebook's output from (the kit's own file stays in submissions/)."""
    target = paths.kaggle_submission
    if target is not None:
        with atomic_path(target) as tmp:
            shutil.copyfile(submission, tmp)
        say(f"copied to {target} (the notebook's output)")
