"""The kit from Python, for notebooks: the same steps as the tasks, returning results instead of
only printing them.

    from common.cli.notebook import Competition

    comp = Competition("titanic")                 # root: /kaggle/working in a Kaggle notebook
    comp.download()                               # or Competition("titanic", source="path/to/files")
    scores = comp.train(models=["logreg", "lightgbm"], seed=42)   # a DataFrame, one row per model
    blend = comp.ensemble()                       # the chosen blend: method, CV score, weights, file
    comp.submission()                             # the newest submission as a DataFrame
    comp.submit(message="first try")              # to Kaggle (credentials needed)

Everything is written under the project root (``root=``, else as for the ``kit`` command:
``KIT_ROOT``, ``/kaggle/working`` in a Kaggle notebook, ...; see common/cli/project.py).
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.config import DEFAULT_SEED, Paths
from .project import resolve_paths


@dataclass(frozen=True)
class Blend:
    """The ensemble that ``Competition.ensemble`` chose and the submission it wrote."""

    method: str
    cv_score: float
    fold_scores: list
    weights: dict
    submission: Path


def _names(models) -> str | None:
    if models is None or isinstance(models, str):
        return models
    return ",".join(models)


class Competition:
    """One competition in one project root: ``download``, ``train``, ``tune``, ``ensemble``,
    ``predict``, ``submission``, ``validate``, ``submit``."""

    def __init__(self, slug: str, root=None, source=None, seed: int = DEFAULT_SEED):
        self.slug = slug
        self.paths: Paths = resolve_paths(root)
        self.source = Path(source) if source is not None else None
        self.seed = seed
        self.spec  # an unknown slug fails here, with the list of competitions

    def __repr__(self) -> str:
        return f"Competition({self.slug!r}, root={str(self.paths.root)!r})"

    @property
    def spec(self):
        """The spec with the project's tuned parameters (read again, so a ``tune`` counts at once)."""
        from ..spec import load_competition

        return load_competition(self.slug, paths=self.paths)

    def download(self, force: bool = False):
        """Put the competition's files in place (``source``, the practice builder or the Kaggle API)."""
        from ..steps.download import download

        return download(self.spec, self.paths, self.source, force=force)

    def train(self, models=None, seed: int | None = None, seeds: int = 1, jobs: int = 1,
              executor: str = "local", address: str | None = None) -> pd.DataFrame:
        """Cross-validate models (all that can run if ``models`` is None); one row per model.
        ``jobs``: fits at once in local worker processes; ``executor="ray"`` (``address``: a
        cluster's) runs them on Ray; the scores are the same wherever the fits run."""
        from ..steps.workflow import train

        runs = train(self.spec, self.paths, only=_names(models), seed=self.seed if seed is None else seed,
                     n_seeds=seeds, jobs=jobs, executor=executor, address=address)
        return pd.DataFrame([{"model": r.model, "cv_score": r.cv_score, "cv_std": r.cv_std,
                              "fold_scores": r.fold_scores, "seconds": r.seconds} for r in runs]).set_index("model")

    def tune(self, model: str, trials: int = 30, timeout: float | None = None, jobs: int = 1,
             executor: str = "local", address: str | None = None) -> dict:
        """Tune one model with Optuna; returns (and saves for ``train``) the best parameters. A
        trial's folds run ``jobs`` at once (as in ``train``); trials run one after another."""
        from ..steps.tuning import tune

        return tune(self.spec, self.paths, model, trials=trials, timeout=timeout, seed=self.seed, jobs=jobs,
                    executor=executor, address=address)

    def ensemble(self, models=None, method: str | None = None) -> Blend:
        """Blend the trained models by OOF predictions and write the chosen blend's submission."""
        from ..steps.workflow import ensemble

        chosen, path = ensemble(self.spec, self.paths, models=_names(models), method=method, seed=self.seed)
        return Blend(chosen.method, chosen.cv_score, chosen.fold_scores, chosen.weights, Path(path))

    def predict(self, model: str) -> Path:
        """Write a submission from one trained model; returns its path."""
        from ..steps.workflow import submit_model

        return Path(submit_model(self.spec, self.paths, model))

    def submission(self, file=None) -> pd.DataFrame:
        """A submission file (the newest if ``file`` is None) as a DataFrame."""
        from ..engine.submission import newest_submission

        return pd.read_csv(file or newest_submission(self.paths, self.slug))

    def validate(self, file=None) -> Path:
        """Check a submission (the newest if ``file`` is None) against the sample submission."""
        from ..engine.submission import newest_submission
        from ..steps.workflow import check_submission_file

        path = Path(file) if file else newest_submission(self.paths, self.slug)
        check_submission_file(self.spec, self.paths, path)
        return path

    def submit(self, file=None, message: str | None = None, wait: bool = False, poll_s: float = 10.0):
        """Validate, then send a submission (the newest if ``file`` is None) to Kaggle."""
        from ..steps.kaggle_submit import submit_file

        return submit_file(self.spec, self.paths, Path(file) if file else None, message=message, wait=wait,
                           poll_s=poll_s)
