import numpy as np
import pytest

from common.core.errors import KitError
from common.core.metrics import get_metric
from common.data.folds import assign_folds
from common.engine.artifacts import ModelRun
from common.engine.ensemble import blend, check_compatible
from common.spec import FoldScheme

SCHEME = FoldScheme(kind="stratified", n_splits=5)
rng = np.random.default_rng(1)
Y = (rng.random(300) < 0.4).astype(int)
FOLDS = assign_folds(SCHEME, Y, seed=0)


def run(name, oof, test=None, fingerprint="f"):
    return ModelRun(model=name, metric="logloss", fold_scores=[0.0], cv_score=0.0, cv_std=0.0, seconds=0,
                    seed=0, n_seeds=1, folds_fingerprint=fingerprint, oof=oof,
                    test=np.full(10, 0.5) if test is None else test)


def runs_for(y):
    good = np.clip(y * 0.7 + 0.15 + rng.normal(0, 0.1, len(y)), 0.01, 0.99)
    noise = rng.random(len(y))
    return [run("good", good, np.full(10, 0.8)), run("noise", noise, np.full(10, 0.2))]


def test_mean_blend_is_the_average():
    runs = runs_for(Y)
    result = blend("mean", runs, Y, FOLDS, SCHEME, get_metric("logloss"), "binary")
    assert np.allclose(result.oof, (runs[0].oof + runs[1].oof) / 2)
    assert np.allclose(result.test, 0.5)


def test_weighted_blend_prefers_the_good_model_and_weights_sum_to_one():
    result = blend("weighted", runs_for(Y), Y, FOLDS, SCHEME, get_metric("logloss"), "binary")
    assert result.weights["good"] > 0.8
    assert abs(sum(result.weights.values()) - 1) < 1e-6
    assert all(w >= 0 for w in result.weights.values())


@pytest.mark.parametrize("method", ["weighted", "greedy", "stacking", "rank"])
def test_every_blend_is_scored_out_of_fold(method):
    """Changing fold 0's labels must not change fold 0's blended OOF: its blender never saw them."""
    runs = runs_for(Y) + [run("third", np.clip(Y * 0.5 + rng.random(len(Y)) * 0.5, 0, 1))]
    metric = get_metric("accuracy")
    before = blend(method, runs, Y, FOLDS, SCHEME, metric, "binary")
    flipped = Y.copy()
    flipped[FOLDS == 0] = 1 - flipped[FOLDS == 0]
    after = blend(method, runs, flipped, FOLDS, SCHEME, metric, "binary")
    assert np.allclose(before.oof[FOLDS == 0], after.oof[FOLDS == 0])
    if method != "rank":  # control: the only blend that learns nothing from labels aside, the
        # blend of fold 0 does depend on the other folds' labels
        flipped = np.where(FOLDS != 0, 1 - Y, Y)
        control = blend(method, runs, flipped, FOLDS, SCHEME, metric, "binary")
        assert not np.allclose(before.oof[FOLDS == 0], control.oof[FOLDS == 0])


def test_best_single_is_chosen_inside_each_fold_and_is_the_good_model():
    runs = runs_for(Y)
    result = blend("best", runs, Y, FOLDS, SCHEME, get_metric("accuracy"), "binary")
    assert result.weights == {"good": 1.0, "noise": 0.0}
    assert np.array_equal(result.oof, runs[0].oof) and np.array_equal(result.test, runs[0].test)
    # its OOF rows were chosen without their labels: flipping fold 0 changes nothing there
    flipped = np.where(FOLDS == 0, 1 - Y, Y)
    after = blend("best", runs, flipped, FOLDS, SCHEME, get_metric("accuracy"), "binary")
    assert np.array_equal(after.oof[FOLDS == 0], result.oof[FOLDS == 0])


def test_greedy_selection_picks_the_good_model():
    result = blend("greedy", runs_for(Y), Y, FOLDS, SCHEME, get_metric("accuracy"), "binary")
    assert result.weights["good"] >= 0.5


def test_rank_blend_keeps_predictions_on_the_probability_scale():
    runs = runs_for(Y)
    result = blend("rank", runs, Y, FOLDS, SCHEME, get_metric("accuracy"), "binary")
    assert result.oof.min() >= 0 and result.oof.max() <= 1
    mean = blend("mean", runs, Y, FOLDS, SCHEME, get_metric("accuracy"), "binary")
    # the same share of rows lands above the 0.5 threshold, give or take the quantile mapping
    assert abs((result.oof > 0.5).mean() - (mean.oof > 0.5).mean()) < 0.1


def test_models_from_different_folds_are_refused():
    runs = runs_for(Y)
    runs[1].folds_fingerprint = "other"
    with pytest.raises(KitError, match="noise were trained on other folds"):
        check_compatible(runs, "f", runs[0].data_hash, "toy")


