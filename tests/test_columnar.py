"""The columnar cache: same values as pandas' CSV reader, narrower types, keyed by the raw manifest."""

import numpy as np
import pandas as pd
import pytest

from common.core.fileio import write_json
from common.data import columnar
from common.data.columnar import narrow_types, read_table
from common.data.raw import MANIFEST, manifest_of

pytest.importorskip("pyarrow")


def write_raw(folder, frame):
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "train.csv", index=False)
    write_json(folder / MANIFEST, {"files": manifest_of(folder)})
    return folder / "train.csv"


def sample_frame(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"id": [f"{i:04d}" for i in range(n)], "count": rng.integers(0, 5, n),
                         "big": rng.integers(0, 2**40, n), "half": rng.integers(0, 8, n) / 2,
                         "price": np.round(rng.normal(size=n), 3), "colour": rng.choice(["red", "blue"], n),
                         "name": [f"name {i}" for i in range(n)],
                         "cabin": [None if i % 3 else f"C{i}" for i in range(n)]})


@pytest.fixture
def cache_everything(monkeypatch):
    monkeypatch.setattr(columnar, "MIN_CACHED_BYTES", 0)


def test_types_narrow_without_changing_a_value(tmp_path, cache_everything):
    path = write_raw(tmp_path / "raw", sample_frame())
    expected = pd.read_csv(path)
    for read in ("parse", "cache"):
        got = read_table(path, "train file")
        assert (tmp_path / "columnar").is_dir() and len(list((tmp_path / "columnar").iterdir())) == 1, read
        assert got["count"].dtype == np.int32 and got["big"].dtype == np.int64  # not narrower than int32
        assert got["half"].dtype == np.float32 and got["price"].dtype == np.float64  # float32 only when exact
        assert isinstance(got["colour"].dtype, pd.CategoricalDtype)  # few distinct labels
        assert not isinstance(got["name"].dtype, pd.CategoricalDtype)  # one per row: kept as strings
        for column in expected:
            assert got[column].astype(str).tolist() == expected[column].astype(str).tolist(), (read, column)


def test_string_columns_stay_exact_strings(tmp_path, cache_everything):
    path = write_raw(tmp_path / "raw", sample_frame())
    got = read_table(path, "train file", string_columns=["id"])
    assert got["id"].tolist()[:2] == ["0000", "0001"]  # pandas alone would read 0, 1
    assert read_table(path, "train file")["id"].tolist()[:2] == [0, 1]


def test_new_files_never_meet_an_old_cache(tmp_path, cache_everything):
    path = write_raw(tmp_path / "raw", sample_frame())
    read_table(path, "train file")
    changed = sample_frame().assign(count=7)
    write_raw(tmp_path / "raw", changed)
    assert (read_table(path, "train file")["count"] == 7).all()


def test_files_outside_a_raw_folder_are_read_without_a_cache(tmp_path, cache_everything):
    path = tmp_path / "loose.csv"
    sample_frame().to_csv(path, index=False)
    assert len(read_table(path, "some file")) == 40
    assert not (tmp_path.parent / "columnar").exists() and list(tmp_path.iterdir()) == [path]


def test_mixed_columns_are_left_as_they_are():
    frame = pd.DataFrame({"mixed": ["a", 1, None, "b"] * 5})
    assert narrow_types(frame)["mixed"].dtype == object


def test_a_malformed_csv_is_named(tmp_path):
    from common.core.errors import DataError
    from common.data.competition_data import read_csv

    path = tmp_path / "train.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="train file .* is empty"):
        read_csv(path, "train file")
