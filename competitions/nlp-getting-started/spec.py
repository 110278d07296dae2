"""Natural Language Processing with Disaster Tweets: is a tweet about a real disaster?
(binary, F1 of 0/1 labels; probabilities are thresholded at 0.5, as the metric does)."""

from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

from . import models
from .features import make_features

# the pretrained sentence encoder: the [text] extra (PyTorch); without it these models are skipped
ENCODER = ("sentence_transformers",)

SPEC = CompetitionSpec(
    slug="nlp-getting-started",
    title="Natural Language Processing with Disaster Tweets",
    id_column="id",
    target="target",
    task="binary",
    metric_name="f1",
    make_features=make_features,
    folds=FoldScheme(kind="stratified", n_splits=5),
    submission=SubmissionFormat(kind="labels"),  # the labels the CV metric scored, spelled as the sample
    models=(
        ModelSpec("tfidf_logreg", models.build_tfidf_logreg,
                  description="logistic regression on word and character n-gram TF-IDF"),
        ModelSpec("nb_logreg", models.build_nb_logreg,
                  description="logistic regression on TF-IDF scaled by naive-Bayes log-count ratios (NB-LR)"),
        ModelSpec("keras_text", models.build_keras_text, uses_keras=True,
                  description="Keras: pooled word and character n-gram embeddings (TextVectorization per fold)",
                  default=False),  # no gain in the blend for its time (see README): run when named
        ModelSpec("keras_words", models.build_keras_text, uses_keras=True,
                  params={"char_ngrams": None, "batch_size": 64, "learning_rate": 2e-3},
                  description="Keras: pooled word embeddings only (fastText-like)", default=False),
        ModelSpec("minilm_svc", models.build_minilm_svc, search_space=models.space_minilm_svc, requires=ENCODER,
                  description="RBF SVM on pretrained sentence embeddings (all-MiniLM-L6-v2, frozen)"),
        ModelSpec("keras_minilm", models.build_keras_minilm, uses_keras=True, requires=ENCODER,
                  description="Keras MLP on pretrained sentence embeddings (all-MiniLM-L6-v2, frozen)"),
        ModelSpec("minilm_finetuned", models.build_minilm_finetuned, requires=ENCODER,
                  description="all-MiniLM-L6-v2 fine-tuned end to end per fold (PyTorch; slow on a CPU)",
                  default=False),  # see the README for its time and score: run when named
    ),
)