def test_regression_and_multiclass_blends_have_the_right_shape():
    y = rng.normal(size=300)
    runs = [run("a", y + rng.normal(0, 0.1, 300), np.zeros(10)), run("b", rng.normal(size=300), np.ones(10))]
    result = blend("weighted", runs, y, FOLDS, SCHEME, get_metric("rmse"), "regression")
    assert result.oof.shape == (300,) and result.weights["a"] > 0.9
    probs = rng.dirichlet(np.ones(3), size=(2, 300))
    labels = rng.integers(0, 3, 300)
    runs = [run("a", probs[0], np.full((10, 3), 1 / 3)), run("b", probs[1], np.full((10, 3), 1 / 3))]
    result = blend("weighted", runs, labels, FOLDS, SCHEME, get_metric("accuracy"), "multiclass")
    assert result.oof.shape == (300, 3) and result.test.shape == (10, 3)


def _ordinal_runs(seed=0, n=600, k=6):
    """Ordered classes whose probabilities are too flat: the most likely class is often the middle
    one, while the expected class still tracks the truth."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    latent = y + rng.normal(0, 0.8, n)
    logits = -0.15 * (np.arange(k)[None, :] - latent[:, None]) ** 2 + 0.6 * (k - 1 - np.abs(2 * np.arange(k) - k + 1))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, [run("flat", proba, proba[:50])]


def test_kappa_cut_points_beat_the_most_likely_class_and_are_fitted_out_of_fold():
    from common.engine.ensemble import available_blenders

    y, runs = _ordinal_runs()
    folds = assign_folds(SCHEME, y, seed=0)
    qwk = get_metric("qwk")
    cuts = blend("cuts", runs, y, folds, SCHEME, qwk, "multiclass")
    argmax = blend("mean", runs, y, folds, SCHEME, qwk, "multiclass")
    assert cuts.cv_score > argmax.cv_score + 0.05
    assert set(np.unique(cuts.oof)) == {0.0, 1.0} and (cuts.oof.sum(axis=1) == 1).all()
    # fold 0's cut points never saw its labels: scrambling them changes nothing there
    scrambled = np.where(folds == 0, np.random.default_rng(1).permutation(y), y)
    after = blend("cuts", runs, scrambled, folds, SCHEME, qwk, "multiclass")
    assert np.array_equal(after.oof[folds == 0], cuts.oof[folds == 0])
    assert "cuts" in available_blenders("multiclass", 1, "qwk")
    assert "cuts" not in available_blenders("multiclass", 1, "accuracy")


def test_an_f1_threshold_is_chosen_inside_each_fold_and_keeps_the_ranks():
    from common.engine.ensemble import available_blenders

    rng = np.random.default_rng(3)
    y = (rng.random(800) < 0.2).astype(int)  # a rare positive class: F1's best threshold is well below 0.5
    p = np.clip(0.12 + 0.3 * y + rng.normal(0, 0.1, len(y)), 0.001, 0.999)
    runs = [run("shy", p, p[:10])]
    folds = assign_folds(SCHEME, y, seed=0)
    f1 = get_metric("f1")
    chosen = blend("threshold", runs, y, folds, SCHEME, f1, "binary")
    plain = blend("mean", runs, y, folds, SCHEME, f1, "binary")
    assert chosen.cv_score > plain.cv_score + 0.1
    assert all(np.array_equal(np.argsort(chosen.oof[folds == k], kind="stable"),
                              np.argsort(p[folds == k], kind="stable")) for k in range(5))
    scrambled = np.where(folds == 0, rng.permutation(y), y)
    after = blend("threshold", runs, scrambled, folds, SCHEME, f1, "binary")
    assert np.array_equal(after.oof[folds == 0], chosen.oof[folds == 0])
    assert "threshold" in available_blenders("binary", 1, "f1") and "threshold" not in available_blenders("binary", 1, "auc")


def test_an_overconfident_blend_is_tempered_for_log_loss_inside_each_fold():
    from common.engine.ensemble import available_blenders

    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 900)
    logits = 8.0 * (np.eye(3)[y] + rng.normal(0, 0.7, (900, 3)))  # right more often than not, but far too sure
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    runs = [run("sure", proba, proba[:10])]
    folds = assign_folds(SCHEME, y, seed=0)
    logloss = get_metric("logloss")
    tempered = blend("calibrated", runs, y, folds, SCHEME, logloss, "multiclass")
    plain = blend("mean", runs, y, folds, SCHEME, logloss, "multiclass")
    assert tempered.cv_score < plain.cv_score - 0.1
    assert (tempered.oof.argmax(axis=1) == proba.argmax(axis=1)).all()  # the ranking of the classes is kept
    assert np.allclose(tempered.oof.sum(axis=1), 1)
    assert "calibrated" in available_blenders("multiclass", 1, "logloss")
    assert "calibrated" not in available_blenders("multiclass", 1, "accuracy")
