"""Hyperparameter tuning with Optuna on the competition's stored folds.

Each trial runs the same CV as ``train`` (same folds, same loop) and reports the running mean
of the fold scores after every fold, so a median pruner can stop bad trials early. The study
lives in ``artifacts/<slug>/tuning/<model>-<key>.db``, where the key hashes the raw data, the folds,
the search space and the parameters it leaves fixed: a second call resumes it only if none of them changed
(new data starts a new study rather than reporting the old data's best); the best parameters
go to ``<root>/tuned/<slug>.json`` (``Paths.tuned_params``), a small file to read and keep, which
``load_competition`` applies on top of the spec's defaults.

Parallel tuning (``jobs`` / ``executor``, as in ``train``): the folds of one trial run at once on
the executor, while Optuna runs one trial after another. The sampler therefore sees the same
finished trials in the same order, each trial's fold scores are bit-identical whatever runs them
(common/engine/executor.py), and pruning decisions are taken on them in fold order: for a given seed
and number of trials, the study (parameters, values, pruned trials, best parameters) is the
same with 1 job, N jobs or Ray. Not deterministic: how many trials fit in ``timeout``, and the
work a pruned trial's later folds had already done (they are stopped and thrown away). Trials
themselves are not run concurrently: a TPE sampler that proposes a trial while others are
running depends on which finish first, so the study would differ from run to run.
"""

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..core.config import Paths
from ..core.console import console
from ..core.errors import KitError
from ..core.extras import runnable_models
from ..core.fileio import read_json, write_json
from ..data.folds import folds_fingerprint
from ..data.raw import data_hash
from ..engine.cv import run_cv
from ..engine.executor import make_executor
from ..engine.records import record_tune
from ..spec import CompetitionSpec
from .workflow import prepare


class _SpaceRecorder:
    """A stand-in for an Optuna trial that records every ``suggest_*`` call of a search space."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, method):
        if not method.startswith("suggest_"):
            raise AttributeError(method)

        def suggest(name, *args, **kwargs):
            self.calls.append([method, name, args, kwargs])
            choices = kwargs.get("choices", args[0] if args else None)
            return choices[0] if method == "suggest_categorical" else kwargs.get("low", args[0] if args else 0)
        return suggest


def study_key(model_spec, raw_hash: str, folds_fp: str) -> str:
    """Short hash of what makes trials comparable: data, folds, search space, fixed parameters.
    Only the parameters the search space leaves alone count: the tuned ones that ``load_competition``
    lays over the spec's after a first ``tune`` are the study's own results, not a change."""
    recorder = _SpaceRecorder()
    searched = model_spec.search_space(recorder)
    fixed = {k: v for k, v in model_spec.params.items() if k not in searched}
    text = json.dumps([raw_hash, folds_fp, recorder.calls, fixed], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def tune(spec: CompetitionSpec, paths: Paths, model: str, *, trials: int = 30, timeout: float | None = None,
         seed: int, params_file: Path | None = None, jobs: int = 1, executor: str = "local",
         address: str | None = None) -> dict:
    """Run ``trials`` more trials of the model's study; save and return the best parameters.

    ``jobs`` / ``executor`` / ``address``: where each trial's fold fits run (see module doc)."""
    model_spec = spec.model(model)
    if model_spec.search_space is None:
        raise KitError(f"{spec.slug}'s model '{model}' has no search_space in its ModelSpec; "
                       f"add one (a function trial -> params dict) to tune it.")
    runnable_models(spec, [model], asked=True)
    data, folds = prepare(spec, paths, seed)
    runner = make_executor(jobs, executor, address)
    try:
        return _tune(spec, paths, model, model_spec, data, folds, trials=trials, timeout=timeout, seed=seed,
                     params_file=params_file, runner=runner)
    finally:
        runner.close()


def _tune(spec, paths, model, model_spec, data, folds, *, trials, timeout, seed, params_file, runner) -> dict:
    import optuna

    metric = spec.metric
    storage_dir = paths.competition_artifacts(spec.slug) / "tuning"
    storage_dir.mkdir(parents=True, exist_ok=True)
    name = f"{model}-{study_key(model_spec, data_hash(paths.raw(spec.slug)), folds_fingerprint(folds))}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=f"sqlite:///{storage_dir / name}.db", load_if_exists=True,
                                direction="maximize" if metric.greater_is_better else "minimize",
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1))
    done_before = len(study.trials)
    # a resumed study gets a fresh sampler stream, so it does not replay its first trials
    study.sampler = optuna.samplers.TPESampler(seed=seed + done_before)
    out = console()
    if runner.jobs > 1 or runner.name != "local":
        out.print(f"running each trial's folds as {runner.describe()}")

    def objective(trial):
        params = model_spec.search_space(trial)
        scores = []

        def report(k, score):
            scores.append(score)
            trial.report(float(np.mean(scores)), step=len(scores))
            if trial.should_prune():
                raise optuna.TrialPruned()

        return run_cv(spec, model, data, folds, seed=seed, params=params, on_fold=report,
                      executor=runner, cache_dir=paths.embedding_cache).cv_score

    complete = optuna.trial.TrialState.COMPLETE

    def log(study, trial):
        # a pruned trial may carry its last running mean as its value (Optuna 5): not a score
        value = f"{metric.name} {trial.value:.5f}" if trial.state == complete else trial.state.name.lower()
        done = study.get_trials(deepcopy=False, states=(complete,))
        best = f"best {study.best_value:.5f}" if done else ""
        out.print(f"trial {trial.number}: {value}  {best}  {trial.params}")

    started = time.perf_counter()
    study.optimize(objective, n_trials=trials, timeout=timeout, callbacks=[log], catch=())
    ran = f"{len(study.trials) - done_before} trials in {time.perf_counter() - started:.0f} s ({len(study.trials)} in {name})"
    if not study.get_trials(deepcopy=False, states=(complete,)):
        raise KitError(f"{ran}, none finished (all pruned or stopped); nothing saved. Run more trials: "
                       f"invoke tune --comp={spec.slug} --model={model} --trials=30")
    best = study.best_trial
    out.print(f"{ran}; best {metric.name} {best.value:.5f}: {best.params}")
    # the builder's parameters, as the search space turns Optuna's choices into them
    params = model_spec.search_space(optuna.trial.FixedTrial(best.params))
    params_file = params_file or paths.tuned_params(spec.slug)
    entry = {"params": params, "cv_score": best.value, "trials": len(study.trials), "study": name,
             "tuned": time.strftime("%Y-%m-%d")}
    write_json(params_file, {**(read_json(params_file) if params_file.exists() else {}), model: entry})
    record_tune(paths, spec.slug, model, params=params, cv_score=best.value, metric=metric.name, seed=seed,
                trials=len(study.trials), seconds=round(time.perf_counter() - started, 2),
                folds_fingerprint=folds_fingerprint(folds))
    out.print(f"saved to {params_file}; `invoke train --comp={spec.slug} --model={model}` uses them")
    return params
