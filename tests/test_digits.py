"""Digit Recognizer (practice data from scikit-learn's digits): layout, hidden answers, models,
leakage and the practice round trip build -> train -> ensemble -> score."""

import dataclasses
import importlib

import numpy as np
import pandas as pd
import pytest

from common.core.config import Paths
from common.core.errors import DataError
from common.data.competition_data import read_raw
from common.engine.cv import run_cv
from common.engine.submission import build_submission, layout_of
from common.spec import FoldScheme, load_competition
from common.steps.download import download
from common.steps.practice import answers_dir, score
from common.steps.workflow import check_submission_file, ensemble, prepare, train

from .conftest import fast_spec, installed

SLUG = "digit-recognizer"
models = importlib.import_module(f"competitions.{SLUG}.models")


def test_spec_says_multiclass_accuracy_on_stratified_folds():
    spec = load_competition(SLUG)
    assert (spec.task, spec.metric_name, spec.folds.kind) == ("multiclass", "accuracy", "stratified")


def test_submission_values_are_the_most_probable_digits_as_ints():
    spec = load_competition(SLUG)
    probabilities = np.full((3, 10), 0.05)
    probabilities[[0, 1, 2], [3, 0, 9]] = 0.55
    sample = pd.DataFrame({"ImageId": ["1", "2", "3"], "Label": [0, 0, 0]})
    layout = layout_of(spec, sample, np.arange(10))
    labels = build_submission(spec, layout, sample["ImageId"], probabilities)["Label"]
    assert labels.tolist() == [3, 0, 9] and labels.dtype.kind == "i"


def test_practice_files_follow_kaggles_layout_and_hide_the_answers(paths):
    spec = installed(SLUG, paths)
    raw = paths.raw(SLUG)
    assert list(pd.read_csv(raw / "train.csv").columns[:2]) == ["label", "pixel0"]
    assert list(pd.read_csv(raw / "test.csv").columns) == [f"pixel{i}" for i in range(64)]
    train_file, test_file, sample = read_raw(spec, paths)  # ids are the row numbers, as on Kaggle
    assert train_file["ImageId"].tolist() == [str(i) for i in range(1, len(train_file) + 1)]
    assert list(sample.columns) == ["ImageId", "Label"] and len(train_file) + len(test_file) == 1797
    assert test_file["ImageId"].tolist() == sample["ImageId"].tolist() == [str(i) for i in range(1, len(test_file) + 1)]
    key = answers_dir(paths, SLUG) / "answers.csv"
    assert key.is_file() and not key.resolve().is_relative_to(raw.resolve())
    assert not list(raw.rglob("answers*")) and "label" not in test_file.columns
    answers = pd.read_csv(key, dtype={"ImageId": str})
    assert answers["ImageId"].tolist() == sample["ImageId"].tolist()
    # stratified split: each digit's share of test is close to its share of train
    shares = answers["Label"].value_counts(normalize=True) - train_file["label"].value_counts(normalize=True)
    assert shares.abs().max() < 0.01


def test_kaggles_own_files_install_as_they_are(paths, tmp_path):
    """Kaggle's files (no id column in train or test) install with --source and read with ids 1..n."""
    spec = installed(SLUG, paths)
    kaggle = tmp_path / "kaggle"
    kaggle.mkdir()
    for name in spec.raw_files:
        (kaggle / name).write_bytes((paths.raw(SLUG) / name).read_bytes())
    other = Paths(tmp_path / "other")
    download(spec, other, kaggle)
    _, test_file, sample = read_raw(spec, other)
    assert test_file.shape == (360, 65) and test_file["ImageId"].tolist() == sample["ImageId"].tolist()


def test_cnn_reads_the_image_size_from_the_pixel_columns():
    keras = models.import_keras()
    for side, pooled, top in ((8, 4, 16), (28, 7, 255)):
        x = np.random.default_rng(0).integers(0, top + 1, size=(6, side * side)).astype("float32")
        net = models.build_cnn_network(x, 10, "softmax", filters=(4, 8), dense_units=8, dropout_rate=0.0)
        flatten = next(layer for layer in net.layers if isinstance(layer, keras.layers.Flatten))
        assert tuple(flatten.input.shape) == (None, pooled, pooled, 8)
        assert net.predict(x, verbose=0).shape == (6, 10)
        # augmentation is active in training only: predictions repeat, training passes differ
        assert np.array_equal(net.predict(x, verbose=0), net.predict(x, verbose=0))
        train_a, train_b = (keras.ops.convert_to_numpy(net(x, training=True)) for _ in range(2))
        assert not np.allclose(train_a, train_b)
    with pytest.raises(DataError, match="square"):
        models.build_cnn_network(np.zeros((2, 50), "float32"), 10, "softmax")


def test_a_folds_oof_predictions_ignore_that_folds_labels(paths):
    """Change fold 0's labels: fold 0's OOF predictions stay, other folds' move."""
    spec = installed(SLUG, paths)
    data, folds = prepare(spec, paths, seed=42)
    before = run_cv(spec, "svc", data, folds, seed=42).oof
    data.y = np.where(folds == 0, (data.y + 1) % 10, data.y)
    after = run_cv(spec, "svc", data, folds, seed=42).oof
    assert np.allclose(before[folds == 0], after[folds == 0])
    assert not np.allclose(before[folds == 1], after[folds == 1])


def test_practice_round_trip_builds_trains_ensembles_and_scores(paths):
    spec = installed(SLUG, paths)
    fast = fast_spec(spec, only=["svc", "cnn"], cnn={"epochs": 2, "filters": (8,), "dense_units": 16})
    fast = dataclasses.replace(fast, folds=FoldScheme(kind="stratified", n_splits=2))
    runs = train(fast, paths, seed=42)
    assert {r.model: r.oof.shape for r in runs} == {"svc": (1437, 10), "cnn": (1437, 10)}
    result, path = ensemble(fast, paths, seed=42)
    check_submission_file(fast, paths, path)
    value = score(fast, paths, path)
    assert 0.95 <= value <= 1.0 and result.cv_score >= 0.95
