"""`invoke new` on synthetic competitions of every shape: the spec it infers, then train,
ensemble and a submission that validates against Kaggle's sample submission; the validator
refuses each way a file can differ from the sample."""

import numpy as np
import pandas as pd
import pytest

from common.core.config import Paths
from common.core.errors import KitError, SubmissionError
from common.data.competition_data import load_competition_data
from common.scaffold.new_competition import new_competition
from common.spec import load_competition
from common.steps.workflow import check_submission_file, ensemble, train
from tests.support.kaggle_server import fake_kaggle, make_zip  # noqa: F401 (fixture)
from tests.support.synthetic import SHAPES, make_binary_true_false, make_class_probabilities, make_string_multiclass

from .conftest import fast_spec, run_invoke


def constant_baseline(spec, paths) -> float:
    """The CV metric of predicting the same thing for every row: class shares, or the mean."""
    data = load_competition_data(spec, paths)
    if spec.task == "regression":
        return spec.metric(data.y, np.broadcast_to(data.y.mean(axis=0), data.y.shape))
    shares = np.bincount(data.y) / len(data.y)
    return spec.metric(data.y, np.tile(shares, (len(data.y), 1)))


def start(tmp_path, shape, maker=None):
    """Kaggle's files of a synthetic competition, and the competition set up by `new` in a fresh root."""
    maker = maker or SHAPES[shape][0]
    source = maker(tmp_path / "kaggle" / shape)
    paths = Paths(tmp_path / "project")
    new_competition(shape, paths, source)
    return source, paths, load_competition(shape, paths=paths)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_new_infers_the_spec_then_train_and_ensemble_write_a_valid_submission(shape, tmp_path):
    source, paths, spec = start(tmp_path, shape)
    targets, task, kind, metric = SHAPES[shape][1]
    assert (spec.targets, spec.task, spec.submission.kind, spec.metric_name) == (targets, task, kind, metric)
    check_submission_file(spec, paths, source / "sample_submission.csv")  # Kaggle's own sample validates

    fast = fast_spec(spec, only=["lightgbm", "linear"], lightgbm={"n_estimators": 60})
    runs = train(fast, paths, seed=0)
    chosen, path = ensemble(fast, paths, seed=0)
    check_submission_file(spec, paths, path)
    # ids come back as Kaggle wrote them, in the sample's order, byte for byte
    sample_ids = [line.split(",")[0] for line in (source / "sample_submission.csv").read_text().splitlines()]
    assert [line.split(",")[0] for line in path.read_text().splitlines()] == sample_ids
    # the synthetic signal is learnt: CV clearly beats predicting a constant
    baseline = constant_baseline(spec, paths)
    if spec.metric.greater_is_better:
        assert chosen.cv_score >= baseline + 0.15, (chosen.cv_score, baseline)
    else:
        assert chosen.cv_score <= 0.7 * baseline, (chosen.cv_score, baseline)
    assert all(len(r.fold_scores) == 5 for r in runs)


def test_true_false_labels_are_written_and_required_as_kaggle_spells_them(tmp_path):
    source, paths, spec = start(tmp_path, "binary-true-false")
    fast = fast_spec(spec, only=["linear"])
    train(fast, paths, seed=0)
    _, path = ensemble(fast, paths, seed=0)
    assert set(pd.read_csv(path)["Transported"].astype(str)) <= {"True", "False"}
    zero_one = tmp_path / "zero_one.csv"
    pd.read_csv(path).astype({"Transported": int}).to_csv(zero_one, index=False)
    with pytest.raises(SubmissionError) as info:
        check_submission_file(spec, paths, zero_one)
    assert info.value.check == "dtype" and "True/False" in str(info.value)
    # pandas reads 'true' as True, Kaggle compares the text: the file's own spelling is judged
    lowercase = tmp_path / "lowercase.csv"
    lowercase.write_text(path.read_text().replace("True", "true").replace("False", "false"))
    with pytest.raises(SubmissionError) as info:
        check_submission_file(spec, paths, lowercase)
    assert info.value.check == "dtype" and ("'true'" in str(info.value) or "'false'" in str(info.value))


def test_class_names_must_be_spelled_as_in_train(tmp_path):
    source, paths, spec = start(tmp_path, "string-multiclass")
    sample = pd.read_csv(source / "sample_submission.csv")
    wrong = tmp_path / "capitalised.csv"
    sample.assign(species="Cat").to_csv(wrong, index=False)
    with pytest.raises(SubmissionError) as info:
        check_submission_file(spec, paths, wrong)
    assert info.value.check == "values" and "Cat" in str(info.value) and "cat" in str(info.value)


