"""Kaggle starter kit tasks: `kit --list` (or `invoke --list` in the repository) shows them,
`kit --help TASK` documents each.

Each task is a thin layer over ``common/``: parse arguments, call one function, turn a
``KitError`` into a clear message and a non-zero exit. An argument has the same short flag in
every task (``SHORT_FLAGS``), and a missing one gets the kit's message, not Invoke's.
"""

import signal
import threading
from functools import wraps
from pathlib import Path

from invoke import Collection, Exit, Task, task

from common.core.config import DEFAULT_SEED, Paths
from common.core.errors import KitError
from common.core.fileio import os_error_message

# one short flag per argument name, the same in every task
SHORT_FLAGS = {"comp": "c", "seed": "s", "seeds": "n", "model": "m", "models": "m", "source": "S", "file": "f",
               "force": "F", "trials": "t", "timeout": "T", "message": "M", "wait": "w", "method": "e", "owner": "o",
               "metric": "k", "group": "g", "time": "i", "track": "K", "jobs": "j", "executor": "x", "address": "a",
               "limit": "l", "yes": "y", "raw": "r", "submissions": "u", "push": "p", "dry_run": "d", "submit": "b"}


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
TRACK = "also log the new run records to a tracker: mlflow (pip install -e .[mlflow]; store: mlflow.db)"
JOBS = "fits to run at once (local worker processes, or Ray tasks); each gets cores/jobs threads (default 1)"
EXECUTOR = "where fits run: local (default) or ray (a local Ray unless --address is given; needs the [ray] extra)"
ADDRESS = "address of a running Ray cluster, e.g. ray://host:10001 (with --executor=ray)"


def _kit_task(*args, **kwargs):
    """``@task`` that reports KitError and failed reads/writes (OSError) as a one-paragraph
    message with exit code 1, and Ctrl-C or SIGTERM as a clean stop (code 130)."""
    def decorate(fn):
        @wraps(fn)
        def wrapper(c, *a, **kw):
            previous = _stop_on_sigterm()
            try:
                return fn(c, *a, **kw)
            except KitError as exc:
                raise Exit(f"error: {exc}", code=1) from None
            except OSError as exc:
                raise Exit(f"error: {os_error_message(exc)}", code=1) from None
            except KeyboardInterrupt:
                # every writer cleans up on the way out (temporary run folders, atomic files)
                raise Exit("interrupted: stopped before finishing; nothing half-written was kept.", code=130) from None
            finally:
                if previous is not _NOT_INSTALLED:
                    signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        return task(*args, klass=KitTask, auto_shortflags=False, **kwargs)(wrapper)
    return decorate


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


_NOT_INSTALLED = object()


