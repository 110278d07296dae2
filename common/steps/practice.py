"""Practice competitions: built offline from data that ships with the kit's dependencies.

The spec's ``practice_source(raw_dir, answers_dir)`` writes Kaggle-style files (train, test,
sample submission) into ``raw_dir`` and the hidden answer key (``answers.csv``: id, target)
into ``answers_dir``, which lives outside the raw folder, as Kaggle keeps its own. ``score``
then grades a submission locally, the way Kaggle would, without network or credentials.
"""

import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..core.config import Paths
from ..core.errors import DataError, KitError
from ..core.fileio import read_json, write_json
from ..data.competition_data import read_csv
from ..data.raw import MANIFEST, DownloadReport, check_layout, commit_raw
from ..engine.submission import read_submission, validate_submission
from ..spec import CompetitionSpec

ANSWERS = "answers.csv"
KEY_OF = "answers_for.json"  # the raw manifest the answer key belongs to


def answers_dir(paths: Paths, slug: str) -> Path:
    return paths.competition_data(slug) / "answers"


def build_practice(spec: CompetitionSpec, paths: Paths, *, force: bool = False) -> DownloadReport:
    raw = paths.own_raw(spec.slug)
    raw.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=raw.parent) as tmp:
        staging, answers = Path(tmp) / "raw", Path(tmp) / "answers"
        staging.mkdir()
        answers.mkdir()
        spec.practice_source(staging, answers)
        check_layout(spec, staging, f"the practice builder of {spec.slug}")
        report = commit_raw(staging, raw, force=force)
        # the key records which raw files it answers, so `score` refuses other (e.g. Kaggle's) data
        write_json(answers / KEY_OF, read_json(raw / MANIFEST)["files"])
        target = answers_dir(paths, spec.slug)
        if target.exists():
            shutil.rmtree(target)
        answers.rename(target)
    return report


def score(spec: CompetitionSpec, paths: Paths, file: Path) -> float:
    """Validate ``file`` and score it against the hidden answer key with the competition's metric."""
    if spec.practice_source is None:
        raise KitError(f"{spec.slug} is a Kaggle competition: its answers are on Kaggle, not here. "
                       f"Submit with: invoke submit --comp={spec.slug} --wait")
    key = answers_dir(paths, spec.slug) / ANSWERS
    if not key.exists():
        raise DataError(f"no answer key at {key}; build the practice data first: invoke download --comp={spec.slug}")
    if read_json(key.with_name(KEY_OF)) != read_json(paths.raw(spec.slug) / MANIFEST)["files"]:
        raise DataError(f"the files in {paths.raw(spec.slug)} are not the practice data this answer key belongs to "
                        f"(were Kaggle's files installed with --source?); only Kaggle can score those: "
                        f"invoke submit --comp={spec.slug} --wait")
    from .workflow import expected_layout

    layout, sample = expected_layout(spec, paths)
    frame = read_submission(file, layout)
    validate_submission(layout, frame, sample)
    answers = read_csv(key, "answer key", string_columns=[spec.id_column])
    merged = frame.merge(answers, on=spec.id_column, suffixes=("", "_true"), validate="one_to_one")
    column = sample.columns[1]
    predicted = merged[column].astype(answers[column].dtype).to_numpy()  # labels were read as their text
    return spec.metric(np.asarray(merged[f"{sample.columns[1]}_true"]), predicted)
