"""Submission files: built from test predictions, validated against the sample submission,
written once (never overwritten) beside a JSON sidecar that says how they were made."""

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.config import Paths
from ..core.errors import DataError, SubmissionError, first_few, plain
from ..core.fileio import atomic_path, write_json
from ..core.metrics import predicted_labels
from ..core.versions import git_commit, package_versions
from ..data.checks import encoding_error, parser_error
from ..spec import CompetitionSpec


@dataclass(frozen=True)
class SubmissionLayout:
    """What Kaggle expects, read from the sample submission: its columns in order, how each value
    column is spelled (``families``: bool, int, float or str), the spelled label of each class
    index (label submissions) and the class index of each probability column."""

    columns: tuple[str, ...]
    kind: str
    families: dict
    labels: tuple = ()
    class_columns: tuple[int, ...] = ()
    min_value: float | None = None
    top_k: int = 0

    @property
    def id_column(self) -> str:
        return self.columns[0]

    @property
    def value_columns(self) -> tuple[str, ...]:
        return self.columns[1:]


# label families whose exact text a submission is judged on (floats are compared as numbers)
SPELLED_AS_TEXT = ("bool", "int", "str")


def family(column: pd.Series) -> str:
    """How a column's values are spelled in a CSV: bool, int, float or str ('empty' if all missing)."""
    if column.isna().all():
        return "empty"
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_float_dtype(column):
        return "float"
    return "str"


def _spell(label, as_family: str):
    """A class label written the way the sample writes labels (True/False, 0/1, names)."""
    label = plain(label)
    text = str(label).strip()
    try:
        if as_family == "bool":
            if isinstance(label, (bool, int, float)) and label in (0, 1):
                return bool(label)
            return {"true": True, "false": False, "1": True, "0": False}[text.lower()]
        if as_family in ("int", "float"):
            number = float(label) if isinstance(label, bool) else float(text)
            if as_family == "float":
                return number
            if not number.is_integer():
                raise ValueError(text)
            return int(number)
    except (KeyError, ValueError):
        raise DataError(f"the sample submission writes {as_family} labels, but the train file has the class "
                        f"'{text}' which cannot be written that way; check the spec's target.") from None
    return label if as_family == "empty" else text


def match_class_columns(columns, classes, target: str) -> tuple[int, ...]:
    """The class index of each probability column: named as the class, or '<target>_<class>'."""
    names = {str(_spell(c, "empty")).lower(): k for k, c in enumerate(classes)}
    found = []
    for column in columns:
        key = str(column).lower()
        candidates = [key, key.removeprefix(f"{target}_".lower())] + [key.rsplit(sep, 1)[-1] for sep in "_ " if sep in key]
        match = next((names[c] for c in candidates if c in names), None)
        if match is None:
            raise DataError(f"the sample submission's column '{column}' names none of the classes of '{target}' "
                            f"({', '.join(map(str, list(names)[:10]))}); name the columns as the classes.")
        found.append(match)
    if sorted(found) != list(range(len(classes))):
        raise DataError(f"the sample submission's probability columns {list(columns)} do not name each class of "
                        f"'{target}' exactly once ({', '.join(map(str, names))}).")
    return tuple(found)


