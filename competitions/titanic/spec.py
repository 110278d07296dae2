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
    models=(
        ModelSpec("logreg", models.build_logreg, search_space=models.space_logreg,
                  description="logistic regression on scaled, one-hot features"),
        ModelSpec("random_forest", models.build_random_forest, search_space=models.space_forest,
                  description="random forest"),
        ModelSpec("extra_trees", models.build_extra_trees, search_space=models.space_forest,
                  description="extremely randomised trees"),
        ModelSpec("lightgbm", models.build_lightgbm, search_space=models.space_lightgbm,
                  description="gradient-boosted trees (LightGBM)"),
        ModelSpec("keras_mlp", models.build_keras_mlp, uses_keras=True, search_space=models.space_keras_mlp,
                  description="Keras MLP"),
    ),
)
