"""Keras builder functions, one per architecture, for ``KerasClassifier`` / ``KerasRegressor``.

Each takes the fold's training inputs (to adapt preprocessing layers on them only), the number
of outputs and the output activation, then its own named parameters, and returns an
uncompiled Functional model. Keras is imported inside, so importing this module is cheap.
"""

from .keras_estimators import import_keras


def build_mlp(x_train, n_outputs, output_activation, *, units=(128, 64), dropout_rate=0.3,
              l2=1e-4, batch_norm=False):
    """A multilayer perceptron for tables; inputs are standardised by a Normalization layer."""
    keras = import_keras()
    layers = keras.layers
    inputs = keras.Input(shape=(x_train.shape[1],))
    normalize = layers.Normalization()
    normalize.adapt(x_train)
    x = normalize(inputs)
    for width in units:
        x = layers.Dense(width, kernel_regularizer=keras.regularizers.l2(l2))(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Dropout(dropout_rate)(x)
    outputs = layers.Dense(n_outputs, activation=output_activation)(x)
    return keras.Model(inputs, outputs, name="mlp")