def layout_of(spec: CompetitionSpec, sample: pd.DataFrame, classes=None) -> SubmissionLayout:
    """Read what Kaggle expects from its sample submission (see ``SubmissionLayout``)."""
    columns = tuple(sample.columns)
    values = columns[1:]
    families = {c: family(sample[c]) for c in values}
    kind = spec.submission.kind
    if not values:
        raise DataError("the sample submission has only one column; Kaggle's has the id, then the prediction(s).")
    if kind == "labels":
        if len(values) != len(spec.targets):
            raise DataError(f"label submissions have one column per target ({', '.join(spec.targets)}); "
                            f"the sample submission has {list(values)}.")
        labels = tuple(_spell(c, families[values[0]]) for c in classes)
        return SubmissionLayout(columns, kind, families, labels=labels)
    if kind == "top_labels":
        if len(values) != 1:
            raise DataError(f"a top-{spec.submission.top_k} labels submission has one column of labels joined by "
                            f"spaces; the sample submission has {list(values)}.")
        labels = tuple(str(_spell(c, "str")) for c in classes)
        if any(" " in label for label in labels):
            raise DataError(f"a class of '{spec.targets[0]}' holds a space ({next(x for x in labels if ' ' in x)!r}), "
                            f"so space-joined labels cannot be told apart.")
        return SubmissionLayout(columns, kind, {values[0]: "str"}, labels=labels,
                                top_k=min(spec.submission.top_k, len(labels)))
    class_columns = ()
    if kind == "probabilities" and len(values) != len(spec.targets):  # one column per class
        class_columns = match_class_columns(values, classes, spec.targets[0])
    elif len(values) != len(spec.targets):
        raise DataError(f"the sample submission has {len(values)} prediction columns {list(values)} but the spec "
                        f"of {spec.slug} has {len(spec.targets)} target(s) {list(spec.targets)}.")
    return SubmissionLayout(columns, kind, families, class_columns=class_columns, min_value=spec.submission.min_value)


def build_submission(spec: CompetitionSpec, layout: SubmissionLayout, test_ids: pd.Series,
                     test_pred: np.ndarray) -> pd.DataFrame:
    """Put the test predictions into the sample submission's layout and spelling."""
    pred = np.asarray(test_pred)
    frame = pd.DataFrame({layout.id_column: test_ids.to_numpy()})
    if layout.kind == "labels":
        if len(spec.targets) > 1:
            columns = [(pred[:, j] >= 0.5).astype(int) for j in range(pred.shape[1])]
        else:
            columns = [predicted_labels(pred)]  # the labels the CV metric scored
        labels = pd.Series(layout.labels, dtype=object)
        for name, index in zip(layout.value_columns, columns):
            spelled = labels.iloc[index].to_numpy()
            fam = layout.families[name]
            frame[name] = spelled.astype({"bool": bool, "int": np.int64, "float": float}.get(fam, object))
        return frame
    if layout.kind == "top_labels":
        matrix = pred if pred.ndim == 2 else np.column_stack([1 - pred, pred])
        top = np.argsort(-matrix, axis=1, kind="stable")[:, :layout.top_k]  # ties: as the metric breaks them
        labels = np.asarray(layout.labels, dtype=object)
        frame[layout.value_columns[0]] = [" ".join(row) for row in labels[top]]
        return frame
    if layout.kind == "probabilities" and layout.class_columns:
        matrix = pred if pred.ndim == 2 else np.column_stack([1 - pred, pred])
        pred = matrix[:, list(layout.class_columns)]
    elif layout.kind == "values":
        if spec.metric.log_target:
            pred = np.clip(np.expm1(pred), 0, None)
        pred = np.asarray(spec.to_submission_values(pred))
    pred = pred.reshape(len(frame), -1)
    for j, name in enumerate(layout.value_columns):
        frame[name] = pred[:, j]
    return frame


def validate_submission(layout: SubmissionLayout, frame: pd.DataFrame, sample: pd.DataFrame) -> None:
    """Raise ``SubmissionError`` naming the first check that ``frame`` fails against the sample, with the
    first offending ids (lines count as in the CSV: the header is line 1)."""
    if list(frame.columns) != list(sample.columns):
        raise SubmissionError("columns", f"expected the sample submission's columns in its order, "
                                         f"{list(sample.columns)}; got {list(frame.columns)}.")
    id_col = layout.id_column
    _check_ids(frame[id_col].astype(str), sample[id_col].astype(str), id_col)
    values = frame[list(layout.value_columns)]
    for column in layout.value_columns:
        empty = values[column].isna().to_numpy()
        if empty.any():
            raise SubmissionError("missing", f"column '{column}' has no prediction for {int(empty.sum())} row(s), "
                                             f"{_ids(frame[id_col], empty)}; every row needs one.")
    for column in layout.value_columns:
        if layout.kind == "labels":
            _check_labels(layout, column, frame[column], sample[column], frame[id_col])
        elif layout.kind == "top_labels":
            _check_top_labels(layout, column, frame[column], frame[id_col])
        else:
            _check_numbers(layout, column, frame[column], frame[id_col])


