"""Kaggle starter kit tasks: `kit --list` (or `invoke --list` in the repository) shows them,
`kit --help TASK` documents each.

Each task is a thin layer over ``common/``: parse arguments, call one function, turn a
``KitError`` into a clear message and a non-zero exit. An argument has the same short flag in
every task (``SHORT_FLAGS``), and a missing one gets the kit's message, not Invoke's.
"""

from functools import wraps
from pathlib import Path

from invoke import Collection, Exit, Task, task

from common.config import DEFAULT_SEED, Paths
from common.errors import KitError

# one short flag per argument name, the same in every task
SHORT_FLAGS = {"comp": "c", "seed": "s", "seeds": "n", "model": "m", "models": "m", "source": "S", "file": "f",
               "force": "F", "trials": "t", "timeout": "T", "message": "M", "wait": "w", "method": "e", "owner": "o"}


class KitTask(Task):
    """A task whose short flags come from ``SHORT_FLAGS`` instead of each name's first free letter."""

    def arg_opts(self, name, default, taken_names):
        opts = super().arg_opts(name, default, taken_names)
        short = SHORT_FLAGS.get(name)
        if short is not None and short not in taken_names:
            opts["names"] = [*opts["names"], short]
        return opts

COMP = "competition slug, as in the Kaggle URL (e.g. titanic)"
SEED = f"random seed for folds and models (default {DEFAULT_SEED})"


def _kit_task(*args, **kwargs):
    """``@task`` that reports KitError as a one-paragraph message with exit code 1."""
    def decorate(fn):
        @wraps(fn)
        def wrapper(c, *a, **kw):
            try:
                return fn(c, *a, **kw)
            except KitError as exc:
                raise Exit(f"error: {exc}", code=1) from None
        return task(*args, klass=KitTask, auto_shortflags=False, **kwargs)(wrapper)
    return decorate


def _paths(c) -> Paths:
    """Project folders, resolved at run time by ``common.project`` (``kit --root``,
    ``INVOKE_KIT_ROOT`` (Invoke's config), ``KIT_ROOT``, a Kaggle notebook, the current folder)."""
    from common.project import resolve_paths

    return resolve_paths(c.config.kit.root)


def _spec(comp, c=None):
    from common.spec import load_competition

    if not comp:
        raise KitError("say which competition: --comp=SLUG (e.g. --comp=titanic)")
    return load_competition(comp, paths=_paths(c) if c is not None else None)


def _needed(value, flag: str, what: str):
    if not value:
        raise KitError(f"say {what}: {flag}")
    return value


@_kit_task(help={"comp": COMP, "source": "a folder in Kaggle's layout or the competition zip; "
                                         "without it, the Kaggle API is used",
                 "force": "replace raw files that differ from the ones already there (old ones are kept)"})
def download(c, comp=None, source=None, force=False):
    """Put the competition's files into data/<comp>/raw/ (from --source or the Kaggle API)."""
    from common.data import download as fetch

    report = fetch(_spec(comp, c), _paths(c), Path(source) if source else None, force=force)
    print(report.summary())


@_kit_task(help={"comp": COMP, "model": "model name(s), comma-separated; all of the competition's if omitted",
                 "seed": SEED, "seeds": "seeds per fold, averaged (default 1)"})
def train(c, comp=None, model=None, seed=DEFAULT_SEED, seeds=1):
    """Cross-validate models on the stored folds; save fold models, OOF and test predictions."""
    from common.workflow import train as run_training

    run_training(_spec(comp, c), _paths(c), only=model, seed=int(seed), n_seeds=int(seeds))


@_kit_task(help={"comp": COMP, "models": "models to blend, comma-separated; all trained ones if omitted",
                 "method": "use this blend (mean, weighted, rank, greedy, stacking) instead of the best by CV", "seed": SEED})
def ensemble(c, comp=None, models=None, method=None, seed=DEFAULT_SEED):
    """Blend trained models from OOF predictions, report honest CV, write the best's submission."""
    from common.workflow import ensemble as run_ensemble

    run_ensemble(_spec(comp, c), _paths(c), models=models, method=method, seed=int(seed))


