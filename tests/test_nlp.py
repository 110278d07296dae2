"""Disaster Tweets (nlp-getting-started): features, models, leakage and an end-to-end run."""

import importlib

import numpy as np
import pandas as pd
import pytest

from common.data.competition_data import CompetitionData, read_raw
from common.data.folds import assign_folds
from common.engine.artifacts import load_fold_model
from common.engine.cv import run_cv
from common.engine.submission import newest_submission
from common.models.keras_estimators import _to_keras
from common.spec import FoldScheme, load_competition
from common.steps.workflow import check_submission_file, ensemble, prepare, train
from tests.conftest import fast_spec, installed

SLUG = "nlp-getting-started"
features = importlib.import_module(f"competitions.{SLUG}.features")
models = importlib.import_module(f"competitions.{SLUG}.models")

# cheap settings: the word branch only, two epochs
FAST_KERAS = {"char_ngrams": None, "epochs": 2, "max_tokens": 5000, "batch_size": 128}

TWEETS = ["Forest fire near La Ronge Sask. Canada", "I love fruits", "Flood warning for the valley",
          "What a lovely day", "Earthquake hits the coast http://t.co/abc", "@bob the party was fire"] * 10


def toy_frame(n_rows=60, seed=0):
    rng = np.random.default_rng(seed)
    texts = [TWEETS[i % len(TWEETS)] + f" tag{rng.integers(5)}" for i in range(n_rows)]
    frame = pd.DataFrame({"id": np.arange(n_rows), "keyword": ["fire", np.nan] * (n_rows // 2),
                          "location": np.nan, "text": texts})
    y = np.array([1, 0, 1, 0, 1, 0] * (n_rows // 6))
    return frame, y


def test_spec_says_binary_f1_with_keras_and_embedding_models():
    spec = load_competition(SLUG)
    assert (spec.task, spec.metric_name, spec.id_column, spec.target) == ("binary", "f1", "id", "target")
    assert {m.name for m in spec.models if m.uses_keras} == {"keras_text", "keras_words", "keras_minilm"}
    # a plain run keeps to the 10-minute budget: the Keras text models add nothing to its blend
    assert spec.default_model_names() == ["tfidf_logreg", "nb_logreg", "minilm_svc", "keras_minilm"]
    assert {"tfidf_logreg", "minilm_svc"} <= {m.name for m in spec.models}
    assert spec.submission.kind == "labels"  # P >= 0.5, the labels F1 scores


def test_features_are_a_clean_and_a_readable_text_column_per_row():
    frame, _ = toy_frame()
    X, X_test = features.make_features(frame, frame.iloc[:7])
    assert list(X.columns) == [features.TEXT, features.SENTENCE] and len(X) == len(frame) and len(X_test) == 7
    assert X[features.TEXT].iloc[0].startswith("kw fire | forest fire near la ronge sask. canada tag")
    assert X[features.TEXT].iloc[1].startswith("kw none | ")
    assert X[features.SENTENCE].iloc[0].startswith("fire: Forest fire near La Ronge Sask. Canada tag")
    assert X[features.SENTENCE].iloc[1].startswith("I love fruits")
    assert features.clean_tweet("Quake &amp; fire @bob http://t.co/x \x89Û_ NOW") == "quake & fire xuser xurl _ now"
    assert features.readable_tweet("Quake &amp; fire @bob http://t.co/x \x89Û_ NOW") == "Quake & fire _ NOW"
    assert features.clean_keyword("body%20bags") == "body bags"


def test_features_are_row_wise():
    frame, _ = toy_frame()
    X_all, _ = features.make_features(frame, frame)
    X_part, _ = features.make_features(frame.iloc[10:20], frame.iloc[:1])
    pd.testing.assert_frame_equal(X_part, X_all.iloc[10:20])


def test_nb_scaler_learns_which_features_point_to_class_one():
    X = np.array([[3, 0], [2, 0], [0, 2], [0, 3]])
    scaler = models.NBScaler().fit(X, np.array([1, 1, 0, 0]))
    assert scaler.ratios_[0] > 0 > scaler.ratios_[1]
    with pytest.raises(ValueError, match="binary"):
        models.NBScaler().fit(X, np.array([0, 1, 2, 2]))


def test_text_vectorization_is_adapted_on_the_training_split_only():
    x_train = np.array([["fire in the hills"], ["a calm lake"]])
    net = models.build_text_network(x_train, 1, "sigmoid", max_tokens=100, char_ngrams=(2,), char_tokens=500)
    vectorizers = [layer for layer in net.layers if type(layer).__name__ == "TextVectorization"]
    assert len(vectorizers) == 2
    words = set(vectorizers[0].get_vocabulary())
    assert {"fire", "lake"} <= words and "flood" not in words
    assert "fl" not in set(vectorizers[1].get_vocabulary())


def test_optional_conv_and_gru_networks_build_and_predict():
    x_train = np.array([["fire in the hills"], ["a calm lake"]])
    for extra in ({"conv_filters": 8}, {"rnn_units": 4}):
        net = models.build_text_network(x_train, 1, "sigmoid", max_tokens=50, embedding_dim=8, **extra)
        assert net(_to_keras(x_train)).shape == (2, 1)


def _toy_data(y):
    frame, _ = toy_frame(len(y))
    X, X_test = features.make_features(frame, frame.iloc[:12])
    return CompetitionData(X=X, y=y, X_test=X_test, train_ids=frame["id"], test_ids=frame["id"].iloc[:12],
                           sample_submission=pd.DataFrame({"id": frame["id"].iloc[:12], "target": 0}))


@pytest.mark.parametrize("model", ["tfidf_logreg", "nb_logreg", "keras_text", "minilm_svc", "keras_minilm",
                                   "minilm_finetuned"])
def test_a_folds_predictions_ignore_its_own_labels(model, embedding_cache):
    """Refitting everything per fold means fold 0's OOF predictions never see fold 0's labels."""
    spec = fast_spec(load_competition(SLUG), keras_text=FAST_KERAS, keras_minilm={"epochs": 3},
                     minilm_finetuned={"epochs": 1, "max_length": 16, "batch_size": 16, "learning_rate": 1e-4})
    _, y = toy_frame()
    folds = assign_folds(FoldScheme(n_splits=3), y, seed=0)
    flipped = y.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]
    runs = [run_cv(spec, model, _toy_data(labels), folds, seed=0) for labels in (y, flipped)]
    np.testing.assert_allclose(runs[0].oof[folds == 0], runs[1].oof[folds == 0], rtol=1e-6)
    assert not np.allclose(runs[0].oof[folds == 1], runs[1].oof[folds == 1])


@pytest.mark.slow
def test_train_ensemble_and_submit_on_the_real_data(paths):
    spec = fast_spec(installed(SLUG, paths), only=["tfidf_logreg", "keras_text", "keras_minilm"],
                     keras_text=FAST_KERAS, keras_minilm={"epochs": 5})
    runs = train(spec, paths, seed=42)
    assert [r.model for r in runs] == ["tfidf_logreg", "keras_text", "keras_minilm"]
    assert all(0.6 < r.cv_score <= 1 and not np.isnan(r.oof).any() for r in runs)
    result, path = ensemble(spec, paths, seed=42)
    assert result.cv_score > 0.6
    _, test, sample = read_raw(spec, paths)
    check_submission_file(spec, paths, path)
    assert newest_submission(paths, SLUG) == path
    submission = pd.read_csv(path, dtype={"id": str})
    assert submission["id"].equals(test["id"].astype(str)) and set(submission["target"]) <= {0, 1}
    # saved Keras fold models (TextVectorization inside; the sentence encoder in front) load back and
    # predict their OOF rows again
    data, folds = prepare(spec, paths, seed=42)
    rows = np.flatnonzero(folds == 0)[:50]
    for run in runs[1:]:
        reloaded = load_fold_model(paths.model_artifacts(SLUG, run.model), "fold0")
        np.testing.assert_allclose(reloaded.predict_proba(data.X.iloc[rows])[:, 1], run.oof[rows], rtol=1e-4)
