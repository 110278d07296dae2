"""A typed columnar cache of the raw CSV files: parsed once, read back fast and small.

The first read of a raw file parses the CSV with pandas (the same parser, so the same values,
as a plain ``pd.read_csv``), then narrows its types: integers to int32 where they fit (not
narrower: int8 or int16 would overflow on everyday feature arithmetic such as quality x area), floats to float32 where every value survives the round trip exactly, and string
columns with few distinct values to categories (columns named in ``string_columns``, e.g. ids,
stay exact strings). The result is written as Parquet beside the raw folder
(``data/<slug>/columnar/``; files under 10 MB are parsed every time, which is faster), keyed by the file's sha256 in the raw manifest, so a new download
never meets an old cache and later reads skip the parsing.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.fileio import atomic_path

MANIFEST = "manifest.json"  # the raw folder's manifest (see common/data/competition_data.py)
FORMAT_VERSION = 1  # bump when the type rules below change: old cache files are then not used
MIN_CACHED_BYTES = 10 * 2**20  # smaller files parse faster than Arrow starts: not cached
MAX_CATEGORY_SHARE = 0.5  # a string column becomes a category when distinct values <= this share


def read_table(path: Path, what: str, *, string_columns=()) -> pd.DataFrame:
    """The CSV at ``path`` as a typed DataFrame (see module doc); ``what`` names it in errors."""
    path = Path(path)
    string_columns = tuple(string_columns)
    cache = cache_file(path, string_columns) if path.stat().st_size >= MIN_CACHED_BYTES else None
    if cache is not None and cache.exists():
        return _from_parquet(pd.read_parquet(cache))
    frame = narrow_types(_parse_csv(path, what, string_columns), string_columns)
    if cache is not None:
        _write_cache(frame, cache)
    return frame


def _parse_csv(path: Path, what: str, string_columns: tuple) -> pd.DataFrame:
    # parse errors (encoding, empty file, bad rows) reach common.data.competition_data.read_csv, which explains them
    return pd.read_csv(path, dtype={c: str for c in string_columns} or None)


def cache_file(path: Path, string_columns: tuple) -> Path | None:
    """Where the cache of a raw file lives; None for files outside a raw folder with a manifest
    (or whose size no longer matches it: the raw folder is never edited, but if it was, the CSV
    is read as it is)."""
    manifest = path.parent / MANIFEST
    if not manifest.exists():
        return None
    entry = json.loads(manifest.read_text(encoding="utf-8")).get("files", {}).get(path.name)
    if entry is None or entry.get("size") != path.stat().st_size:
        return None
    key = hashlib.sha256(json.dumps([entry["sha256"], sorted(string_columns), FORMAT_VERSION]).encode())
    return path.parent.parent / "columnar" / f"{path.name}.{key.hexdigest()[:16]}.parquet"


def narrow_types(frame: pd.DataFrame, string_columns=()) -> pd.DataFrame:
    """Smaller types for the same values (see module doc)."""
    out = {}
    for name, column in frame.items():
        if name in string_columns:
            out[name] = column
        elif pd.api.types.is_bool_dtype(column):
            out[name] = column
        elif pd.api.types.is_integer_dtype(column):
            # not below int32: int8 / int16 overflow on everyday feature arithmetic (quality x area)
            narrow = pd.to_numeric(column, downcast="integer")
            out[name] = narrow if narrow.dtype.itemsize >= 4 else column.astype(np.int32)
        elif pd.api.types.is_float_dtype(column):
            narrow = column.astype(np.float32)
            exact = np.array_equal(narrow.to_numpy(np.float64), column.to_numpy(np.float64), equal_nan=True)
            out[name] = narrow if exact else column
        elif (pd.api.types.is_string_dtype(column) and not isinstance(column.dtype, pd.CategoricalDtype)
              and _all_strings(column)) and \
                column.nunique() <= MAX_CATEGORY_SHARE * max(1, column.notna().sum()):
            out[name] = column.astype("category")
        else:
            out[name] = column
    return pd.DataFrame(out, index=frame.index)


def _all_strings(column: pd.Series) -> bool:
    values = column.dropna()
    return bool(values.map(type).eq(str).all())


def _write_cache(frame: pd.DataFrame, cache: Path) -> None:
    """Best effort: a frame Parquet cannot hold as it is (mixed types in a column) is not cached."""
    try:
        with atomic_path(cache) as tmp:
            frame.to_parquet(tmp, index=False)
    except (ImportError, ValueError, TypeError, OverflowError):  # no pyarrow; Arrow errors subclass these
        return


def _from_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet gives missing strings back as None; pandas' CSV reader gives NaN."""
    for name, column in frame.items():
        if column.dtype == object:
            frame[name] = column.where(column.notna(), np.nan)
    return frame
