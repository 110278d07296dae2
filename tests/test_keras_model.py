"""The Keras wrapper's training loop (common/models/keras_estimators.py): its own validation loss for early
stopping, its tf.data batches with class weights, and repeatable fits."""

import numpy as np
import pytest

from common.models.keras_estimators import KerasClassifier, _validation_loss, import_keras
from common.models.keras_networks import build_mlp


@pytest.mark.parametrize("loss, activation", [("mse", "linear"), ("binary_crossentropy", "sigmoid")])
def test_validation_loss_is_the_figure_keras_evaluate_gives(loss, activation):
    """Same compiled loss, regularisation included, over batches of any size."""
    keras = import_keras()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("float32")
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l2(0.1))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation=activation)(keras.layers.Dropout(0.5)(hidden)))
    model.compile(optimizer="adam", loss=loss)
    callback = _validation_loss(keras, X, y, batch_size=7)  # 50 rows: 7 full batches and one of 1
    callback.set_model(model)
    logs = {}
    callback.on_epoch_end(0, logs)
    assert logs["val_loss"] == pytest.approx(model.evaluate(X, y, batch_size=50, verbose=0), rel=1e-5)
    assert model.losses  # the l2 term is in both figures


def test_fit_repeats_bit_for_bit_and_stops_early_on_noise():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    y = (rng.random(300) < 0.2).astype(int)  # noise, and imbalanced: balanced class weights apply
    fits = [KerasClassifier(build_fn=build_mlp, build_params={"units": (16,)}, epochs=200, patience=3,
                            batch_size=32, class_weight="balanced", seed=3).fit(X, y) for _ in range(2)]
    assert np.array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))
    assert fits[0].n_epochs_ < 200  # early stopping read the validation loss
    other_seed = KerasClassifier(build_fn=build_mlp, build_params={"units": (16,)}, epochs=5, patience=3,
                                 batch_size=32, class_weight="balanced", seed=4).fit(X, y)
    assert not np.array_equal(other_seed.predict_proba(X), fits[0].predict_proba(X))


def test_balanced_class_weights_ride_along_as_sample_weights():
    model = KerasClassifier(batch_size=4, class_weight="balanced")
    y = np.array([0, 0, 0, 1])
    X = np.arange(8, dtype="float32").reshape(4, 2)
    (batch,) = list(model._batches(X, y))
    x_batch, y_batch, weights = (np.asarray(part) for part in batch)
    assert weights[y_batch == 0] == pytest.approx([4 / 6] * 3) and weights[y_batch == 1] == pytest.approx([2.0])
    assert sorted(map(tuple, x_batch.tolist())) == sorted(map(tuple, X.tolist()))
