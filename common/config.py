"""Where things live and the defaults every task shares: the one home of paths and settings.

Nothing here reads the environment or touches the disk at import time; tasks build a ``Paths``
(optionally with another root, as the tests do) and pass it down.
"""

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Vectors of pretrained text encoders, by text digest: a pure function of the text, so one cache
# serves every competition, run and test root (see common/sentence_embeddings.py).
EMBEDDING_CACHE = PROJECT_ROOT / "cache" / "sentence-embeddings"

DEFAULT_SEED = 42
DEFAULT_N_FOLDS = 5
# previous runs of each model kept in artifacts/<slug>/.history/ (older ones are deleted)
HISTORY_KEEP = 3


@dataclass(frozen=True)
class Paths:
    """Folder layout of one project checkout; every generated file goes below ``root``."""

    root: Path = PROJECT_ROOT

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
        """The run records of every competition (common/records.py)."""
        return self.root / "runs.sqlite"

    def competition_reports(self, slug: str) -> Path:
        return self.reports / slug

    def competition_data(self, slug: str) -> Path:
        return self.data / slug

    def raw(self, slug: str) -> Path:
        """Downloaded competition files, exactly as Kaggle serves them; never edited."""
        return self.data / slug / "raw"

    def folds_file(self, slug: str) -> Path:
        return self.data / slug / "folds.csv"

    def folds_info(self, slug: str) -> Path:
        """How the folds were made (the seed), beside folds.csv."""
        return self.data / slug / "folds.json"

    def competition_artifacts(self, slug: str) -> Path:
        return self.artifacts / slug

    def model_artifacts(self, slug: str, model: str) -> Path:
        return self.artifacts / slug / model

    def competition_submissions(self, slug: str) -> Path:
        return self.submissions / slug
