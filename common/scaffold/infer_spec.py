"""Reading a competition's definition from its files: what ``invoke new`` writes into a spec.

Everything comes from train, test and the sample submission (and the metric from Kaggle's
metadata when it is known): the id is the sample's first column; the targets are its other
columns (or, when they name classes, the train column whose values they name); the task, the
submission format, a default metric and the fold scheme follow from the target's values; the
column types from ``common.models.tabular.infer_column_types``. Each choice carries the reason it was
made, which the spec writer puts beside it as a comment.
"""

from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataError, plain
from ..core.metrics import METRICS, metric_name
from ..data.competition_data import read_csv
from ..engine.submission import family, match_class_columns
from ..models.tabular import ColumnTypes, infer_column_types

MAX_INTEGER_CLASSES = 30  # an integer target with at most this many values, written as integers, is classes


@dataclass
class Inferred:
    """A competition's definition, each choice with why it was made (``why[field]``)."""

    slug: str
    title: str
    train_file: str
    test_file: str
    sample_file: str
    id_column: str
    targets: tuple
    task: str
    submission_kind: str
    metric: str
    fold_kind: str
    types: ColumnTypes
    group_column: str | None = None
    time_column: str | None = None
    min_value: float | None = None
    why: dict = field(default_factory=dict)
    check: list = field(default_factory=list)  # what the user should confirm
    rows: tuple = (0, 0)
    train_only: list = field(default_factory=list)  # columns of train that test lacks, besides the targets


def find_raw_files(raw: Path) -> tuple[str, str, str, str | None]:
    """The train, test and sample submission CSVs among Kaggle's files, and a note when they were
    told apart by their columns rather than their names (several CSVs, unusual names)."""
    csvs = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*.csv"))
    headers = {name: _header(raw / name) for name in csvs}

    def named(role: str, test) -> str | None:
        found = [name for name in csvs if test(Path(name).name.lower())]
        return min(found, key=len) if found else None

    by_name = (named("train", lambda n: n.startswith("train")), named("test", lambda n: n.startswith("test")),
               named("sample", lambda n: "submission" in n or n.startswith("sample")))
    if None not in by_name and _fits(*(headers[n] for n in by_name)):
        return (*by_name, None)
    fitting = [t for t in permutations(csvs, 3) if _fits(*(headers[n] for n in t))]
    if not fitting:
        if None not in by_name:  # reading them explains what is wrong with them
            return (*by_name, None)
        raise DataError(f"cannot tell train, test and sample submission apart among the CSVs in {raw} "
                        f"({', '.join(csvs) or 'no CSV files'}): the sample's first column is the id, which train "
                        f"and test have too; train has the target column(s), test lacks them. Kaggle's usual "
                        f"names are train.csv, test.csv and sample_submission.csv.")
    hints = lambda t: sum(h == n for h, n in zip(by_name, t))  # noqa: E731 (a key, read once)
    best = max(fitting, key=lambda t: (hints(t), -len(headers[t[2]]), len(headers[t[0]])))
    others = [n for n in csvs if n not in best]
    note = (f"told the files apart by their columns: train {best[0]}, test {best[1]}, sample submission {best[2]}"
            + (f" (left aside: {', '.join(others)})" if others else ""))
    return (*best, note)


def _header(path: Path) -> list[str]:
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        return []  # unreadable here: never chosen by its columns


def _fits(train: list, test: list, sample: list) -> bool:
    """Whether three headers read as Kaggle's train, test and sample submission."""
    if len(sample) < 2 or sample[0] not in train or sample[0] not in test:
        return False
    features = set(test) - {sample[0]}
    train_only = set(train) - set(test)
    if not features or not train_only or len(features & set(train)) < 0.8 * len(features):
        return False
    values = set(sample[1:])
    # the targets are train-only columns, or the sample's columns name the classes of one
    return values <= train_only or not values & set(train)


