"""Scale benchmark: a synthetic binary table (practice competition, AUC) for checking speed and
memory on many rows (see benchmarks/scale.py). ``invoke download --comp=scale-benchmark`` builds
20,000 rows; any other size installs with ``--source`` (practice.write_table).
"""

from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

from .practice import ID, TARGET, build_practice


def make_features(train, test):
    """The columns as they are: LightGBM splits the label columns (categories) natively."""
    return train.drop(columns=[ID]), test.drop(columns=[ID])


def build_lightgbm(n_estimators=100, learning_rate=0.1, num_leaves=31, min_child_samples=20):
    from lightgbm import LGBMClassifier

    return LGBMClassifier(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                          min_child_samples=min_child_samples, verbose=-1, random_state=0)


SPEC = CompetitionSpec(
    slug="scale-benchmark",
    title="Scale benchmark (synthetic binary table)",
    id_column=ID,
    target=TARGET,
    task="binary",
    metric_name="auc",
    make_features=make_features,
    folds=FoldScheme(kind="stratified", n_splits=5),
    submission=SubmissionFormat(kind="probabilities"),
    practice_source=build_practice,
    models=(ModelSpec("lightgbm", build_lightgbm, description="LightGBM on the raw columns"),),
)
