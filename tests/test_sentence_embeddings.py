"""The frozen sentence encoder: verified model files, a cache that never recomputes, no learning."""

import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from common.core.errors import KitError
from common.models import sentence_embeddings as se


class CountingEncoder:
    """Stands in for the network: a vector from the text's length, and a log of what it encoded."""

    def __init__(self):
        self.calls = []

    def encode(self, texts, **kwargs):
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0] + [0.0] * (se.EMBEDDING_DIM - 2) for t in texts], dtype="float32")


@pytest.fixture
def counting_encoder(monkeypatch):
    encoder = CountingEncoder()
    monkeypatch.setattr(se, "load_encoder", lambda: encoder)
    return encoder


def test_each_text_is_encoded_once_and_read_back_in_order(tmp_path, counting_encoder):
    first = se.embed_texts(["a", "bbb", "a"], tmp_path)
    assert counting_encoder.calls == [["a", "bbb"]]  # duplicates encoded once
    assert first[:, 0].tolist() == [1, 3, 1]
    again = se.embed_texts(["cc", "bbb", "a"], tmp_path)  # a new cache object reads the file
    assert counting_encoder.calls == [["a", "bbb"], ["cc"]]
    assert again[:, 0].tolist() == [2, 3, 1]
    assert se.embed_texts(["a", "cc"], tmp_path).shape == (2, se.EMBEDDING_DIM)
    assert len(counting_encoder.calls) == 2


def test_an_unreadable_cache_is_reported_with_the_fix(tmp_path, counting_encoder):
    (tmp_path / f"{se.MODEL_NAME}.npz").write_bytes(b"not a numpy file")
    with pytest.raises(KitError, match="Delete it"):
        se.embed_texts(["a"], tmp_path)


def test_the_embedder_learns_nothing_and_reads_its_column(tmp_path, counting_encoder):
    frame = pd.DataFrame({"sentence": ["x", "yy", "zzz"], "other": [1, 2, 3]})
    embedder = se.SentenceEmbedder(column="sentence", cache_dir=tmp_path)
    before = clone(embedder).fit(frame.iloc[:1]).transform(frame)
    after = clone(embedder).fit(frame.iloc[1:]).transform(frame)
    np.testing.assert_array_equal(before, after)
    assert before[:, 0].tolist() == [1, 2, 3]
    assert se.SentenceEmbedder(cache_dir=tmp_path).fit_transform(frame[["sentence"]]).shape == (3, se.EMBEDDING_DIM)
    with pytest.raises(KitError, match="column='text'"):
        se.SentenceEmbedder(column="text").fit(frame)
    with pytest.raises(KitError, match="one text column"):
        se.SentenceEmbedder().fit(frame)


def test_changed_model_files_are_refused(tmp_path):
    installed = se.model_folder()
    se.check_model_files(installed)  # the installed files are the published ones
    copy = tmp_path / "model"
    copy.mkdir()
    for name in se.OFFICIAL_SHA256:
        target = copy / name
        if name == "model.safetensors":
            target.symlink_to(installed / name)  # 90 MB: linked, not copied
        else:
            shutil.copy(installed / name, target)
    se.check_model_files(copy)
    (copy / "vocab.txt").write_text("[PAD]\n", encoding="utf-8")
    with pytest.raises(KitError, match="vocab.txt is not the published"):
        se.check_model_files(copy)
    shutil.copy(installed / "vocab.txt", copy / "vocab.txt")
    (copy / "config.json").unlink()
    with pytest.raises(KitError, match="config.json is missing"):
        se.check_model_files(copy)


def test_the_real_encoder_places_similar_sentences_together(embedding_cache):
    texts = ["Forest fire near the town, families evacuated", "Wildfire is burning homes in the valley",
             "I love this new song so much"]
    vectors = se.SentenceEmbedder().fit_transform(np.array(texts, dtype=object).reshape(-1, 1))
    assert vectors.shape == (3, se.EMBEDDING_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