def _targets_and_task(train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame, why: dict):
    values = list(sample.columns[1:])
    if values and all(c in train.columns for c in values):
        why["target"] = "the sample submission's " + ("other column" if len(values) == 1 else "other columns")
        if len(values) > 1:
            if all(_is_binary(train[c]) for c in values):
                kind = "probabilities" if any(family(sample[c]) == "float" for c in values) else "labels"
                why["task"] = f"each of the {len(values)} targets holds two values"
                return tuple(values), "binary", kind
            why["task"] = f"{len(values)} numeric targets"
            return tuple(values), "regression", "values"
        target = values[0]
        column, spelled = train[target], family(sample[target])
        if _is_binary(column):
            kind = "probabilities" if spelled == "float" and not sample[target].isin([0, 1]).all() else "labels"
            why["task"] = f"train's '{target}' has two values: {_show(column)}"
            why["submission"] = ("the sample holds probabilities" if kind == "probabilities"
                                 else f"the sample spells labels as {spelled} values, e.g. {plain(sample[target].iloc[0])}")
            return (target,), "binary", kind
        if not pd.api.types.is_numeric_dtype(column) or (
                pd.api.types.is_integer_dtype(column) and column.nunique() <= MAX_INTEGER_CLASSES
                and spelled in ("int", "str")):
            why["task"] = f"train's '{target}' has {column.nunique()} classes: {_show(column)}"
            why["submission"] = f"the sample writes one label per row, as {spelled} values"
            return (target,), "multiclass", "labels"
        why["task"] = f"train's '{target}' holds numbers ({column.nunique()} distinct values)"
        return (target,), "regression", "values"
    # the sample's columns name classes: one probability column per class of a train-only column
    for candidate in [c for c in train.columns if c not in test.columns]:
        classes = np.unique(train[candidate].dropna().to_numpy())
        if len(classes) != len(values):
            continue
        try:
            match_class_columns(values, classes, candidate)
        except DataError:
            continue
        why["target"] = f"the sample's columns {values[:4]}{'...' if len(values) > 4 else ''} name the classes of '{candidate}'"
        why["task"] = f"one probability column per class of '{candidate}'"
        return (candidate,), ("binary" if len(classes) == 2 else "multiclass"), "probabilities"
    raise DataError(f"cannot tell the target: the sample submission's columns {values} are not columns of the "
                    f"train file, nor the classes of one of its columns (train has: {', '.join(train.columns[:30])}). "
                    f"Write the spec by hand (see README, 'Your own competition').")


def _labels_per_row(train: pd.DataFrame, sample: pd.DataFrame, targets) -> int | None:
    """K when the sample writes K > 1 of the target's classes per row joined by spaces (MAP@K), else None."""
    column = sample[sample.columns[1]] if sample.shape[1] == 2 else None
    if column is None or family(column) != "str" or len(targets) != 1:
        return None
    classes = set(train[targets[0]].dropna().astype(str))
    rows = column.dropna().astype(str).str.split()
    if rows.empty or not rows.map(lambda r: len(r) > 1 and set(r) <= classes).all():
        return None
    return int(rows.map(len).mode().iloc[0])


def _is_binary(column: pd.Series) -> bool:
    return column.dropna().nunique() == 2


def _show(column: pd.Series, most: int = 6) -> str:
    values = sorted(map(str, column.dropna().unique()))
    return ", ".join(values[:most]) + (", ..." if len(values) > most else "")


def _default_metric(task: str, kind: str, train: pd.DataFrame, targets, why: dict, check: list) -> str:
    if kind == "labels":
        metric, reason = "accuracy", "the default for label submissions"
    elif kind == "probabilities":
        metric, reason = "logloss", "the default for probability submissions"
    else:
        y = train[list(targets)].astype(float)
        skewed = (y.min() >= 0).all() and (y.skew() > 1).any()
        metric, reason = (("rmsle", "targets are non-negative and right-skewed") if skewed
                          else ("rmse", "the default for numbers"))
    why["metric"] = f"{reason}: CHECK the competition's Evaluation page"
    check.append(f"the metric: {metric} is a guess ({reason}); if Kaggle scores another one, set metric_name "
                 f"(one of {', '.join(sorted(METRICS))})")
    return metric


