"""Where things live and the defaults every task shares: the one home of paths and settings.

Nothing here reads the environment or touches the disk at import time; tasks build a ``Paths``
(optionally with another root, as the tests do) and pass it down.
"""

from dataclasses import dataclass
from pathlib import Path

from .errors import KitError
from .names import checked_model, checked_slug

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_SEED = 42
DEFAULT_N_FOLDS = 5
# previous runs of each model kept in artifacts/<slug>/.history/ (older ones are deleted)
HISTORY_KEEP = 3


@dataclass(frozen=True)
class Paths:
    """Folder layout of one project; everything the kit writes goes below ``root`` (never into the
    code folder, which may be read-only, as in a Kaggle notebook: see ``common/cli/project.py``).

    ``cache_root`` holds caches that are pure functions of their input (pretrained text embeddings),
    so several roots may share one; ``kaggle_input`` is a Kaggle notebook's ``/kaggle/input``, whose
    ``<slug>/`` folder is read in place when the root has no raw files of its own.
    """

    root: Path = PROJECT_ROOT
    cache_root: Path | None = None
    kaggle_input: Path | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def submissions(self) -> Path:
        return self.root / "submissions"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def runs_db(self) -> Path:
        """The run records of every competition (common/engine/records.py)."""
        return self.root / "runs.sqlite"

    def competition_reports(self, slug: str) -> Path:
        return _below(self.reports, checked_slug(slug))

    def competition_data(self, slug: str) -> Path:
        return _below(self.data, checked_slug(slug))

    def raw(self, slug: str) -> Path:
        """The competition files to read, exactly as Kaggle serves them; never edited."""
        return self.kaggle_raw(slug) or self.own_raw(slug)

    def own_raw(self, slug: str) -> Path:
        """Where downloads go: the root's copy of the competition files."""
        return self.competition_data(slug) / "raw"

    def kaggle_raw(self, slug: str) -> Path | None:
        """``/kaggle/input/<slug>`` when a notebook attached it and the root has no raw copy."""
        if self.kaggle_input is None or self.own_raw(slug).exists():
            return None
        folder = self.kaggle_input / checked_slug(slug)  # only read: a mount Kaggle may link
        return folder if folder.is_dir() else None

    @property
    def kaggle_submission(self) -> Path | None:
        """Where a Kaggle notebook's output submission goes (a copy of the kit's newest)."""
        return self.root / "submission.csv" if self.kaggle_input is not None else None

    @property
    def cache(self) -> Path:
        return self.cache_root or self.root / "cache"

    @property
    def embedding_cache(self) -> Path:
        """Vectors of pretrained text encoders, by text digest (see common/models/sentence_embeddings.py)."""
        return self.cache / "sentence-embeddings"

    def tuned_params(self, slug: str) -> Path:
        """Best parameters found by ``tune``, per model; ``train`` applies them over the spec's."""
        return _below(self.root / "tuned", f"{checked_slug(slug)}.json")

    def folds_file(self, slug: str) -> Path:
        return self.competition_data(slug) / "folds.csv"

    def folds_info(self, slug: str) -> Path:
        """How the folds were made (the seed), beside folds.csv."""
        return self.competition_data(slug) / "folds.json"

    def competition_artifacts(self, slug: str) -> Path:
        return _below(self.artifacts, checked_slug(slug))

    def model_artifacts(self, slug: str, model: str) -> Path:
        return _below(self.competition_artifacts(slug), checked_model(model))

    def competition_kernel(self, slug: str) -> Path:
        """What ``kernel`` builds for a code competition (made again on each call)."""
        return _below(self.root / "kernels", checked_slug(slug))

    def competition_submissions(self, slug: str) -> Path:
        return _below(self.submissions, checked_slug(slug))


def _below(folder: Path, name: str) -> Path:
    """``folder / name``, refused unless it resolves inside ``folder``: belt and braces behind the name
    checks, for names that come from files (specs, records, archives) and for links planted in the tree."""
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()):
        raise KitError(f"{path} leads outside {folder} (a link?): the kit writes only below the project root; "
                       f"remove the link or pick another name.")
    return path