def _stop_on_sigterm():
    """Make SIGTERM (a job scheduler, `kill`) unwind like Ctrl-C so writers can clean up; returns
    the handler to put back (signals can only be handled in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return _NOT_INSTALLED
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def _paths(c) -> Paths:
    """Project folders, resolved at run time by ``common.cli.project`` (``kit --root``,
    ``INVOKE_KIT_ROOT`` (Invoke's config), ``KIT_ROOT``, a Kaggle notebook, the current folder)."""
    from common.cli.project import resolve_paths

    return resolve_paths(c.config.kit.root)


def _track(c, comp, track):
    from common.present.mlflow_tracking import track as send

    line = send(_paths(c), comp, track)
    if line:
        print(line)


def _spec(c, comp):
    from common.spec import load_competition

    if not comp:
        raise KitError("say which competition: --comp=SLUG (e.g. --comp=titanic)")
    return load_competition(comp, paths=_paths(c))


def _needed(value, flag: str, what: str):
    if not value:
        raise KitError(f"say {what}: {flag}")
    return value


@_kit_task(help={"comp": COMP, "source": "a folder in Kaggle's layout or the competition zip; "
                                         "without it, the Kaggle API is used",
                 "force": "replace raw files that differ from the ones already there (old ones are kept)"})
def download(c, comp=None, source=None, force=False):
    """Put the competition's files into data/<comp>/raw/ (from --source or the Kaggle API)."""
    from common.steps.download import download as fetch

    report = fetch(_spec(c, comp), _paths(c), Path(source) if source else None, force=force)
    print(report.summary())


@_kit_task(help={"comp": COMP, "source": "a folder in Kaggle's layout or the competition zip; "
                                         "without it, the Kaggle API is used (and names the metric)",
                 "metric": "the competition's metric as its Evaluation page names it (e.g. auc, rmsle, map@3); "
                           "--metric=? lists them",
                 "group": "a column whose rows must stay in one fold (group K-fold)",
                 "time": "a column that orders rows in time (folds never train on the future)"})
def new(c, comp=None, source=None, metric=None, group=None, time=None):
    """Start a competition: get its files, infer its spec from them, write competitions/<comp>/spec.py."""
    from common.scaffold.new_competition import new_competition

    if metric == "?":
        from common.core.metrics import metric_list

        print(f"metrics the kit knows (--metric=NAME; Kaggle's spellings such as 'ROC AUC' or 'MAP@3' work too):\n"
              f"{metric_list()}")
        return
    if metric is not None:  # a misspelt metric is refused before anything is downloaded
        from common.core.metrics import metric_name

        metric = metric_name(metric)
    new_competition(comp, _paths(c), Path(source) if source else None, metric=metric, group=group, time_column=time)


@_kit_task(help={"comp": COMP, "model": "model name(s), comma-separated; all of the competition's if omitted",
                 "seed": SEED, "seeds": "seeds per fold, averaged (default 1)", "track": TRACK,
                 "jobs": JOBS, "executor": EXECUTOR, "address": ADDRESS})
def train(c, comp=None, model=None, seed=DEFAULT_SEED, seeds=1, track=None, jobs=1, executor="local", address=None):
    """Cross-validate models on the stored folds; save fold models, OOF and test predictions."""
    from common.steps.workflow import train as run_training

    runs = run_training(_spec(c, comp), _paths(c), only=model, seed=int(seed), n_seeds=int(seeds), jobs=int(jobs),
                        executor=executor, address=address)
    _track(c, comp, track)
    runs.check()


@_kit_task(help={"comp": COMP, "models": "models to blend, comma-separated; all trained ones if omitted",
                 "method": "use this blend (mean, weighted, rank, greedy, stacking, best: the best single model) instead of the best by CV", "seed": SEED,
                 "track": TRACK})
def ensemble(c, comp=None, models=None, method=None, seed=DEFAULT_SEED, track=None):
    """Blend trained models from OOF predictions, report honest CV, write the best's submission."""
    from common.steps.workflow import ensemble as run_ensemble

    run_ensemble(_spec(c, comp), _paths(c), models=models, method=method, seed=int(seed))
    _track(c, comp, track)


@_kit_task(help={"comp": COMP, "model": "the trained model whose test predictions to write"})
def predict(c, comp=None, model=None):
    """Write a submission from one trained model (without ensembling)."""
    from common.steps.workflow import submit_model

    spec = _spec(c, comp)
    print(f"submission written: {submit_model(spec, _paths(c), _needed(model, '--model=NAME', 'which model'))}")


@_kit_task(help={"comp": COMP, "file": "the submission CSV to check"})
def validate(c, comp=None, file=None):
    """Check a submission file against the sample submission; exit non-zero naming the failed check."""
    from common.steps.workflow import check_submission_file

    spec = _spec(c, comp)
    check_submission_file(spec, _paths(c), Path(_needed(file, '--file=PATH', 'which file to check')))
    print(f"{file}: valid submission for {comp}")


@_kit_task(help={"comp": COMP, "file": "submission CSV; the newest in submissions/<comp>/ if omitted",
                 "message": "submission message; defaults to the models and CV score",
                 "wait": "wait for Kaggle to score it and print the public score beside the CV score",
                 "track": TRACK})
def submit(c, comp=None, file=None, message=None, wait=False, track=None):
    """Validate a submission and send it to Kaggle."""
    from common.steps.kaggle_submit import submit_file

    submit_file(_spec(c, comp), _paths(c), Path(file) if file else None, message=message, wait=wait,
                poll_s=float(c.config.kit.poll_seconds))
    _track(c, comp, track)


@_kit_task(help={"comp": COMP})
def submissions(c, comp=None):
    """List the competition's Kaggle submissions beside the kit's CV scores."""
    from common.steps.kaggle_submit import submissions_table

    submissions_table(_spec(c, comp), _paths(c))


@_kit_task(help={"comp": "a practice competition's slug (see README)",
                 "file": "submission CSV; the newest in submissions/<comp>/ if omitted"})
def score(c, comp=None, file=None):
    """Score a submission of a practice competition locally against its hidden answers."""
    from common.engine.submission import newest_submission
    from common.steps.practice import score as local_score

    spec = _spec(c, comp)
    path = Path(file) if file else newest_submission(_paths(c), comp)
    value = local_score(spec, _paths(c), path)
    print(f"LOCAL score (practice answer key, not Kaggle's leaderboard): {spec.metric_name} {value:.5f}  [{path}]")


@_kit_task(help={"comp": COMP, "model": "the model to tune (it needs a search_space in the spec)",
                 "trials": "number of trials in this call (default 30)",
                 "timeout": "stop after this many seconds", "seed": SEED, "track": TRACK,
                 "jobs": JOBS + "; a trial's folds run at once, trials one after another",
                 "executor": EXECUTOR, "address": ADDRESS})
def tune(c, comp=None, model=None, trials=30, timeout=None, seed=DEFAULT_SEED, track=None, jobs=1, executor="local",
         address=None):
    """Tune one model's hyperparameters with Optuna on the stored folds; a second call resumes."""
    from common.steps.tuning import tune as run_tuning

    spec = _spec(c, comp)
    run_tuning(spec, _paths(c), _needed(model, "--model=NAME", "which model to tune"), trials=int(trials),
               timeout=float(timeout) if timeout else None, seed=int(seed), jobs=int(jobs), executor=executor,
               address=address)
    _track(c, comp, track)


@_kit_task(help={"comp": COMP, "limit": "show at most this many runs (default 30)"})
def runs(c, comp=None, limit=30):
    """List the competition's recorded runs, newest first: CV, public score, what changed."""
    from common.core.console import console
    from common.engine.records import runs_table

    _spec(c, comp)
    console().print(runs_table(_paths(c), comp, limit=int(limit)))


@_kit_task(help={"comp": COMP})
def report(c, comp=None):
    """Write reports/<comp>/report.html: scores, diagnostics, importance, ensemble, submissions."""
    from common.present.html_report import write_report

    print(f"report written: {write_report(_spec(c, comp), _paths(c))}")


@_kit_task(help={"comp": COMP, "yes": "do not ask for confirmation",
                 "submissions": "also remove submissions/<comp>/ (files sent to Kaggle and their records)",
                 "raw": "also remove data/<comp>/ with the downloaded raw files"})
def clean(c, comp=None, yes=False, submissions=False, raw=False):
    """Remove a competition's generated files: models, folds, reports (not submissions or raw data)."""
    import sys

    from common.cli.housekeeping import describe, generated_files, remove

    _spec(c, comp)
    targets = generated_files(_paths(c), comp, submissions=submissions, raw=raw)
    if not targets:
        print(f"nothing to clean for {comp}")
        return
    print(f"this removes:\n{describe(targets)}")
    if not yes:
        if not sys.stdin.isatty():
            raise KitError("not removing anything without confirmation; rerun with --yes")
        if input("remove them? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return
    remove(targets)
    print("removed")


@_kit_task(help={"comp": COMP, "source": "as for download: a folder in Kaggle's layout or a zip",
                 "seed": SEED, "jobs": JOBS, "executor": EXECUTOR, "address": ADDRESS})
def run(c, comp=None, source=None, seed=DEFAULT_SEED, jobs=1, executor="local", address=None):
    """The whole job: download, train every model, ensemble, and (practice competitions) score."""
    _spec(c, comp)
    raw = _paths(c).raw(comp)
    if source is None and raw.exists():  # `invoke new` or an earlier run got the files already
        print(f"using the competition files in {raw}")
    else:
        download(c, comp, source=source)
    from common.steps.workflow import train as run_training

    # not the train task: a failed model must not stop the ensemble of those that trained
    runs = run_training(_spec(c, comp), _paths(c), seed=int(seed), jobs=int(jobs), executor=executor, address=address)
    ensemble(c, comp, seed=seed)
    if _spec(c, comp).practice_source is not None:
        score(c, comp)
    runs.check()


@_kit_task(help={"comp": COMP, "owner": "the Kaggle user who will own the dataset and notebook "
                                        "(default: the one of your Kaggle credentials)",
                 "push": "also upload the dataset (created, or a new version), push the notebook, follow its run, "
                         "download its output and validate its submission.csv",
                 "submit": "--push, then send the run's submission.csv as a code submission",
                 "dry_run": "build everything and print what --push/--submit would upload and do; upload nothing",
                 "timeout": "with --push: stop waiting for Kaggle (dataset processing, the notebook's run) after this "
                            "many seconds (default 3600; the run goes on on Kaggle)",
                 "message": "with --submit: the submission's message (default: the blend, its models and CV score)"})
def kernel(c, comp=None, owner=None, push=False, submit=False, dry_run=False, timeout=3600, message=None):
    """Code competitions: build the chosen ensemble's dataset and an offline inference notebook (and push, run, submit)."""
    from common.steps.kernel_build import build_kernel, credentials_owner

    spec = _spec(c, comp)
    build = build_kernel(spec, _paths(c), owner=owner or credentials_owner())
    print(build.summary(commands=not (push or submit or dry_run)))
    if dry_run:
        from common.steps.kernel_push import describe_push

        print(describe_push(spec, build, submit=submit, message=message, timeout_s=float(timeout)))
    elif push or submit:
        from common.steps.kernel_push import push_kernel_build

        push_kernel_build(spec, _paths(c), build, submit=submit, message=message, timeout_s=float(timeout),
                          poll_s=float(c.config.kit.poll_seconds))


ns = Collection(new, run, download, train, tune, ensemble, predict, validate, submit, submissions, score, runs, report,
                clean, kernel)
# INVOKE_KIT_ROOT / INVOKE_KIT_POLL_SECONDS (or an invoke.yaml) override these
ns.configure({"kit": {"root": None, "poll_seconds": 10.0}})
