"""Digit Recognizer models: an RBF support vector machine, extra trees and a small CNN.

The SVM and the CNN learn their input scale from the fold's training pixels (0..16 for the
practice digits, 0..255 for Kaggle's), so the same models run on either data set.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.decomposition import PCA
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from common.models import KerasClassifier, import_keras

from .features import image_side


class PixelScaler(BaseEstimator, TransformerMixin):
    """Divide every pixel by the brightest training pixel (one global scale keeps the image's shape)."""

    def fit(self, X, y=None):
        self.scale_ = float(np.max(np.asarray(X, dtype=float))) or 1.0
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) / self.scale_


def build_svc(C=10.0, gamma="scale", pca_components=None, random_state=0):
    """RBF SVM; its decision values become class probabilities (which the ensemble needs) by
    temperature scaling fitted on internal cross-validation of the training fold.

    ``pca_components`` (e.g. 50 for Kaggle's 784 pixels and 42,000 rows) projects the pixels
    first, which makes the SVM several times faster there; the 64 practice pixels need none.
    """
    svc = SVC(C=C, gamma=gamma, random_state=random_state)
    pca = [("pca", PCA(n_components=pca_components, random_state=random_state))] if pca_components else []
    return Pipeline([("scale", PixelScaler()), *pca,
                     ("model", CalibratedClassifierCV(svc, method="temperature", ensemble=False))])


def build_extra_trees(n_estimators=200, max_features="sqrt", random_state=0):
    return ExtraTreesClassifier(n_estimators=n_estimators, max_features=max_features,
                                random_state=random_state)


def build_cnn_network(x_train, n_outputs, output_activation, *, filters=(16, 32), dense_units=64,
                      dropout_rate=0.3, shift=0.1, rotation=0.04):
    """Conv blocks on the (side, side, 1) image; side = sqrt(number of pixel columns).

    Each block is two 3x3 convolutions, then 2x2 pooling while the image is at least 8 pixels wide
    (8 -> 4 for the practice digits, 28 -> 14 -> 7 for Kaggle's). ``shift`` (fraction of the side)
    and ``rotation`` (fraction of a full turn) augment training batches only; Keras's random
    layers are identity at prediction time.
    """
    keras = import_keras()
    layers = keras.layers
    n_pixels = x_train.shape[1]
    side = image_side(n_pixels)
    inputs = keras.Input(shape=(n_pixels,))
    x = layers.Rescaling(1.0 / (float(np.max(x_train)) or 1.0))(inputs)  # scale from the fold's pixels
    x = layers.Reshape((side, side, 1))(x)
    if shift:
        x = layers.RandomTranslation(shift, shift, fill_mode="constant")(x)
    if rotation:
        x = layers.RandomRotation(rotation, fill_mode="constant")(x)
    width = side
    for n_filters in filters:
        for _ in range(2):
            x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
        if width >= 8:
            x = layers.MaxPooling2D()(x)
            width //= 2
        x = layers.Dropout(dropout_rate / 2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense_units, activation="relu")(x)
    x = layers.Dropout(dropout_rate)(x)
    outputs = layers.Dense(n_outputs, activation=output_activation)(x)
    return keras.Model(inputs, outputs, name="digits_cnn")


def build_cnn(filters=(16, 32), dense_units=64, dropout_rate=0.3, shift=0.1, rotation=0.04,
              epochs=60, batch_size=64, learning_rate=3e-3, patience=10):
    return KerasClassifier(build_fn=build_cnn_network,
                           build_params={"filters": filters, "dense_units": dense_units,
                                         "dropout_rate": dropout_rate, "shift": shift, "rotation": rotation},
                           epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience)