def _check_ids(ids: pd.Series, expected: pd.Series, id_col: str) -> None:
    """Same ids as the sample, each once, in its order; else which ids are missing, extra or repeated."""
    known, given = set(expected), set(ids)
    missing, extra = [i for i in expected if i not in given], [i for i in ids if i not in known]
    repeated = ids[ids.duplicated()].unique()
    problems = [f"{len(missing)} id(s) of the sample submission are missing ({first_few(missing)})" if missing else "",
                f"{len(extra)} id(s) are not in it ({first_few(extra)})" if extra else "",
                f"{len(repeated)} id(s) appear more than once ({first_few(repeated)})" if len(repeated) else ""]
    problems = "; ".join(p for p in problems if p)
    fix = f"write one row per id of the sample submission, in its order (column {id_col})"
    if len(ids) != len(expected):
        raise SubmissionError("row_count", f"expected {len(expected)} rows, got {len(ids)}: {problems}; {fix}.")
    if problems:
        raise SubmissionError("ids", f"{problems}; {fix}.")
    differ = np.flatnonzero(ids.to_numpy() != expected.to_numpy())
    if len(differ):
        first = int(differ[0])
        raise SubmissionError("ids", f"the ids are the sample submission's but in another order, first on line "
                                     f"{first + 2}: expected {expected.iloc[first]}, got {ids.iloc[first]}; {fix}.")


def _example(col: pd.Series):
    return plain(col.iloc[0])


def _check_labels(layout: SubmissionLayout, column: str, col: pd.Series, sample_col: pd.Series,
                  ids: pd.Series) -> None:
    expected = layout.families[column]
    spelled = "/".join(str(v) for v in layout.labels[:10])
    bad = ~col.astype(str).isin(set(map(str, layout.labels)) | set(sample_col.dropna().astype(str)))
    got = family(col)
    if got == "str" and expected in SPELLED_AS_TEXT:  # text from a CSV: what the misspelled values look like
        got = _text_family(col[bad]) if bad.any() else expected
    if expected != "empty" and (got != expected or (expected == "bool" and bad.any())):
        example = _example(col[bad] if bad.any() else col)
        hint = {"bool": f"Kaggle spells this competition's labels True/False, as its sample submission does; "
                        f"a label written {example!r} scores 0: write True/False",
                "int": f"Kaggle expects integer labels ({spelled}); a label written {example!r} scores 0 on Kaggle",
                }.get(expected, f"Kaggle expects {expected} labels ({spelled}), as in its sample submission")
        where = f" (at {_ids(ids, bad)})" if bad.any() else ""
        raise SubmissionError("dtype", f"column '{column}' holds {got} values{where}: {hint}.")
    if bad.any():
        raise SubmissionError("values", f"column '{column}' holds {_example(col[bad])}, which is not a label of "
                                        f"this competition, at {_ids(ids, bad)}; Kaggle spells them {spelled}.")


def _check_top_labels(layout: SubmissionLayout, column: str, col: pd.Series, ids: pd.Series) -> None:
    """Each row: ``top_k`` known labels, space-separated, none twice."""
    known, k = set(layout.labels), layout.top_k
    rows = col.astype(str).str.split()
    for problem, bad in ((f"does not hold {k} labels", rows.map(len) != k),
                         ("holds a label that is not a class", rows.map(lambda r: not set(r) <= known)),
                         ("repeats a label", rows.map(lambda r: len(set(r)) != len(r)))):
        if bad.any():
            example = col[bad.to_numpy()].iloc[0]
            raise SubmissionError("values", f"column '{column}' {problem} ({example!r}) at {_ids(ids, bad.to_numpy())}; "
                                            f"write the {k} most likely of {', '.join(layout.labels[:10])}"
                                            f"{', ...' if len(layout.labels) > 10 else ''} joined by spaces.")


def _text_family(col: pd.Series) -> str:
    """The family pandas would have read these (misspelled) values as: 'true' is a bool to it."""
    return family(pd.read_csv(io.StringIO("v\n" + "\n".join(col.astype(str)) + "\n"))["v"])