@_kit_task(help={"comp": COMP, "model": "the trained model whose test predictions to write"})
def predict(c, comp=None, model=None):
    """Write a submission from one trained model (without ensembling)."""
    from common.workflow import submit_model

    spec = _spec(comp, c)
    print(f"submission written: {submit_model(spec, _paths(c), _needed(model, '--model=NAME', 'which model'))}")


@_kit_task(help={"comp": COMP, "file": "the submission CSV to check"})
def validate(c, comp=None, file=None):
    """Check a submission file against the sample submission; exit non-zero naming the failed check."""
    from common.data import read_raw
    from common.submission import validate_file

    spec = _spec(comp, c)
    _needed(file, "--file=PATH", "which file to check")
    _, _, sample = read_raw(spec, _paths(c))
    validate_file(spec, Path(file), sample)
    print(f"{file}: valid submission for {comp}")


@_kit_task(help={"comp": COMP, "file": "submission CSV; the newest in submissions/<comp>/ if omitted",
                 "message": "submission message; defaults to the models and CV score",
                 "wait": "wait for Kaggle to score it and print the public score beside the CV score"})
def submit(c, comp=None, file=None, message=None, wait=False):
    """Validate a submission and send it to Kaggle."""
    from common.kaggle_submit import submit_file

    submit_file(_spec(comp, c), _paths(c), Path(file) if file else None, message=message, wait=wait,
                poll_s=float(c.config.kit.poll_seconds))


@_kit_task(help={"comp": COMP})
def submissions(c, comp=None):
    """List the competition's Kaggle submissions beside the kit's CV scores."""
    from common.kaggle_submit import submissions_table

    submissions_table(_spec(comp, c), _paths(c))


@_kit_task(help={"comp": "a practice competition's slug (see README)",
                 "file": "submission CSV; the newest in submissions/<comp>/ if omitted"})
def score(c, comp=None, file=None):
    """Score a submission of a practice competition locally against its hidden answers."""
    from common.practice import score as local_score
    from common.submission import newest_submission

    spec = _spec(comp, c)
    path = Path(file) if file else newest_submission(_paths(c), comp)
    value = local_score(spec, _paths(c), path)
    print(f"LOCAL score (practice answer key, not Kaggle's leaderboard): {spec.metric_name} {value:.5f}  [{path}]")


@_kit_task(help={"comp": COMP, "model": "the model to tune (it needs a search_space in the spec)",
                 "trials": "number of trials in this call (default 30)",
                 "timeout": "stop after this many seconds", "seed": SEED})
def tune(c, comp=None, model=None, trials=30, timeout=None, seed=DEFAULT_SEED):
    """Tune one model's hyperparameters with Optuna on the stored folds; a second call resumes."""
    from common.tuning import tune as run_tuning

    spec = _spec(comp, c)
    run_tuning(spec, _paths(c), _needed(model, "--model=NAME", "which model to tune"), trials=int(trials), timeout=float(timeout) if timeout else None,
               seed=int(seed))


@_kit_task(help={"comp": COMP, "source": "as for download: a folder in Kaggle's layout or a zip",
                 "seed": SEED})
def run(c, comp=None, source=None, seed=DEFAULT_SEED):
    """The whole job: download, train every model, ensemble, and (practice competitions) score."""
    download(c, comp, source=source)
    train(c, comp, seed=seed)
    ensemble(c, comp, seed=seed)
    if _spec(comp, c).practice_source is not None:
        score(c, comp)


@_kit_task(help={"comp": COMP, "owner": "the Kaggle user who will own the dataset and notebook "
                                        "(default: the one of your Kaggle credentials)"})
def kernel(c, comp=None, owner=None):
    """Code competitions: build the chosen ensemble's dataset and an offline inference notebook."""
    from common.kernel import build_kernel, credentials_owner

    spec = _spec(comp, c)
    print(build_kernel(spec, _paths(c), owner=owner or credentials_owner()).summary())


ns = Collection(run, download, train, tune, ensemble, predict, validate, submit, submissions, score, kernel)
# INVOKE_KIT_ROOT / INVOKE_KIT_POLL_SECONDS (or an invoke.yaml) override these
ns.configure({"kit": {"root": None, "poll_seconds": 10.0}})
