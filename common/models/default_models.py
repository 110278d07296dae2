"""Default models for any table: LightGBM, a linear model, extra trees and a Keras MLP.

Each builder returns a fresh pipeline, ``TabularEncoder`` (fitted per fold) then the model, for
the task it is given; ``default_models(task, n_targets)`` lists them as ``ModelSpec``s with their
Optuna search spaces, so ``invoke tune`` works at once. A generated spec uses them as they are; a
hand-written one can list some of them beside its own.
"""

from sklearn.pipeline import Pipeline

from ..core.metrics import MEDIAN_METRICS
from ..spec import ModelSpec
from .keras_estimators import KerasClassifier, KerasRegressor
from .keras_networks import build_mlp
from .tabular import PerTarget, TabularEncoder


def _pipeline(kind: str, model, n_targets: int, per_target: bool) -> Pipeline:
    if n_targets > 1 and per_target:
        model = PerTarget(model)
    return Pipeline([("encode", TabularEncoder(kind)), ("model", model)])


def build_lightgbm(task="binary", n_targets=1, n_estimators=500, learning_rate=0.03, num_leaves=31,
                   min_child_samples=20, subsample=0.8, colsample_bytree=0.7, reg_lambda=1.0, objective=None):
    """``objective``: LightGBM's loss (None: its default for the task; 'l1' learns medians, for MAE)."""
    from lightgbm import LGBMClassifier, LGBMRegressor

    cls = LGBMRegressor if task == "regression" else LGBMClassifier
    model = cls(objective=objective, n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                min_child_samples=min_child_samples, subsample=subsample, subsample_freq=1,
                colsample_bytree=colsample_bytree, reg_lambda=reg_lambda, verbose=-1)
    return _pipeline("gbm", model, n_targets, per_target=True)


def build_linear(task="binary", n_targets=1, C=1.0):
    """Logistic regression (classes) or ridge regression (values); ``C`` is the inverse strength
    of the L2 penalty in both (ridge's alpha = 1 / C)."""
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regression":
        return _pipeline("linear", Ridge(alpha=1.0 / C), n_targets, per_target=False)
    return _pipeline("linear", LogisticRegression(C=C, max_iter=3000), n_targets, per_target=True)


def build_extra_trees(task="binary", n_estimators=300, n_targets=1, min_samples_leaf=2, max_features=0.5):
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    cls = ExtraTreesRegressor if task == "regression" else ExtraTreesClassifier
    model = cls(n_estimators=n_estimators, min_samples_leaf=min_samples_leaf, max_features=max_features, n_jobs=-1)
    # a regressor learns several targets at once; a classifier's multi-output probabilities are a list
    return _pipeline("forest", model, n_targets, per_target=task != "regression")


def build_keras_mlp(task="binary", n_targets=1, units=(256, 128), dropout_rate=0.2, learning_rate=3e-3,
                    epochs=100, batch_size=None, patience=8):
    """``batch_size=None`` takes about eight steps an epoch (see ``_KerasBase._batch_size``): on the
    10,000-row three-target benchmark, a quarter of batch 256's steps at a CV as good (0.1477 vs 0.1483)."""
    build_params = {"units": units, "dropout_rate": dropout_rate}
    common = dict(build_fn=build_mlp, build_params=build_params, learning_rate=learning_rate, epochs=epochs,
                  batch_size=batch_size, patience=patience)
    model = KerasRegressor(**common, standardize_target=True) if task == "regression" else KerasClassifier(**common)
    return _pipeline("dense", model, n_targets, per_target=task != "regression")


# Optuna search spaces: trial -> builder parameters (see `invoke tune`)
def space_lightgbm(trial):
    return {"n_estimators": trial.suggest_int("n_estimators", 200, 1500, step=100),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.1, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 8, 128, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 5, 100, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 30, log=True)}


def space_linear(trial):
    return {"C": trial.suggest_float("C", 1e-3, 100, log=True)}


def space_extra_trees(trial):
    return {"n_estimators": trial.suggest_int("n_estimators", 200, 800, step=100),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 10),
            "max_features": trial.suggest_float("max_features", 0.1, 1.0)}


def space_keras_mlp(trial):
    widths = trial.suggest_categorical("units", ["64", "128-64", "256-128", "512-256"])
    return {"units": tuple(int(w) for w in widths.split("-")),
            "dropout_rate": trial.suggest_float("dropout_rate", 0.0, 0.5),
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True)}


def default_models(task: str, n_targets: int = 1, metric: str | None = None) -> tuple[ModelSpec, ...]:
    """The default model set for a task: every model gets ``task`` and ``n_targets`` as parameters;
    ``metric`` (the competition's) picks what LightGBM's loss is where it matters."""
    shape = {"task": task, "n_targets": n_targets}
    linear = "ridge regression" if task == "regression" else "logistic regression"
    l1 = task == "regression" and metric in MEDIAN_METRICS
    return (
        ModelSpec("lightgbm", build_lightgbm, params={**shape, **({"objective": "l1"} if l1 else {})},
                  search_space=space_lightgbm,
                  description="gradient-boosted trees (LightGBM)" + (", absolute loss" if l1 else "")),
        ModelSpec("linear", build_linear, params=dict(shape), search_space=space_linear,
                  description=f"{linear} on normal-score numbers, one-hot/target-encoded categories, TF-IDF text"),
        ModelSpec("extra_trees", build_extra_trees, params=dict(shape), search_space=space_extra_trees,
                  description="extremely randomised trees"),
        ModelSpec("keras_mlp", build_keras_mlp, params=dict(shape), uses_keras=True, search_space=space_keras_mlp,
                  description="Keras MLP on the linear model's inputs (text as SVD components)"),
    )

