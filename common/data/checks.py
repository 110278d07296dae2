"""Checks on the competition's files where they enter the kit (download and data loading).

Each check raises ``DataError`` naming the file, the column, the line and the fix, so that bad
input stops here with a clear message instead of failing later, deep inside a feature function
or a model, with a traceback. Line numbers are the CSV's own (the header is line 1).
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataError, first_few

# a column is "numbers with stray text" when at least this share of its values parse as numbers
NUMERIC_SHARE = 0.9
CLASSIFICATION = ("binary", "multiclass")


def check_raw(spec, train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame, raw_dir: Path) -> None:
    """Refuse train/test/sample frames the kit cannot learn from or submit for (see module doc)."""
    raw_dir = Path(raw_dir)
    files = {"train": raw_dir / spec.train_file, "test": raw_dir / spec.test_file,
             "sample": raw_dir / spec.sample_submission_file}
    targets = spec.targets
    _check_columns(spec, train, test, files)
    if len(train) == 0:
        raise DataError(f"{files['train']} is empty (a header, no rows); use the competition's full files: "
                        f"{_again(spec)}")
    if len(test) == 0:
        raise DataError(f"{files['test']} is empty (a header, no rows); use the competition's full files: "
                        f"{_again(spec)}")
    _check_shared_columns(spec, train, test, files, targets)
    for frame, label in ((train, "train"), (test, "test")):
        _check_finite(frame, files[label])
    _check_types(train, test, files, exclude={spec.id_column, *targets})
    _check_targets(spec, train, files["train"], targets)
    _check_enough_rows(spec, train, files["train"], targets)
    for frame, label in ((train, "train"), (test, "test")):
        _check_unique_ids(frame[spec.id_column], files[label], spec.id_column)
    _check_sample_ids(test[spec.id_column], sample, files)


def _again(spec) -> str:
    """How to install the files again, from Kaggle or from the folder the user fixed."""
    kaggle = "" if spec.practice_source else f"invoke download --comp={spec.slug} --force from Kaggle, or "
    return f"{kaggle}invoke download --comp={spec.slug} --source=FOLDER --force with the fixed files"


def _line(frame: pd.DataFrame, position: int) -> int:
    return position + 2  # one for the header, one because lines count from 1


def _check_columns(spec, train, test, files) -> None:
    """The id and target columns the spec names are in the files, else: which columns are there."""
    for frame, label, wanted in ((train, "train", [spec.id_column, *spec.targets]), (test, "test", [spec.id_column])):
        absent = [c for c in wanted if c not in frame.columns]
        if absent:
            role = "target" if set(absent) <= set(spec.targets) else "id/target"
            raise DataError(f"{files[label]} has no column {', '.join(map(repr, absent))} ({role} in the spec); its "
                            f"columns are {first_few(list(frame.columns), 12)}. Use the competition's own {label} "
                            f"file, or name the right column in competitions/{spec.slug}/spec.py.")


def _check_enough_rows(spec, train, path, targets) -> None:
    """Rows against folds, here where the file can still be fixed rather than later inside ``train``."""
    n_splits = spec.folds.n_splits
    if len(train) < n_splits:
        raise DataError(f"{path} has {len(train)} rows, fewer than the {n_splits} CV folds of the spec: every fold "
                        f"needs rows to score. Use the competition's full train file, or lower n_splits in "
                        f"competitions/{spec.slug}/spec.py.")
    if spec.task in CLASSIFICATION and spec.folds.kind == "stratified" and len(targets) == 1:
        counts = train[targets[0]].value_counts()
        if counts.max() < n_splits:
            raise DataError(f"{path}, column {targets[0]}: no class has {n_splits} rows (the most frequent has "
                            f"{counts.max()}), so {n_splits} stratified folds cannot be made. Lower n_splits in "
                            f"competitions/{spec.slug}/spec.py.")


def _check_shared_columns(spec, train, test, files, targets) -> None:
    train_only = set(targets) | {spec.id_column} | set(spec.train_only_columns)
    missing = [c for c in train.columns if c not in test.columns and c not in train_only]
    if missing:
        raise DataError(f"{files['test']} lacks column(s) {', '.join(map(str, missing))} that {files['train']} has; "
                        f"the features are made from the columns both files share. Use the competition's own "
                        f"test file ({_again(spec)}), or add the column(s).")


def _check_finite(frame: pd.DataFrame, path: Path) -> None:
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        bad = np.isinf(values.to_numpy())
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise DataError(f"{path}, column {column}: {int(bad.sum())} infinite value(s) ({values.iloc[at]} "
                            f"first on line {_line(frame, at)}); models cannot learn from them. Replace them "
                            f"with a number or leave the cell empty (a missing value).")


def _stray_text(values: pd.Series) -> tuple[int, str] | None:
    """(position, value) of the first text cell in a column whose other values are numbers."""
    present = values.dropna()
    if present.empty or pd.api.types.is_numeric_dtype(values):
        return None
    parsed = pd.to_numeric(present, errors="coerce")
    if parsed.notna().mean() < NUMERIC_SHARE:
        return None  # a text column, not a numeric one with a stray value
    first = parsed.index[parsed.isna()][0]
    return int(values.index.get_loc(first)), str(values.loc[first])


def _check_types(train, test, files, exclude) -> None:
    for column in [c for c in train.columns if c in test.columns and c not in exclude]:
        a, b = train[column], test[column]
        if pd.api.types.is_numeric_dtype(a) == pd.api.types.is_numeric_dtype(b):
            continue
        for frame, values, label in ((train, a, "train"), (test, b, "test")):
            stray = _stray_text(values)
            if stray is not None:
                at, value = stray
                other = "test" if label == "train" else "train"
                raise DataError(f"{files[label]}, column {column}: text '{value}' on line {_line(frame, at)} in a "
                                f"numeric column (numbers in {files[other]}). Fix that cell (a number, or "
                                f"empty for a missing value) and install the files again with --force.")


def _check_targets(spec, train, path, targets) -> None:
    for target in targets:
        values = train[target]
        empty = np.flatnonzero(values.isna().to_numpy())
        if len(empty):
            raise DataError(f"{path}, column {target}: {len(empty)} row(s) have no target (lines "
                            f"{first_few([_line(train, int(i)) for i in empty])}); every training row needs one. "
                            f"Fill those cells or delete those rows, then install the files again with --force.")
        if spec.task in CLASSIFICATION:
            classes = values.dropna().unique()
            if len(classes) < 2:
                raise DataError(f"{path}, column {target}: every row has the same class ({classes[0]}); a "
                                f"{spec.task} model needs at least two classes. Check that this is the "
                                f"competition's full train file.")
        elif not pd.api.types.is_numeric_dtype(values):
            stray = _stray_text(values)
            where = f" ('{stray[1]}' on line {_line(train, stray[0])})" if stray else ""
            raise DataError(f"{path}, column {target}: the target of a regression must be numbers, found text{where}.")


def _check_unique_ids(ids: pd.Series, path: Path, id_column: str) -> None:
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        lines = [_line(ids, int(i)) for i in np.flatnonzero(repeated.to_numpy())[:4]]
        raise DataError(f"{path}, column {id_column}: id {ids[repeated].iloc[0]} appears more than once "
                        f"(lines {', '.join(map(str, lines))}); every row needs its own id. Remove the repeated rows.")


def _check_sample_ids(test_ids: pd.Series, sample: pd.DataFrame, files) -> None:
    if sample.shape[1] < 2:
        raise DataError(f"{files['sample']} should have an id column and at least one prediction column; "
                        f"it has {list(sample.columns)}.")
    expected = sample.iloc[:, 0].astype(str).to_numpy()
    ids = test_ids.astype(str).to_numpy()
    if len(ids) != len(expected):
        raise DataError(f"{files['sample']} has {len(expected)} rows but {files['test']} has {len(ids)}; a "
                        f"submission has one row per test row. Use the sample submission of the same download.")
    differ = np.flatnonzero(ids != expected)
    if len(differ):
        at = int(differ[0])
        raise DataError(f"the ids of {files['sample']} and {files['test']} differ, first on line {at + 2}: "
                        f"{expected[at]} in the sample submission, {ids[at]} in the test file. Both must list the "
                        f"same ids in the same order: use the two files of the same download.")


ENCODINGS = (("cp1252", "Windows-1252 (Western European, Excel's default)"), ("latin-1", "Latin-1 (ISO-8859-1)"))


def encoding_error(path: Path, what: str) -> DataError:
    """A message for a file that is not UTF-8: where the first bad byte is and what to convert from."""
    data = Path(path).read_bytes()
    try:
        data.decode("utf-8")
        return DataError(f"cannot read {what} {path} as UTF-8 text.")
    except UnicodeDecodeError as exc:
        start, byte = exc.start, data[exc.start]
    line = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    encoding, name = next((e, n) for e, n in ENCODINGS if _decodes(data, e))
    return DataError(f"{what} {path} is not UTF-8: byte 0x{byte:02X} at byte offset {start} (line {line}, "
                     f"column {column}). It looks like {name}. Convert it, e.g. "
                     f"`iconv -f {encoding} -t utf-8 {Path(path).name} > {Path(path).stem}-utf8.csv`, "
                     f"and install the converted files with --source=FOLDER --force.")


def parser_error(path: Path, what: str, exc: Exception) -> DataError:
    """pandas' tokenizer error as the user can act on it: the file, the line and what is wrong there."""
    text = str(exc)
    if quote := re.search(r"EOF inside string starting at row (\d+)", text):  # rows count from 0, header included
        return DataError(f"{what} {path}: an unbalanced quote (\") starts on line {int(quote[1]) + 1}, so the rest "
                         f"of the file reads as one value. Close or remove that quote.")
    if fields := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        return DataError(f"{what} {path}: line {fields[2]} has {fields[3]} values where the header has {fields[1]}. "
                         f"A value holding a comma needs quotes (\"a, b\"); otherwise remove the stray comma.")
    return DataError(f"{what} {path} is not a well-formed CSV file ({text.split('error: ')[-1].strip()}); "
                     f"save it again as CSV.")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False
