"""The features are computed once per data and code version: a second load reads them back;
an edit to the features code or new data computes them again."""

import importlib
import sys

import numpy as np
import pandas as pd
import pytest

from common.core.config import Paths
from common.data import feature_cache
from common.data.competition_data import load_competition_data
from tests.support.toy_competition import SLUG, install_toy_data, toy_spec

FEATURES = '''
import pandas as pd
from pathlib import Path

LOG = Path({log!r})


def make_features(train, test):
    with LOG.open("a") as log:
        log.write("computed\\n")
    out = []
    for frame in (train, test):
        X = frame.drop(columns=["id"]).assign(ratio=frame["x0"] / (frame["x1"].abs() + 1))
        X["band"] = pd.cut(frame["x2"], [-99, -1, 1, 99], labels=["low", "mid", "high"])
        X["text"] = ["a" if v > 0 else None for v in frame["x3"]]
        out.append(X{extra})
    return tuple(out)
'''


@pytest.fixture
def features_module(tmp_path, monkeypatch):
    """A competition's features module in a file of its own: write(extra) rewrites and reloads it."""
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    monkeypatch.setattr(feature_cache, "MIN_SECONDS", 0.0)  # cache even these quick features
    log = tmp_path / "calls.log"
    (tmp_path / "code").mkdir()
    name = f"toy_features_{tmp_path.name}"

    def write(extra=""):
        (tmp_path / "code" / f"{name}.py").write_text(FEATURES.format(log=str(log), extra=extra))
        module = importlib.reload(sys.modules[name]) if name in sys.modules else importlib.import_module(name)
        return module

    write.calls = lambda: len(log.read_text().splitlines()) if log.exists() else 0
    yield write
    sys.modules.pop(name, None)


def spec_with(module):
    import dataclasses

    return dataclasses.replace(toy_spec(), make_features=module.make_features)


def assert_same_data(a, b):
    pd.testing.assert_frame_equal(a.X, b.X, check_exact=True)
    pd.testing.assert_frame_equal(a.X_test, b.X_test, check_exact=True)
    assert np.array_equal(a.y, b.y)


def test_features_are_computed_once_then_read_back_identical(tmp_path, features_module):
    paths = Paths(tmp_path / "root")
    install_toy_data(paths)
    spec = spec_with(features_module())
    first = load_competition_data(spec, paths)
    second = load_competition_data(spec, paths)
    assert features_module.calls() == 1
    assert_same_data(second, first)
    assert second.X["text"].isna().sum() > 0
    assert isinstance(second.X["band"].dtype, pd.CategoricalDtype)
    assert len(list((paths.competition_data(SLUG) / "features").glob("*.parquet"))) == 2


def test_an_edit_to_the_features_code_or_new_data_computes_them_again(tmp_path, features_module):
    paths = Paths(tmp_path / "root")
    install_toy_data(paths)
    load_competition_data(spec_with(features_module()), paths)
    edited = features_module(extra=".assign(double=lambda X: X['x0'] * 2)")
    data = load_competition_data(spec_with(edited), paths)
    assert features_module.calls() == 2 and "double" in data.X
    install_toy_data(paths, seed=1)  # new raw files
    fresh = load_competition_data(spec_with(edited), paths)
    assert features_module.calls() == 3
    assert not np.array_equal(fresh.X["x0"], data.X["x0"])
    load_competition_data(spec_with(edited), paths)
    assert features_module.calls() == 3
    # one version kept: the latest
    assert len(list((paths.competition_data(SLUG) / "features").glob("*.parquet"))) == 2


def test_features_that_do_not_survive_parquet_are_recomputed(tmp_path, features_module):
    paths = Paths(tmp_path / "root")
    install_toy_data(paths)
    mixed = features_module(extra=".assign(mixed=lambda X: [1 if i % 2 else 'one' for i in range(len(X))])")
    first = load_competition_data(spec_with(mixed), paths)
    second = load_competition_data(spec_with(mixed), paths)
    assert features_module.calls() == 2
    assert_same_data(second, first)
    assert not list((paths.competition_data(SLUG) / "features").glob("*"))


def test_quick_features_are_not_cached(tmp_path):
    paths = Paths(tmp_path)
    install_toy_data(paths)
    load_competition_data(toy_spec(), paths)
    assert not (paths.competition_data(SLUG) / "features").exists()


def test_the_code_hash_follows_the_kits_helpers_and_the_competition_folder():
    from common.spec import load_competition

    spec = load_competition("house-prices-advanced-regression-techniques", tuned=False)
    assert feature_cache.code_hash(spec.make_features) == feature_cache.code_hash(spec.make_features)
    assert len(feature_cache.code_hash(spec.make_features)) == 64
