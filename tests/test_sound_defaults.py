"""Defaults that hold on real tables: no label leak inside the training fold, Keras with many
rare classes, and one failing model that never costs the others their runs."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_score

from common.core.config import PROJECT_ROOT, Paths
from common.core.errors import KitError
from common.core.fileio import write_text
from common.models.default_models import build_linear
from common.models.keras_estimators import KerasClassifier, _can_stratify
from common.models.keras_networks import build_mlp
from common.steps.workflow import train
from tests.support.toy_competition import SLUG, install_toy_data, toy_spec


def names_beside_a_signal(n=1200, seed=0):
    """One informative number and a near-unique name per row (as Titanic's or Spaceship's)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (x + rng.normal(scale=0.5, size=n) > 0).astype(int)
    names = pd.Series([f"{rng.choice(['Ann', 'Bob', 'Cy'])} {i:05d}x" for i in range(n)], dtype="category")
    return pd.DataFrame({"x": x, "name": names}), y


def test_a_near_unique_column_does_not_leak_its_labels_into_the_linear_model():
    X, y = names_beside_a_signal()
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    with_names = cross_val_score(build_linear(), X, y, cv=folds, scoring="accuracy").mean()
    without = cross_val_score(build_linear(), X[["x"]], y, cv=folds, scoring="accuracy").mean()
    assert without > 0.8
    # fitted without cross-fitting, the names' target encoding is the label itself: ~0.5 here
    assert with_names > without - 0.03, (with_names, without)


def test_the_target_encoding_of_the_training_rows_is_cross_fitted():
    X, y = names_beside_a_signal()
    pipe = build_linear()
    encoded = pipe.named_steps["encode"].fit_transform(X, y)
    name_column = np.asarray(encoded[:, -1] if not hasattr(encoded, "toarray") else encoded.toarray()[:, -1])
    # each training row's encoding is learnt from other rows: it says nothing of its own label
    assert abs(np.corrcoef(name_column, y)[0, 1]) < 0.2


@pytest.mark.parametrize("n_classes, rows_each, expected", [(3, 40, True), (99, 6, False), (99, 8, True), (5, 1, False)])
def test_stratified_validation_only_where_every_class_fits(n_classes, rows_each, expected):
    y = np.repeat(np.arange(n_classes), rows_each)
    assert _can_stratify(y, 0.15) is expected


def test_keras_learns_ninety_nine_rare_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(99), 6)
    X = rng.normal(size=(len(y), 4)) + y[:, None] * 0.1
    model = KerasClassifier(build_fn=build_mlp, build_params={"units": (8,)}, epochs=2, batch_size=64, patience=1)
    proba = model.fit(X, y).predict_proba(X)
    assert proba.shape == (len(y), 99)


def two_models(paths: Paths):
    spec = toy_spec()
    import dataclasses

    return dataclasses.replace(spec, models=tuple(m for m in spec.models if m.name in ("logreg", "fails")))


def test_a_failing_model_leaves_the_others_trained(tmp_path):
    paths = Paths(tmp_path)
    install_toy_data(paths)
    runs = train(two_models(paths), paths, seed=0)
    assert [r.model for r in runs] == ["logreg"]
    assert "fails" in runs.failed and "this fold is cursed" in runs.failed["fails"]
    assert (paths.model_artifacts(SLUG, "logreg") / "result.json").is_file()
    assert not paths.model_artifacts(SLUG, "fails").exists()
    with pytest.raises(KitError, match=r"1 model\(s\) failed: fails .*the runs of logreg are saved"):
        runs.check()


def test_run_ensembles_what_trained_and_exits_non_zero_naming_the_failure(tmp_path):
    paths = Paths(tmp_path)
    install_toy_data(paths)
    write_text(paths.root / "competitions" / SLUG / "spec.py",
               "import dataclasses\n\nfrom tests.support.toy_competition import toy_spec\n\n"
               "SPEC = dataclasses.replace(toy_spec(), models=tuple(\n"
               "    m for m in toy_spec().models if m.name in ('logreg', 'fails')))\n")
    proc = subprocess.run([sys.executable, "-m", "common.cli", f"--root={tmp_path}", "run", f"--comp={SLUG}"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "this fold is cursed; the other models go on" in output
    assert output.strip().splitlines()[-1].startswith("error: 1 model(s) failed: fails"), output
    assert list((paths.root / "submissions" / SLUG).glob("*.csv")), output
