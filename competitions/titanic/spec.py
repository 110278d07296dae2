"""Titanic - Machine Learning from Disaster: predict who survived (binary, accuracy)."""

from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

from . import models
from .features import make_features

SPEC = CompetitionSpec(
    slug="titanic",
    title="Titanic - Machine Learning from Disaster",
    id_column="PassengerId",
    target="Survived",
    task="binary",
    metric_name="accuracy",
    make_features=make_features,
    folds=FoldScheme(kind="stratified", n_splits=5),
    sample_submission_file="gender_submission.csv",
    submission=SubmissionFormat(kind="labels"),  # the labels the CV metric scored, spelled as the sample
    # A plain `invoke train` runs the woman-child-group rule alone: over 4 x 5-fold repeated CV it
    # scores 0.849 against 0.837-0.840 for the learned models and 0.844-0.848 for their blends with
    # it; its published fixed-answer form scored 0.818 on Kaggle's leaderboard (ours learns its rates,
    # so about 7 test answers differ; not checked on Kaggle). The others run when named.
    models=(
        ModelSpec("woman_child_group", models.build_woman_child_group,
                  description="women and children first, then woman-child groups' fates (rates learned per fold)"),
        ModelSpec("logreg", models.build_logreg, search_space=models.space_logreg,
                  description="logistic regression on scaled, one-hot features", default=False),
        ModelSpec("random_forest", models.build_random_forest, search_space=models.space_forest,
                  description="random forest", default=False),
        ModelSpec("extra_trees", models.build_extra_trees, search_space=models.space_forest,
                  description="extremely randomised trees", default=False),
        ModelSpec("lightgbm", models.build_lightgbm, search_space=models.space_lightgbm,
                  description="gradient-boosted trees (LightGBM)", default=False),
        ModelSpec("keras_mlp", models.build_keras_mlp, uses_keras=True, search_space=models.space_keras_mlp,
                  description="Keras MLP", default=False),
    ),
)
