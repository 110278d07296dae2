"""Disaster Tweets models.

Every vocabulary is learned inside the estimator, so it is refitted in each fold: the TF-IDF
vectorisers are pipeline steps, and the Keras models adapt their TextVectorization layer on
the fold's training split inside the builder. The sentence-embedding models put a frozen
pretrained encoder (all-MiniLM-L6-v2) in front of an SVM or a Keras MLP, which are fitted per fold;
``minilm_finetuned`` trains all of the encoder's weights, on each fold's training rows.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from common.models import FineTunedEncoderClassifier, KerasClassifier, SentenceEmbedder, build_mlp, import_keras

from .features import SENTENCE, TEXT

# words keep a leading '#' (hashtags differ from plain words) and inner apostrophes
WORD_PATTERN = r"(?u)[#\w][\w']*"


def tfidf_features(word_ngrams=(1, 2), char_ngrams=(2, 5), min_df=2) -> ColumnTransformer:
    """Word and character n-gram TF-IDF of the text column, side by side."""
    words = TfidfVectorizer(ngram_range=word_ngrams, min_df=min_df, sublinear_tf=True, token_pattern=WORD_PATTERN)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, min_df=min_df, sublinear_tf=True)
    return ColumnTransformer([("words", words, TEXT), ("chars", chars, TEXT)])


class NBScaler(BaseEstimator, TransformerMixin):
    """Scale each feature by its naive-Bayes log-count ratio, learned from the training rows.

    Features that appear mostly in disaster tweets get large positive weights, the others large
    negative ones, so a linear model on top starts from the evidence naive Bayes would use.
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        y = np.asarray(y)
        if set(np.unique(y)) != {0, 1}:
            raise ValueError(f"NBScaler needs binary 0/1 targets, got labels {np.unique(y)[:5]}.")
        pos = self.alpha + np.asarray(X[y == 1].sum(axis=0)).ravel()
        neg = self.alpha + np.asarray(X[y == 0].sum(axis=0)).ravel()
        self.ratios_ = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
        return self

    def transform(self, X):
        return sparse.csr_matrix(X).multiply(self.ratios_).tocsr()


def build_tfidf_logreg(C=1.0, class_weight="balanced", min_df=2):
    return Pipeline([("tfidf", tfidf_features(min_df=min_df)),
                     ("model", LogisticRegression(C=C, class_weight=class_weight, max_iter=2000))])


def build_nb_logreg(C=1.0, alpha=1.0, class_weight="balanced", min_df=2):
    return Pipeline([("tfidf", tfidf_features(min_df=min_df)), ("nb", NBScaler(alpha=alpha)),
                     ("model", LogisticRegression(C=C, class_weight=class_weight, max_iter=2000))])


def build_minilm_svc(C=1.0, class_weight="balanced"):
    """An RBF SVM on sentence embeddings; its scores become probabilities by Platt scaling, fitted
    on an inner cross-validation of the fold's training rows."""
    svm = SVC(C=C, kernel="rbf", class_weight=class_weight)
    return Pipeline([("embed", SentenceEmbedder(column=SENTENCE)),
                     ("model", CalibratedClassifierCV(svm, method="sigmoid", cv=5, ensemble=False))])


def space_minilm_svc(trial):
    return {"C": trial.suggest_float("C", 0.2, 10, log=True)}


def build_keras_minilm(units=(128, 64), dropout_rate=0.4, l2=1e-4, learning_rate=1e-3, epochs=100,
                       batch_size=64, patience=8, class_weight="balanced"):
    """A Keras MLP on sentence embeddings."""
    network = KerasClassifier(build_fn=build_mlp, build_params={"units": units, "dropout_rate": dropout_rate,
                                                                "l2": l2},
                              learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                              patience=patience, class_weight=class_weight)
    return Pipeline([("embed", SentenceEmbedder(column=SENTENCE)), ("model", network)])


def build_minilm_finetuned(epochs=2, learning_rate=5e-5, batch_size=32, max_length=64, class_weight="balanced",
                           threads=2):
    """all-MiniLM-L6-v2 fine-tuned end to end on the readable tweet (``sentence``); slow on a CPU."""
    return FineTunedEncoderClassifier(column=SENTENCE, epochs=epochs, learning_rate=learning_rate,
                                      batch_size=batch_size, max_length=max_length, class_weight=class_weight,
                                      threads=threads)


def _pooled_embeddings(keras, vectorize, token_ids, embedding_dim, dropout_rate, conv_filters=0, rnn_units=0):
    """Embed token ids and summarise the sequence by its mean and max, as a fastText-style model
    (after a convolution over word windows or a bidirectional GRU, if asked)."""
    layers = keras.layers
    x = layers.Embedding(vectorize.vocabulary_size(), embedding_dim)(token_ids)
    x = layers.SpatialDropout1D(dropout_rate)(x)
    if conv_filters:
        x = layers.Conv1D(conv_filters, 3, padding="same", activation="relu")(x)
    if rnn_units:
        x = layers.Bidirectional(layers.GRU(rnn_units, return_sequences=True))(x)
    return [layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)]


def build_text_network(x_train, n_outputs, output_activation, *, max_tokens=20000, sequence_length=40,
                       embedding_dim=64, char_ngrams=None, char_tokens=30000, char_length=400,
                       dropout_rate=0.3, conv_filters=0, rnn_units=0):
    """Word embeddings pooled into one vector, optionally beside pooled character n-gram embeddings.

    Every TextVectorization layer is adapted on ``x_train`` (the fold's training split) only.
    Inputs are strings of shape (n, 1); the cleaning was done in features.py.
    """
    keras = import_keras()
    layers = keras.layers
    texts = np.asarray(x_train).reshape(-1)
    inputs = keras.Input(shape=(1,), dtype="string")
    flat = layers.Reshape(())(inputs)
    words = layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length,
                                     standardize="strip_punctuation")
    words.adapt(texts)
    pooled = _pooled_embeddings(keras, words, words(flat), embedding_dim, dropout_rate, conv_filters, rnn_units)
    if char_ngrams:
        chars = layers.TextVectorization(max_tokens=char_tokens, output_sequence_length=char_length,
                                         standardize=None, split="character", ngrams=tuple(char_ngrams))
        chars.adapt(texts)
        pooled += _pooled_embeddings(keras, chars, chars(flat), embedding_dim, dropout_rate)
    x = layers.Dropout(dropout_rate)(layers.Concatenate()(pooled))
    outputs = layers.Dense(n_outputs, activation=output_activation)(x)
    return keras.Model(inputs, outputs, name="text_network")


def build_keras_text(embedding_dim=64, max_tokens=20000, sequence_length=40, char_ngrams=(2, 3, 4), char_tokens=30000,
                     char_length=300, dropout_rate=0.3, conv_filters=0, rnn_units=0, learning_rate=4e-3, epochs=30,
                     batch_size=128, patience=3, class_weight="balanced"):
    params = {"embedding_dim": embedding_dim, "max_tokens": max_tokens, "sequence_length": sequence_length,
              "char_ngrams": char_ngrams, "char_tokens": char_tokens, "char_length": char_length,
              "dropout_rate": dropout_rate, "conv_filters": conv_filters, "rnn_units": rnn_units}
    network = KerasClassifier(build_fn=build_text_network, build_params=params, learning_rate=learning_rate,
                              epochs=epochs, batch_size=batch_size, patience=patience, class_weight=class_weight)
    # the network reads the text column alone, as a (n, 1) array of strings
    return Pipeline([("text", ColumnTransformer([("text", "passthrough", [TEXT])])), ("model", network)])
