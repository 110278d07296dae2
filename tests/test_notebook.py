"""The notebook API (common/cli/notebook.py): the tasks' steps, returning results."""

import pandas as pd
import pytest

from common.cli.notebook import Blend, Competition
from common.core.errors import KitError

from .conftest import real_data_dir


def test_a_notebook_trains_ensembles_and_reads_its_submission(tmp_path):
    comp = Competition("titanic", root=tmp_path / "project", source=real_data_dir("titanic"), seed=1)
    assert comp.download().status == "new"
    scores = comp.train(models=["logreg", "random_forest"])
    assert list(scores.index) == ["logreg", "random_forest"] and (scores["cv_score"] > 0.78).all()
    assert len(scores.loc["logreg", "fold_scores"]) == 5
    blend = comp.ensemble(method="mean")
    assert isinstance(blend, Blend) and blend.method == "mean" and blend.submission.is_file()
    assert set(blend.weights) == {"logreg", "random_forest"}
    frame = comp.submission()
    assert isinstance(frame, pd.DataFrame) and frame.shape == (418, 2)
    assert comp.validate() == blend.submission
    single = comp.predict("logreg")
    assert single.is_file() and comp.validate(single) == single


def test_an_unknown_competition_is_refused_at_once(tmp_path):
    with pytest.raises(KitError, match="unknown competition 'titanik'"):
        Competition("titanik", root=tmp_path)


def test_a_notebook_runs_fits_in_worker_processes_with_the_same_results(tmp_path):
    import numpy as np

    comp = Competition("titanic", root=tmp_path / "project", source=real_data_dir("titanic"), seed=1)
    comp.download()
    oof_file = comp.paths.competition_artifacts("titanic") / "random_forest" / "oof.npy"
    one = comp.train(models="random_forest", jobs=1)
    oof_one = np.load(oof_file)
    two = comp.train(models="random_forest", jobs=2)
    assert np.array_equal(np.load(oof_file), oof_one)
    assert two.loc["random_forest", "cv_score"] == one.loc["random_forest", "cv_score"]
    best = comp.tune("logreg", trials=2, jobs=2)
    assert best and comp.paths.tuned_params("titanic").is_file()
