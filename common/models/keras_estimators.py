"""Keras models behind scikit-learn's estimator contract, so they run in the same CV loop.

A builder function makes the network: ``build(x_train, n_outputs, output_activation, **params)``
returns an uncompiled ``keras.Model``. It gets the fold's training split so that preprocessing
layers (Normalization, TextVectorization) are adapted on it and on nothing else. The wrapper
compiles with the task's loss, holds out a validation split *of the training fold* for
EarlyStopping, and seeds everything so a rerun on the CPU gives the same predictions.

TensorFlow is imported only when a Keras model is fitted or loaded.
"""

import os
import sys
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split

from ..core.progress import keras_callback


@contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null while TensorFlow's native libraries load: their C++
    code logs (e.g. "Could not find cuda drivers") before absl reads any setting, so
    TF_CPP_MIN_LOG_LEVEL cannot stop it. A failed import still raises a Python exception."""
    if "tensorflow" in sys.modules:
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras():
    """Import Keras quietly with deterministic ops; uses a GPU if TensorFlow sees one."""
    from ..core.extras import KERAS_MODULES, require

    require(KERAS_MODULES, "a Keras model")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with _native_stderr_silenced():
        import keras
        import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)
    tf.config.experimental.enable_op_determinism()
    return keras


def _as_inputs(X):
    """DataFrames become float32 matrices; a text column becomes an (n, 1) array of strings."""
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    X = np.asarray(X)
    if X.dtype.kind in "OUS":
        return X.astype(str).reshape(len(X), -1)
    return X.astype("float32")


def _can_stratify(y, fraction: float) -> bool:
    """A stratified split needs two rows of every class and room for each class on both sides;
    with many rare classes (99 leaf species, eight rows each) the split is a plain shuffled one."""
    _, counts = np.unique(y, return_counts=True, axis=0 if np.ndim(y) > 1 else None)
    n_val = int(np.ceil(fraction * len(y)))
    return bool(counts.min() >= 2 and len(counts) <= min(n_val, len(y) - n_val))


def _validation_loss(keras, X_val, y_val, batch_size=1024):
    """A callback that puts ``val_loss`` in each epoch's logs: the compiled loss (regularisation
    included) on the validation split, from plain forward passes. It is the figure Keras's
    ``validation_data`` gives, without Keras's evaluation loop, which took 40% of the fit on a
    table of a thousand rows."""

    batches = [_to_keras(X_val[i:i + batch_size]) for i in range(0, len(X_val), batch_size)]  # converted once

    class ValidationLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            predicted = keras.ops.concatenate([self.model(batch, training=False) for batch in batches])
            logs["val_loss"] = float(self.model.compute_loss(y=y_val, y_pred=predicted, training=False))

    return ValidationLoss()


def _to_keras(X):
    """Keras's fit and predict refuse NumPy unicode arrays but take a TensorFlow string tensor."""
    if X.dtype.kind != "U":
        return X
    import tensorflow as tf

    return tf.constant(X)


