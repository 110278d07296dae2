import numpy as np
import pandas as pd
import pytest

from common.core.config import Paths
from common.core.errors import DataError
from common.data.folds import assign_folds, fold_indices, folds_fingerprint, load_or_make_folds
from common.spec import FoldScheme, load_competition

rng = np.random.default_rng(0)
Y = (rng.random(203) < 0.3).astype(int)


@pytest.mark.parametrize("kind", ["stratified", "kfold"])
def test_each_row_in_exactly_one_fold(kind):
    folds = assign_folds(FoldScheme(kind=kind, n_splits=5), Y, seed=1)
    assert folds.shape == Y.shape
    assert set(folds) == set(range(5))
    seen = np.concatenate([valid for _, _, valid in fold_indices(folds, FoldScheme(kind=kind))])
    assert sorted(seen) == list(range(len(Y)))


def test_train_and_valid_rows_are_disjoint_and_cover_everything():
    scheme = FoldScheme(n_splits=4)
    folds = assign_folds(scheme, Y, seed=3)
    for _, train, valid in fold_indices(folds, scheme):
        assert not set(train) & set(valid)
        assert len(train) + len(valid) == len(Y)


def test_stratified_folds_keep_the_class_balance():
    folds = assign_folds(FoldScheme(n_splits=5), Y, seed=7)
    overall = Y.mean()
    for k in range(5):
        assert abs(Y[folds == k].mean() - overall) < 0.03


def test_same_seed_same_folds_other_seed_other_folds():
    scheme = FoldScheme(n_splits=5)
    a, b, c = (assign_folds(scheme, Y, seed=s) for s in (11, 11, 12))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert folds_fingerprint(a) == folds_fingerprint(b) != folds_fingerprint(c)


def test_group_folds_keep_groups_together():
    groups = np.repeat(np.arange(50), 4)
    folds = assign_folds(FoldScheme(kind="group", n_splits=5), np.zeros(200), seed=0, groups=groups)
    for g in range(50):
        assert len(set(folds[groups == g])) == 1


def test_time_folds_never_train_on_the_future():
    order = rng.permutation(120)  # row i happens at time order[i]
    scheme = FoldScheme(kind="time", n_splits=4)
    folds = assign_folds(scheme, np.zeros(120), seed=0, order=order)
    assert (folds == -1).sum() > 0  # the earliest block only trains
    for _, train, valid in fold_indices(folds, scheme, order):
        assert order[train].max() < order[valid].min()


def test_folds_are_stored_once_and_reused(tmp_path):
    spec = load_competition("titanic")
    paths = Paths(tmp_path)
    ids = pd.Series(np.arange(100, 303))
    frame = pd.DataFrame(index=range(len(Y)))
    first = load_or_make_folds(spec, paths, ids, Y, frame, seed=5)
    stored = pd.read_csv(paths.folds_file("titanic"))
    assert list(stored.columns) == ["PassengerId", "fold"]
    assert np.array_equal(stored["PassengerId"], ids)
    # a second call reads the file, whatever seed it is given
    assert np.array_equal(load_or_make_folds(spec, paths, ids, Y, frame, seed=99), first)


def test_stored_folds_that_do_not_match_the_rows_are_refused(tmp_path):
    spec = load_competition("titanic")
    paths = Paths(tmp_path)
    frame = pd.DataFrame(index=range(len(Y)))
    load_or_make_folds(spec, paths, pd.Series(np.arange(len(Y))), Y, frame, seed=5)
    with pytest.raises(DataError, match="does not match the train rows"):
        load_or_make_folds(spec, paths, pd.Series(np.arange(1, len(Y) + 1)), Y, frame, seed=5)