@pytest.mark.parametrize("change, check", [
    (lambda s: s[["id", "Status_C", "Status_CL", "Status_D"]], "columns"),  # sorted, not the sample's order
    (lambda s: s.drop(columns=["Status_CL"]), "columns"),  # a class missing
    (lambda s: s.assign(Status_C="C"), "dtype"),  # labels where probabilities belong
    (lambda s: s.assign(Status_D=1.5), "values"),  # not a probability
])
def test_probability_columns_must_match_the_sample(tmp_path, change, check):
    source, paths, spec = start(tmp_path, "class-probabilities", make_class_probabilities)
    bad = tmp_path / "bad.csv"
    change(pd.read_csv(source / "sample_submission.csv")).to_csv(bad, index=False)
    with pytest.raises(SubmissionError) as info:
        check_submission_file(spec, paths, bad)
    assert info.value.check == check


def test_probability_columns_follow_the_samples_order_not_the_class_order(tmp_path):
    source, paths, spec = start(tmp_path, "class-probabilities", make_class_probabilities)
    fast = fast_spec(spec, only=["linear"])
    train(fast, paths, seed=0)
    _, path = ensemble(fast, paths, seed=0)
    written = pd.read_csv(path)
    assert list(written.columns) == ["id", "Status_D", "Status_C", "Status_CL"]
    assert np.allclose(written[["Status_D", "Status_C", "Status_CL"]].sum(axis=1), 1)
    # the model's class order is sorted (C, CL, D): rows with a large f0 favour C, whatever the column order
    test = pd.read_csv(source / "test.csv")
    strong_c = (test["f0"] > 1.5) & (test["f1"] < 0)
    assert (written.loc[strong_c, "Status_C"] > written.loc[strong_c, "Status_D"]).mean() > 0.8


def test_train_only_columns_and_the_id_never_become_features(tmp_path):
    _, paths, spec = start(tmp_path, "regression-dates")
    train_frame = pd.read_csv(paths.raw(spec.slug) / "train.csv")
    X, X_test = spec.make_features(train_frame.drop(columns=["sales"]), pd.read_csv(paths.raw(spec.slug) / "test.csv"))
    assert not {"sales_online", "sales_store"} & set(X.columns)
    assert list(X.columns) == list(X_test.columns)
    # the timestamp id carries information: its parts are features, the raw string is not
    assert "timestamp_hour" in X.columns and "timestamp" not in X.columns and "opened_day_of_week" in X.columns


def test_keras_learns_several_targets_at_once(tmp_path):
    _, paths, spec = start(tmp_path, "three-targets")
    fast = fast_spec(spec, only=["keras_mlp"], keras_mlp={"epochs": 3})
    [run] = train(fast, paths, seed=0)
    assert run.oof.shape == (400, 3) and np.isfinite(run.oof).all() and np.isfinite(run.cv_score)


def test_new_never_overwrites_a_competition(tmp_path):
    source, paths, _ = start(tmp_path, "string-multiclass", make_string_multiclass)
    spec_file = paths.root / "competitions" / "string-multiclass" / "spec.py"
    spec_file.write_text(spec_file.read_text() + "# my edit\n")
    with pytest.raises(KitError, match="never overwritten"):
        new_competition("string-multiclass", paths, source)
    assert spec_file.read_text().endswith("# my edit\n")
    with pytest.raises(KitError, match="never overwritten"):
        new_competition("titanic", paths, source)  # one of the kit's own


def test_new_reads_the_metric_from_kaggles_metadata(tmp_path, fake_kaggle):  # noqa: F811
    source = make_binary_true_false(tmp_path / "kaggle")
    fake_kaggle.competitions["space-trip"] = make_zip({f.name: f.read_bytes() for f in source.iterdir()})
    fake_kaggle.metrics["space-trip"] = "Area Under Receiver Operating Characteristic Curve"
    paths = Paths(tmp_path / "project")
    new_competition("space-trip", paths)
    spec = load_competition("space-trip", paths=paths)
    assert spec.metric_name == "auc"
    assert "Kaggle's evaluation metric" in (paths.root / "competitions" / "space-trip" / "spec.py").read_text()


@pytest.mark.slow
def test_new_then_run_with_zero_edits_through_invoke(tmp_path):
    source = make_binary_true_false(tmp_path / "kaggle", n_train=600)
    env = {"INVOKE_KIT_ROOT": str(tmp_path / "project")}
    created = run_invoke(["new", "--comp=space-trip", f"--source={source}"], env)
    assert created.returncode == 0, created.stderr
    assert "spec written" in created.stdout and "check:" in created.stdout
    ran = run_invoke(["run", "--comp=space-trip"], env, timeout=900)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "submission written" in ran.stdout
    files = list((tmp_path / "project" / "submissions" / "space-trip").glob("*.csv"))
    assert len(files) == 1
    valid = run_invoke(["validate", "--comp=space-trip", f"--file={files[0]}"], env)
    assert valid.returncode == 0, valid.stderr


def renamed_layout(source, folder, *, train="train.csv", test="test.csv", sample="sample_submission.csv",
                   extra=(), zipped=()):
    """Kaggle's files of ``source`` under other names, beside ``extra`` CSVs; ``zipped`` ones as .csv.zip."""
    import zipfile

    folder.mkdir(parents=True)
    for old, new in (("train.csv", train), ("test.csv", test), ("sample_submission.csv", sample)):
        if new in zipped:
            with zipfile.ZipFile(folder / f"{new}.zip", "w") as archive:
                archive.write(source / old, new)
        else:
            (folder / new).write_bytes((source / old).read_bytes())
    for name, frame in extra:
        frame.to_csv(folder / name, index=False)
    return folder