class _KerasBase(BaseEstimator):
    task = "regression"

    def __init__(self, build_fn=None, build_params=None, epochs=200, batch_size=32, learning_rate=1e-3,
                 validation_fraction=0.15, patience=15, class_weight=None, seed=0, verbose=0):
        self.build_fn = build_fn
        self.build_params = build_params
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.seed = seed
        self.verbose = verbose

    def _head(self):
        raise NotImplementedError

    def _loss(self):
        raise NotImplementedError

    def _encode_target(self, y):
        return np.asarray(y, dtype="float32")

    def _class_weights(self, y):
        return None

    def fit(self, X, y):
        keras = import_keras()
        keras.utils.set_random_seed(self.seed)
        X, y = _as_inputs(X), self._encode_target(y)
        stratify = y if self.task != "regression" and _can_stratify(y, self.validation_fraction) else None
        X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=self.validation_fraction,
                                                    random_state=self.seed, stratify=stratify)
        n_outputs, activation = self._head()
        model = self.build_fn(X_tr, n_outputs, activation, **(self.build_params or {}))
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss=self._loss())
        # the validation loss first: EarlyStopping reads it from the same epoch's logs
        callbacks = [_validation_loss(keras, X_val, y_val),
                     keras.callbacks.EarlyStopping(patience=self.patience, restore_best_weights=True)]
        epoch_bar = keras_callback(keras)  # the live display's epoch bar, when there is one
        history = model.fit(self._batches(X_tr, y_tr), epochs=self.epochs, verbose=self.verbose,
                            shuffle=False,  # the batches reshuffle themselves
                            callbacks=callbacks + ([epoch_bar] if epoch_bar else []))
        self.model_ = model
        self.n_epochs_ = len(history.history["loss"])
        return self

    def _batches(self, X, y):
        """The training split as a tf.data pipeline, reshuffled each epoch from the seed; class
        weights ride along as sample weights. Fed NumPy arrays instead, Keras spent longer on its
        input pipeline than on a small table's training steps (60 epochs of 1,000 rows: 7.6 s
        against 4.5 s)."""
        import tensorflow as tf

        weights = self._class_weights(y)
        columns = (X, y) if weights is None else (X, y, np.array([weights[k] for k in y], dtype="float32"))
        return (tf.data.Dataset.from_tensor_slices(columns)
                .shuffle(len(X), seed=self.seed, reshuffle_each_iteration=True)
                .batch(self._batch_size(len(X))))

    def _batch_size(self, n_rows: int) -> int:
        """``batch_size=None``: about eight steps an epoch (32 to 1024 rows a step); on small tables
        each step's fixed cost dominates, so fewer, larger steps make an epoch cheap."""
        return self.batch_size or int(np.clip(n_rows // 8, 32, 1024))

    def _raw_predict(self, X):
        return self.model_.predict(_to_keras(_as_inputs(X)), batch_size=1024, verbose=0)


class KerasRegressor(RegressorMixin, _KerasBase):
    """Regression with one linear output; with ``standardize_target`` the network learns the
    target scaled by the training fold's mean and spread (a target near 12 would otherwise
    cost hundreds of epochs of moving the output bias), and predictions are scaled back."""

    task = "regression"

    def __init__(self, build_fn=None, build_params=None, epochs=200, batch_size=32, learning_rate=1e-3,
                 validation_fraction=0.15, patience=15, class_weight=None, seed=0, verbose=0,
                 standardize_target=False):
        super().__init__(build_fn=build_fn, build_params=build_params, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, validation_fraction=validation_fraction, patience=patience,
                         class_weight=class_weight, seed=seed, verbose=verbose)
        self.standardize_target = standardize_target

    def _encode_target(self, y):
        y = np.asarray(y, dtype="float32")
        self.n_outputs_ = y.shape[1] if y.ndim == 2 else 1  # several targets: one output each
        self.y_mean_, self.y_scale_ = ((y.mean(axis=0), np.where(y.std(axis=0) > 0, y.std(axis=0), 1.0))
                                       if self.standardize_target else (0.0, 1.0))
        return (y - self.y_mean_) / self.y_scale_

    def _head(self):
        return self.n_outputs_, "linear"

    def _loss(self):
        return "mse"

    def predict(self, X):
        values = self._raw_predict(X) * self.y_scale_ + self.y_mean_
        return values[:, 0] if self.n_outputs_ == 1 else values


class KerasClassifier(ClassifierMixin, _KerasBase):
    """Binary (one sigmoid unit) or multiclass (softmax) classifier; labels are remapped to 0..k-1."""

    task = "classification"

    def _encode_target(self, y):
        self.classes_, encoded = np.unique(y, return_inverse=True)
        return encoded.astype("int32")

    def _class_weights(self, y):
        """``class_weight``: None, a {class index: weight} dict, or 'balanced' (n / (k * count))."""
        if self.class_weight != "balanced":
            return self.class_weight
        counts = np.bincount(y)
        return {k: len(y) / (len(counts) * c) for k, c in enumerate(counts)}

    def _head(self):
        return (1, "sigmoid") if len(self.classes_) == 2 else (len(self.classes_), "softmax")

    def _loss(self):
        return "binary_crossentropy" if len(self.classes_) == 2 else "sparse_categorical_crossentropy"

    def predict_proba(self, X):
        p = self._raw_predict(X)
        return np.column_stack([1 - p[:, 0], p[:, 0]]) if p.shape[1] == 1 else p

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
