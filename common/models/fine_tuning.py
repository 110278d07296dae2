"""A pretrained sentence encoder fine-tuned end to end, as a scikit-learn classifier.

The frozen embeddings (``common.models.sentence_embeddings``) give every competition the same vector for
a text; fine-tuning moves all of all-MiniLM-L6-v2's weights towards the competition's labels,
which is the known way past what a frozen encoder and a classifier on top can reach on text
tasks. It learns from labels, so it is fitted per fold on the fold's training rows only (a fresh
copy of the pretrained weights each time).

On a CPU it is slow: about 40 tweets a second on two cores, forward and backward, so Disaster
Tweets' five folds of two epochs take 29 minutes; competitions offer it as an opt-in model.
Batches hold texts of similar length (less padding, the same result for a given seed), and the
run is reproducible to the bit for a seed and a thread count. Where PyTorch sees a GPU (a Kaggle
notebook with an accelerator) it trains and predicts there (not measured: no GPU here); the
fitted model is kept on the CPU, so that it loads on any machine.
"""

import contextlib
import copy
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight

from ..core.errors import KitError
from ..core.extras import require
from ..core.progress import sub_bar
from .sentence_embeddings import EMBEDDING_DIM, MODEL_NAME, text_column, verified_model_folder

BUCKET = 50  # batches drawn from chunks of 50 batches' worth of rows, sorted by length within


def device():
    """A GPU when PyTorch sees one, else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _quiet_transformers():
    require(["torch", "transformers"], f"fine-tuning {MODEL_NAME}")
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


@lru_cache(maxsize=1)
def tokenizer():
    """The tokenizer, read once per process from the verified files (all that predicting needs
    besides the fitted model)."""
    _quiet_transformers()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(verified_model_folder()))


@lru_cache(maxsize=1)
def pretrained_encoder():
    """The pretrained encoder, read once per process from the verified files; every fit trains a
    deep copy."""
    _quiet_transformers()
    from transformers import AutoModel

    return AutoModel.from_pretrained(str(verified_model_folder()))


def length_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Row batches of similar lengths. With ``rng`` (training): shuffled rows, sorted by length
    within chunks of ``BUCKET`` batches, the batches in shuffled order; without: sorted by length."""
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    order, chunk = rng.permutation(len(lengths)), batch_size * BUCKET
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start:start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class FineTunedEncoderClassifier(ClassifierMixin, BaseEstimator):
    """all-MiniLM-L6-v2 with a linear layer on its mean-pooled tokens, all weights trained.

    ``column`` names the text column of a DataFrame (without it the input is one text column);
    AdamW with a linear warm-up over ``warmup`` of the steps, then a linear decay to 0;
    ``class_weight="balanced"`` weighs the loss by inverse class frequency; ``threads``: PyTorch's
    threads, fixed whatever the executor (see ``_threads``).
    """

    def __init__(self, column=None, epochs=2, learning_rate=5e-5, batch_size=32, max_length=64, warmup=0.1,
                 weight_decay=0.01, class_weight=None, threads=2, random_state=0):
        self.column = column
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.class_weight = class_weight
        self.threads = threads
        self.random_state = random_state

    def fit(self, X, y):
        import torch

        texts, y = self._texts(X), np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise KitError(f"FineTunedEncoderClassifier needs two classes or more, got {self.classes_.tolist()}.")
        where = device()
        weights = None
        if self.class_weight is not None:
            weights = torch.tensor(compute_class_weight(self.class_weight, classes=self.classes_, y=y),
                                   dtype=torch.float32, device=where)
        tokens = self._tokens(texts)
        rng = np.random.default_rng(self.random_state)
        with self._threads():
            torch.manual_seed(self.random_state)  # dropout and the head's initial weights
            self.encoder_ = copy.deepcopy(pretrained_encoder()).to(where)
            self.head_ = torch.nn.Linear(EMBEDDING_DIM, len(self.classes_)).to(where)
            parameters = list(self.encoder_.parameters()) + list(self.head_.parameters())
            optimizer = torch.optim.AdamW(parameters, lr=self.learning_rate, weight_decay=self.weight_decay)
            steps = self.epochs * -(-len(texts) // self.batch_size)
            warm = max(1, int(self.warmup * steps))
            schedule = torch.optim.lr_scheduler.LambdaLR(
                optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
            target = torch.as_tensor(codes, dtype=torch.long, device=where)
            self.encoder_.train()
            with sub_bar(f"fine-tuning {MODEL_NAME}: batches", steps) as advance:
                for _ in range(self.epochs):
                    for rows in length_batches(tokens["lengths"], self.batch_size, rng):
                        loss = torch.nn.functional.cross_entropy(self._logits(tokens, rows), target[rows],
                                                                 weight=weights)
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                        schedule.step()
                        advance(1)
            self.encoder_.eval().cpu()
            self.head_.cpu()
        return self

    def predict_proba(self, X):
        import torch

        tokens = self._tokens(self._texts(X))
        proba = np.empty((len(tokens["lengths"]), len(self.classes_)), dtype=np.float64)
        with self._threads(), torch.no_grad():
            where = device()
            self.encoder_.to(where)
            self.head_.to(where)
            try:
                for rows in length_batches(tokens["lengths"], 128, None):
                    proba[rows] = torch.softmax(self._logits(tokens, rows), dim=1).double().cpu().numpy()
            finally:
                self.encoder_.cpu()
                self.head_.cpu()
        return proba

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # --- helpers ---------------------------------------------------------------------------

    def _tokens(self, texts) -> dict:
        encoded = tokenizer()(texts, truncation=True, max_length=self.max_length)
        ids = encoded["input_ids"]
        return {"ids": ids, "lengths": np.array([len(row) for row in ids])}

    def _logits(self, tokens, rows):
        """The head on the mean of the batch's token vectors (padding excluded), as the sentence
        encoder pools them."""
        import torch

        width = int(tokens["lengths"][rows].max())
        ids = torch.zeros((len(rows), width), dtype=torch.long)  # 0 is MiniLM's [PAD]
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = tokens["lengths"][row]
            ids[i, :n] = torch.as_tensor(tokens["ids"][row])
            mask[i, :n] = 1
        where = self.head_.weight.device  # the CPU, or the GPU while fitting or predicting there
        ids, mask = ids.to(where), mask.to(where)
        hidden = self.encoder_(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return self.head_((hidden * weights).sum(1) / weights.sum(1))

    @contextlib.contextmanager
    def _threads(self):
        """Torch's thread count set to ``threads`` for the call. Not ``n_jobs``, which the executor
        would set to its share of the cores: the last bits of the weights depend on the thread count
        (1e-7 between one and two threads), and the kit's results must not depend on the executor."""
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(max(1, int(self.threads)))
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def _texts(self, X) -> list[str]:
        return [str(t) for t in text_column(X, self.column, type(self).__name__)]