def infer_competition(slug: str, raw: Path, *, title: str | None = None, metric: str | None = None,
                      group: str | None = None, time: str | None = None) -> Inferred:
    """Infer the spec of the competition whose Kaggle files are in ``raw`` (see module doc)."""
    train_file, test_file, sample_file, files_note = find_raw_files(raw)
    sample = read_csv(raw / sample_file, "sample submission")
    id_column = sample.columns[0]
    sample = read_csv(raw / sample_file, "sample submission", string_columns=[id_column])
    train = read_csv(raw / train_file, "train file", string_columns=[id_column])
    test = read_csv(raw / test_file, "test file", string_columns=[id_column])
    for frame, name in ((train, train_file), (test, test_file)):
        if id_column not in frame.columns:
            raise DataError(f"{name} has no column '{id_column}', the sample submission's id column; "
                            f"the kit needs the id in train and test.")
    why, check = {"id": "the sample submission's first column"}, []
    if files_note:
        check.append(f"{files_note}: are these the competition's files?")
    targets, task, kind = _targets_and_task(train, test, sample, why)
    joined = _labels_per_row(train, sample, targets) if task in ("binary", "multiclass") else None
    if metric is not None:
        metric = metric_name(metric)
        why["metric"] = "as given"
    elif joined:
        metric = f"map@{joined}"
        why["metric"] = (f"the sample writes {joined} labels per row joined by spaces, as MAP@{joined} competitions do: "
                         f"CHECK the competition's Evaluation page")
        check.append(f"the metric: {metric} is a guess from the sample's {joined} labels per row")
    else:
        metric = _default_metric(task, kind, train, targets, why, check)
    if metric.startswith("map@"):
        if task not in ("binary", "multiclass") or len(targets) != 1:
            raise DataError(f"{metric} scores the most likely labels of one class column, but the target "
                            f"{list(targets)} holds numbers or several columns; check --metric.")
        kind, why["submission"] = "top_labels", (f"the {metric.removeprefix('map@')} most likely labels per row, "
                                                 f"joined by spaces (MAP@K)")
    types = infer_column_types(train.drop(columns=list(targets)), test, id_column=id_column)
    train_only = [c for c in train.columns if c not in test.columns and c not in targets]
    if train_only:
        why["train_only"] = "in train, not in test: never features (often parts of the target)"
    fold_kind = "stratified" if task != "regression" and len(targets) == 1 else "kfold"
    why["folds"] = ("classes: every fold keeps their proportions" if fold_kind == "stratified"
                    else "shuffled K-fold")
    time_column = None
    for column, role in ((group, "group"), (time, "time")):
        if column is None:
            continue
        if column not in types.reasons and column not in types.numeric:
            raise DataError(f"--{role}={column}: no such feature column (train and test must both have it).")
        if column in types.drop:
            types.drop.remove(column)
            types.categorical.append(column)
    if group:
        fold_kind, why["folds"] = "group", f"rows of one '{group}' stay in one fold (as asked)"
    if time:
        fold_kind, why["folds"] = "time", f"expanding window in '{time}' order: no fold trains on its future (as asked)"
        time_column = f"{time}_days" if time in types.datetime else time
        if time in types.categorical:
            raise DataError(f"--time={time}: the column holds neither numbers nor dates.")
    min_value = 0.0 if task == "regression" and (train[list(targets)].astype(float).min() >= 0).all() else None
    if len(set(test[id_column])) != len(test):
        check.append(f"the test file's ids repeat ('{id_column}')")
    return Inferred(slug=slug, title=title or slug.replace("-", " ").title(), train_file=train_file,
                    test_file=test_file, sample_file=sample_file, id_column=id_column, targets=targets, task=task,
                    submission_kind=kind, metric=metric, fold_kind=fold_kind, types=types, group_column=group,
                    time_column=time_column, min_value=min_value, why=why, check=check, rows=(len(train), len(test)),
                    train_only=train_only)