def _ids(ids: pd.Series, bad) -> str:
    at = np.flatnonzero(np.asarray(bad))
    return f"{ids.name} {first_few(ids.to_numpy()[at])} (line(s) {first_few(at + 2)})"


def _check_numbers(layout: SubmissionLayout, column: str, col: pd.Series, ids: pd.Series) -> None:
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise SubmissionError("dtype", f"column '{column}' must be numeric, got {col.dtype} (e.g. {_example(col)}).")
    numbers = col.to_numpy(dtype=float)
    if not np.isfinite(numbers).all():
        raise SubmissionError("values", f"column '{column}' holds infinite values, at "
                                        f"{_ids(ids, ~np.isfinite(numbers))}.")
    low = 0.0 if layout.kind == "probabilities" else layout.min_value
    if low is not None and (numbers < low).any():
        raise SubmissionError("values", f"column '{column}' holds {float(numbers.min())}, below the minimum {low}, "
                                        f"at {_ids(ids, numbers < low)}.")
    if layout.kind == "probabilities" and (numbers > 1).any():
        raise SubmissionError("values", f"column '{column}' holds {float(numbers.max())} at {_ids(ids, numbers > 1)}; "
                                        f"probabilities must be at most 1.")


def read_submission(source, layout: SubmissionLayout) -> pd.DataFrame:
    """A submission CSV (a path, or its text in a StringIO) as Kaggle reads it: the id and the labels
    as their exact text (pandas would read 'true' as True, '1.0' as 1), predictions as numbers."""
    text_columns = [layout.id_column] + [c for c in layout.value_columns
                                         if layout.kind in ("labels", "top_labels")
                                         and layout.families[c] in SPELLED_AS_TEXT]
    if not isinstance(source, io.StringIO):  # a path (str or Path); StringIO: text about to be written
        source = Path(source)
        if not source.is_file():
            raise DataError(f"no submission file at {source}.")
    try:
        return pd.read_csv(source, dtype={c: str for c in text_columns})
    except pd.errors.ParserError as exc:
        raise SubmissionError("readable", str(parser_error(source, "submission", exc))) from None
    except pd.errors.EmptyDataError:
        raise SubmissionError("readable", f"{source} is empty (not even a header).") from None
    except UnicodeDecodeError:
        raise SubmissionError("readable", str(encoding_error(source, "submission"))) from None


def validate_file(layout: SubmissionLayout, path: Path, sample: pd.DataFrame) -> None:
    validate_submission(layout, read_submission(path, layout), sample)


def write_submission(spec: CompetitionSpec, paths: Paths, frame: pd.DataFrame, layout: SubmissionLayout,
                     sample: pd.DataFrame, *, name: str, cv_score: float, details: dict) -> Path:
    """Validate the exact bytes to be written, then write CSV + JSON sidecar; never overwrite."""
    text = frame.to_csv(index=False, lineterminator="\n")
    validate_submission(layout, read_submission(io.StringIO(text), layout), sample)
    folder = paths.competition_submissions(spec.slug)
    folder.mkdir(parents=True, exist_ok=True)  # a file in its way fails here, not as a taken name below
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}_{name}_cv{cv_score:.5f}"
    for attempt in range(1, 100):
        path = folder / f"{stem}{'' if attempt == 1 else f'-{attempt}'}.csv"
        try:
            with atomic_path(path, overwrite=False) as tmp:
                tmp.write_text(text, encoding="utf-8")
            break
        except FileExistsError:
            continue
    sidecar = {"competition": spec.slug, "file": path.name, "name": name, "metric": spec.metric_name,
               "cv_score": cv_score, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "git_commit": git_commit(), "packages": package_versions(), **details}
    write_json(path.with_suffix(".json"), sidecar, overwrite=False)
    return path


def newest_submission(paths: Paths, slug: str) -> Path:
    files = sorted(paths.competition_submissions(slug).glob("*.csv"), key=os.path.getmtime)
    if not files:
        raise DataError(f"no submission files in {paths.competition_submissions(slug)}; "
                        f"make one with: invoke ensemble --comp={slug}")
    return files[-1]
