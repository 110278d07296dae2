"""The fine-tuned encoder: it learns from its rows, reproducibly, and keeps its own thread count."""

import numpy as np
import pandas as pd
import pytest

from common.core.errors import KitError
from common.engine.artifacts import load_fold_model, save_fold_model
from common.engine.executor import set_threads
from common.models.fine_tuning import FineTunedEncoderClassifier, length_batches

pytest.importorskip("transformers")

DISASTER = ["flood waters rise in the city", "earthquake destroys homes", "wildfire forces evacuation",
            "explosion at the chemical plant", "hurricane kills dozens", "train derailment injures many"]
CALM = ["lovely picnic in the park", "my cat is sleeping on the sofa", "great pizza with friends tonight",
        "new shoes look amazing", "watching a funny movie", "sunny morning coffee"]
TEXTS = pd.DataFrame({"sentence": DISASTER * 4 + CALM * 4, "other": 0})
LABELS = np.array([1] * 24 + [0] * 24)
TINY = {"column": "sentence", "epochs": 3, "learning_rate": 1e-4, "batch_size": 8, "max_length": 16}


@pytest.fixture(scope="module")
def fitted():
    return FineTunedEncoderClassifier(**TINY).fit(TEXTS, LABELS)


def test_it_learns_its_training_rows(fitted):
    assert (fitted.predict(TEXTS) == LABELS).mean() >= 0.9
    proba = fitted.predict_proba(TEXTS)
    assert proba.shape == (48, 2) and np.allclose(proba.sum(axis=1), 1)
    assert fitted.classes_.tolist() == [0, 1]


def test_a_refit_and_a_saved_model_give_the_same_bits(fitted, tmp_path):
    again = FineTunedEncoderClassifier(**TINY).fit(TEXTS, LABELS)
    assert fitted.predict_proba(TEXTS).tobytes() == again.predict_proba(TEXTS).tobytes()
    save_fold_model(fitted, tmp_path, "fold0")
    loaded = load_fold_model(tmp_path, "fold0")
    assert loaded.predict_proba(TEXTS).tobytes() == fitted.predict_proba(TEXTS).tobytes()


def test_the_executor_leaves_its_thread_count_alone():
    model = FineTunedEncoderClassifier(threads=2)
    set_threads(model, 1)  # the executor's share of the cores under --jobs=2 on two cores
    assert model.threads == 2  # its last bits depend on it, and results must not depend on the executor


def test_batches_cover_every_row_once_and_group_similar_lengths():
    lengths = np.random.default_rng(0).integers(3, 60, size=1000)
    batches = length_batches(lengths, 32, np.random.default_rng(1))
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 10  # random batches of 32 would spread over ~50 tokens
    again = length_batches(lengths, 32, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    ordered = np.concatenate(length_batches(lengths, 32, None))
    assert np.all(np.diff(lengths[ordered]) >= 0)


def test_bad_inputs_are_named():
    with pytest.raises(KitError, match="column='text'"):
        FineTunedEncoderClassifier(column="text").fit(TEXTS, LABELS)
    with pytest.raises(KitError, match="one text column"):
        FineTunedEncoderClassifier().fit(TEXTS, LABELS)
    with pytest.raises(KitError, match="two classes"):
        FineTunedEncoderClassifier(column="sentence").fit(TEXTS, np.zeros(48))