@pytest.mark.parametrize("layout", [
    dict(sample="sampleSubmission.csv"),
    dict(train="training_set.csv", test="holdout_rows.csv", sample="gender_submission.csv",
         extra=[("weather.csv", pd.DataFrame({"day": [1, 2], "rain": [0.1, 0.0]}))]),
    dict(zipped=("train.csv", "test.csv")),
])
def test_new_reads_kaggles_other_layouts(tmp_path, layout):
    source = make_binary_true_false(tmp_path / "kaggle")
    folder = renamed_layout(source, tmp_path / "renamed", **layout)
    paths = Paths(tmp_path / "project")
    new_competition("renamed", paths, folder)
    spec = load_competition("renamed", paths=paths)
    assert spec.raw_files == (layout.get("train", "train.csv"), layout.get("test", "test.csv"),
                              layout.get("sample", "sample_submission.csv"))
    data = load_competition_data(spec, paths)
    assert len(data.X) == len(pd.read_csv(source / "train.csv"))
    assert (folder / "train.csv.zip").exists() or "zipped" not in layout  # the source is left as it was


def test_files_told_apart_by_columns_are_named_for_a_check(tmp_path, capsys):
    source = make_binary_true_false(tmp_path / "kaggle")
    folder = renamed_layout(source, tmp_path / "renamed", train="a.csv", test="b.csv", sample="c.csv",
                            extra=[("d.csv", pd.DataFrame({"day": [1, 2], "rain": [0.1, 0.0]}))])
    new_competition("renamed", Paths(tmp_path / "project"), folder)
    out = " ".join(capsys.readouterr().out.split())
    assert "told the files apart by their columns: train a.csv, test b.csv, sample submission c.csv" in out
    assert "left aside: d.csv" in out


def test_map_at_k_submissions_hold_k_known_labels_once_each(tmp_path):
    source, paths, spec = start(tmp_path, "top-3-labels")
    assert spec.submission.top_k == 3
    sample = pd.read_csv(source / "sample_submission.csv", dtype=str)
    for value, problem in (("Malaria Dengue", "does not hold 3 labels"), ("Malaria Dengue Flu", "not a class"),
                           ("Malaria Malaria Dengue", "repeats a label")):
        bad = sample.copy()
        bad.loc[4, "prognosis"] = value
        bad.to_csv(tmp_path / "bad.csv", index=False)
        with pytest.raises(SubmissionError, match=f"{problem}.*id {bad.loc[4, 'id']} ") as info:
            check_submission_file(spec, paths, tmp_path / "bad.csv")
        assert info.value.check == "values"


def test_metric_names_as_kaggle_writes_them_and_a_list_for_the_rest():
    from common.core.metrics import get_metric, metric_name

    assert [metric_name(n) for n in ("MAP@3", "ROC AUC", "Log Loss", "Quadratic Weighted Kappa", "MCRMSE",
                                     "Normalized Gini", "micro-F1", "MedAE")] == \
        ["map@3", "auc", "logloss", "qwk", "mcrmse", "gini", "micro_f1", "medae"]
    y, p = np.array([0, 1, 2]), np.array([[0.5, 0.3, 0.2]] * 3)
    assert get_metric("map@3")(y, p) == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert get_metric("map@1")(y, p) == pytest.approx(1 / 3)
    assert get_metric("smape")(np.array([100.0, 0.0]), np.array([110.0, 0.0])) == pytest.approx(100 / 2 * 20 / 210)
    assert get_metric("gini")(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.8])) == pytest.approx(1.0)
    assert get_metric("mape")(np.array([100.0, 200.0]), np.array([110.0, 180.0])) == pytest.approx(0.1)
    assert get_metric("medae")(np.array([1.0, 2.0, 10.0]), np.array([1.0, 3.0, 13.0])) == pytest.approx(1.0)
    assert get_metric("pearson")(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])) == pytest.approx(1.0)
    assert get_metric("mcrmse")(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[2.0, 0.0], [2.0, 2.0]])) == \
        pytest.approx((1.0 + np.sqrt(2)) / 2)
    with pytest.raises(KitError, match=r"unknown metric 'brier'[\s\S]*smape[\s\S]*map@K"):
        metric_name("brier")


def test_median_metrics_train_lightgbm_on_the_absolute_loss():
    from common.models.default_models import default_models

    assert default_models("regression", 1, metric="mae")[0].build(**default_models("regression", 1, "mae")[0].params) \
        .named_steps["model"].objective == "l1"
    assert "objective" not in default_models("regression", 1, metric="rmse")[0].params
    assert "objective" not in default_models("binary", 1, metric="mae")[0].params
