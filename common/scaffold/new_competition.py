"""``invoke new``: fetch a competition's files, infer its spec and write it as a readable file.

The spec is written to ``<project root>/competitions/<slug>/spec.py``, short and explicit: every
inferred choice is an argument with a comment saying what it was inferred from, so the user
edits a file, not a mystery. An existing competition folder is never overwritten.
"""

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from ..core.config import Paths
from ..core.console import console
from ..core.errors import KitError
from ..core.fileio import write_text
from ..core.metrics import metric_name
from ..core.names import checked_slug
from ..spec import competition_folders
from ..steps.download import download
from .infer_spec import Inferred, infer_competition


@dataclass(frozen=True)
class UnwrittenCompetition:
    """What ``download`` needs of a competition whose spec is not written yet."""

    slug: str
    raw_files: tuple = ()
    practice_source: None = None


def _list(values) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def render_spec(inf: Inferred) -> str:
    """The text of ``spec.py`` for an inferred competition."""
    t, why = inf.types, inf.why
    target = repr(inf.targets[0]) if len(inf.targets) == 1 else "(" + ", ".join(map(repr, inf.targets)) + ",)"
    folds = f'FoldScheme(kind="{inf.fold_kind}", n_splits=5'
    folds += f", group_column={inf.group_column!r}" if inf.group_column else ""
    folds += f", time_column={inf.time_column!r}" if inf.time_column else ""
    submission = f'SubmissionFormat(kind="{inf.submission_kind}"'
    submission += f", min_value={inf.min_value}" if inf.min_value is not None else ""
    submission += f", top_k={inf.metric.removeprefix('map@')}" if inf.submission_kind == "top_labels" else ""
    submission += ")"
    lines = [
        f'"""{inf.title}: written by `invoke new` on {time.strftime("%Y-%m-%d")} from {inf.train_file} '
        f'({inf.rows[0]} rows),',
        f"{inf.test_file} ({inf.rows[1]} rows) and {inf.sample_file}.",
        "",
        "Each choice below was inferred from those files; the comment beside it says from what. Check",
        "the lines marked CHECK, then edit freely: the fields are explained in the README (\"Your own",
        'competition"). Rerun `invoke train` after a change (delete data/<slug>/folds.csv if you change folds)."""',
        "",
        "from common.models import TabularFeatures, default_models",
        "from common.spec import CompetitionSpec, FoldScheme, SubmissionFormat",
        "",
        "SPEC = CompetitionSpec(",
        f"    slug={inf.slug!r},",
        f"    title={inf.title!r},",
        f"    train_file={inf.train_file!r},",
        f"    test_file={inf.test_file!r},",
        f"    sample_submission_file={inf.sample_file!r},",
        f"    id_column={inf.id_column!r},  # {why['id']}",
        f"    target={target},  # {why['target']}",
        f"    task={inf.task!r},  # {why['task']}",
        f"    metric_name={inf.metric!r},  # {why['metric']}",
        f"    submission={submission},  # {why.get('submission', 'one value per target, as the sample')}",
        f"    folds={folds}),  # {why['folds']}",
        "    make_features=TabularFeatures(",
        f"        categorical={_list(t.categorical)},  # strings with few distinct values (or as you say)",
        f"        text={_list(t.text)},  # free text: TF-IDF",
        f"        datetime={_list(t.datetime)},  # dates/times: year, month, day, weekday, day of year, elapsed days",
        f"        boolean={_list(t.boolean)},  # True/False, missing values kept",
        f"        drop={_list(t.drop)},  # the id, constant and id-like columns",
        "    ),  # every other column shared by train and test is a number",
        f"    models=default_models({inf.task!r}, n_targets={len(inf.targets)}, metric={inf.metric!r}),"
        f"  # LightGBM, linear, extra trees, Keras MLP",
        ")",
        "",
    ]
    if inf.train_only:
        at = lines.index("    make_features=TabularFeatures(")
        lines.insert(at, f"    train_only_columns={_list(inf.train_only)},  # {why['train_only']}")
    return "\n".join(lines)


def summary_table(inf: Inferred) -> Table:
    table = Table(title=f"{inf.slug}: what the files say", show_lines=False)
    table.add_column("field")
    table.add_column("inferred")
    table.add_column("from", overflow="fold")
    t = inf.types
    rows = [("id", inf.id_column, inf.why["id"]), ("target", ", ".join(inf.targets), inf.why["target"]),
            ("task", inf.task, inf.why["task"]), ("metric", inf.metric, inf.why["metric"]),
            ("submission", inf.submission_kind, inf.why.get("submission", "one value per target")),
            ("folds", inf.fold_kind, inf.why["folds"]),
            ("columns", f"{len(t.numeric)} numeric, {len(t.categorical)} categorical, {len(t.text)} text, "
                        f"{len(t.datetime)} datetime, {len(t.boolean)} boolean", f"dropped: {', '.join(t.drop) or 'none'}")]
    for row in rows:
        table.add_row(*row)
    return table


def new_competition(slug: str, paths: Paths, source: Path | None = None, *, metric: str | None = None,
                    group: str | None = None, time_column: str | None = None) -> Path:
    """Fetch the files (like ``download``), infer the spec, write it; return the spec's path."""
    slug = checked_slug(slug)  # before anything is read or written
    folder = Path(paths.root) / "competitions" / slug
    existing = competition_folders(paths.root).get(slug)
    if existing is not None or folder.exists():
        raise KitError(f"{existing or folder} exists already and is never overwritten; edit its spec.py, or "
                       f"delete the folder to infer it again.")
    metric = metric_name(metric) if metric is not None else None  # a misspelt metric before any download
    out = console()
    data_folder = paths.competition_data(slug)
    had_data, had_root_data = data_folder.exists(), paths.data.exists()
    try:
        report = download(UnwrittenCompetition(slug), paths, Path(source) if source else None)
        out.print(report.summary())
        kaggle_metric = None
        if metric is None and source is None:  # Kaggle's metadata names the metric
            from ..kaggle import competition_metric

            kaggle_metric, metric = competition_metric(slug)
        inferred = infer_competition(slug, paths.raw(slug), metric=metric, group=group, time=time_column)
    except BaseException:  # a refused `new` leaves the project as it found it (Ctrl-C included)
        if not had_data:
            shutil.rmtree(data_folder, ignore_errors=True)
        if not had_root_data and paths.data.is_dir() and not any(paths.data.iterdir()):
            paths.data.rmdir()
        raise
    if kaggle_metric and metric:
        inferred.why["metric"] = f"Kaggle's evaluation metric: {kaggle_metric}"
    elif kaggle_metric:
        inferred.check.append(f"Kaggle scores this competition by '{kaggle_metric}', which the kit does not know; "
                              f"CV uses {inferred.metric}: add the metric to common/core/metrics.py for a faithful CV")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".tmp", dir=folder.parent))
    try:
        write_text(staging / "__init__.py", "")
        write_text(staging / "spec.py", render_spec(inferred))
        staging.rename(folder)  # the folder appears whole, or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    out.print(summary_table(inferred))
    for item in inferred.check:
        out.print(f"[bold]check:[/bold] {item}")
    out.print(f"spec written: {folder / 'spec.py'}\nnext: invoke run --comp={slug}")
    return folder / "spec.py"
