"""Digit Recognizer: classify handwritten digits 0-9 (multiclass, accuracy).

Practice competition: ``invoke download --comp=digit-recognizer`` builds it from scikit-learn's
8x8 digits (see practice.py), in Kaggle's layout. Kaggle's own 28x28 files install as they are
(``invoke download --comp=digit-recognizer --source=PATH``): the models read the image size from
the data.
"""

from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

from . import models
from .features import make_features
from .practice import ID, TARGET, build_practice

SPEC = CompetitionSpec(
    slug="digit-recognizer",
    title="Digit Recognizer",
    id_column=ID,
    row_number_ids=True,
    target=TARGET,
    task="multiclass",
    metric_name="accuracy",
    make_features=make_features,
    folds=FoldScheme(kind="stratified", n_splits=5),
    submission=SubmissionFormat(kind="labels"),  # the most probable digit
    practice_source=build_practice,
    models=(
        ModelSpec("svc", models.build_svc, description="RBF support vector machine on scaled pixels"),
        ModelSpec("extra_trees", models.build_extra_trees, description="extremely randomised trees on pixels"),
        ModelSpec("cnn", models.build_cnn, uses_keras=True,
                  description="Keras CNN with shift/rotation augmentation"),
    ),
)
