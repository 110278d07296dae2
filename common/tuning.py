"""Hyperparameter tuning with Optuna on the competition's stored folds.

Each trial runs the same CV as ``train`` (same folds, same loop) and reports the running mean
of the fold scores after every fold, so a median pruner can stop bad trials early. The study
lives in ``artifacts/<slug>/tuning/<model>.db`` (a second call resumes it); the best parameters
go to ``<root>/tuned/<slug>.json`` (``Paths.tuned_params``), a small file to read and keep, which
``load_competition`` applies on top of the spec's defaults.
"""

import time
from pathlib import Path

import numpy as np

from .config import Paths
from .cv import run_cv
from .errors import KitError
from .extras import runnable_models
from .fileio import read_json, write_json
from .report import console
from .spec import CompetitionSpec
from .workflow import prepare


def tune(spec: CompetitionSpec, paths: Paths, model: str, *, trials: int = 30, timeout: float | None = None,
         seed: int, params_file: Path | None = None) -> dict:
    """Run ``trials`` more trials of the model's study; save and return the best parameters."""
    import optuna

    model_spec = spec.model(model)
    if model_spec.search_space is None:
        raise KitError(f"{spec.slug}'s model '{model}' has no search_space in its ModelSpec; "
                       f"add one (a function trial -> params dict) to tune it.")
    runnable_models(spec, [model], asked=True)
    data, folds = prepare(spec, paths, seed)
    metric = spec.metric
    storage_dir = paths.competition_artifacts(spec.slug) / "tuning"
    storage_dir.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=model, storage=f"sqlite:///{storage_dir / model}.db", load_if_exists=True,
                                direction="maximize" if metric.greater_is_better else "minimize",
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1))
    done_before = len(study.trials)
    # a resumed study gets a fresh sampler stream, so it does not replay its first trials
    study.sampler = optuna.samplers.TPESampler(seed=seed + done_before)
    out = console()

    def objective(trial):
        params = model_spec.search_space(trial)
        scores = []

        def report(k, score):
            scores.append(score)
            trial.report(float(np.mean(scores)), step=len(scores))
            if trial.should_prune():
                raise optuna.TrialPruned()

        return run_cv(spec, model, data, folds, seed=seed, params=params, on_fold=report,
                      cache_dir=paths.embedding_cache).cv_score

    def log(study, trial):
        value = "pruned" if trial.value is None else f"{metric.name} {trial.value:.5f}"
        best = f"best {study.best_value:.5f}" if study.best_trial is not None else ""
        out.print(f"trial {trial.number}: {value}  {best}  {trial.params}")

    started = time.perf_counter()
    study.optimize(objective, n_trials=trials, timeout=timeout, callbacks=[log], catch=())
    best = study.best_trial
    out.print(f"{len(study.trials) - done_before} trials in {time.perf_counter() - started:.0f} s "
              f"({len(study.trials)} in the study); best {metric.name} {best.value:.5f}: {best.params}")
    # the builder's parameters, as the search space turns Optuna's choices into them
    params = model_spec.search_space(optuna.trial.FixedTrial(best.params))
    params_file = params_file or paths.tuned_params(spec.slug)
    entry = {"params": params, "cv_score": best.value, "trials": len(study.trials), "tuned": time.strftime("%Y-%m-%d")}
    write_json(params_file, {**(read_json(params_file) if params_file.exists() else {}), model: entry})
    out.print(f"saved to {params_file}; `invoke train --comp={spec.slug} --model={model}` uses them")
    return params
