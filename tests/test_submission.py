"""The submission validator rejects each defect it must, and files are never overwritten."""

import json

import numpy as np
import pandas as pd
import pytest

from common.core.errors import SubmissionError
from common.engine.submission import build_submission, layout_of, validate_file, validate_submission, write_submission
from common.spec import load_competition

from .conftest import installed, run_invoke

SPEC = load_competition("titanic")
# as the kit reads Kaggle's files: ids as their exact text
SAMPLE = pd.DataFrame({"PassengerId": ["892", "893", "894", "895"], "Survived": [0, 1, 0, 0]})
LAYOUT = layout_of(SPEC, SAMPLE, np.array([0, 1]))


def good():
    return SAMPLE.copy()


def rejects(frame, check):
    with pytest.raises(SubmissionError) as info:
        validate_submission(LAYOUT, frame, SAMPLE)
    assert info.value.check == check
    return str(info.value)


def test_a_correct_submission_passes():
    validate_submission(LAYOUT, good(), SAMPLE)


def test_wrong_column_names():
    assert "sample submission's columns" in rejects(good().rename(columns={"Survived": "survived"}), "columns")


def test_extra_column():
    rejects(good().assign(extra=1), "columns")


def test_missing_rows():
    assert "expected 4 rows, got 3: 1 id(s) of the sample submission are missing (895)" in \
        rejects(good().iloc[:3], "row_count")


def test_extra_rows():
    assert "1 id(s) appear more than once (892)" in rejects(pd.concat([good(), good().iloc[:1]]), "row_count")


def test_unknown_id():
    frame = good()
    frame.loc[2, "PassengerId"] = "1"
    message = rejects(frame, "ids")
    assert "missing (894)" in message and "not in it (1)" in message


def test_many_missing_ids_are_counted_after_the_first_five():
    sample = pd.DataFrame({"PassengerId": [str(i) for i in range(100, 120)], "Survived": 0})
    layout = layout_of(SPEC, sample, np.array([0, 1]))
    with pytest.raises(SubmissionError, match=r"12 id\(s\) of the sample submission are missing "
                                              r"\(108, 109, 110, 111, 112 and 7 more\)"):
        validate_submission(layout, sample.iloc[:8], sample)


def test_ids_in_another_order():
    assert "first on line 2: expected 892, got 895" in rejects(good().iloc[::-1].reset_index(drop=True), "ids")


def test_missing_prediction():
    frame = good().astype({"Survived": "float"})
    frame.loc[1, "Survived"] = np.nan
    assert "PassengerId 893 (line(s) 3)" in rejects(frame, "missing")


def test_float_labels():
    assert "holds float values" in rejects(good().astype({"Survived": "float"}), "dtype")


def test_probabilities_instead_of_labels():
    rejects(good().assign(Survived=[0.2, 0.9, 0.1, 0.4]), "dtype")


def test_label_out_of_range():
    assert "at PassengerId 894 (line(s) 4)" in rejects(good().assign(Survived=[0, 1, 2, 0]), "values")


def test_an_unbalanced_quote_is_named_by_line(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('PassengerId,Survived\n892,0\n893,"1\n894,0\n895,0\n')
    with pytest.raises(SubmissionError, match="an unbalanced quote .* starts on line 3") as info:
        validate_file(LAYOUT, path, SAMPLE)
    assert "C error" not in str(info.value) and str(path) in str(info.value)


def test_text_labels():
    rejects(good().assign(Survived=["no", "yes", "no", "no"]), "dtype")


def test_unreadable_file(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SubmissionError) as info:
        validate_file(LAYOUT, path, SAMPLE)
    assert info.value.check == "readable"


def test_numbers_and_probabilities_are_range_checked():
    import dataclasses

    from common.spec import SubmissionFormat

    sample = pd.DataFrame({"Id": ["1", "2"], "SalePrice": [1.0, 2.0]})
    for fmt, values, check in [(SubmissionFormat("values", min_value=0), [1.0, -5.0], "values"),
                               (SubmissionFormat("values"), [1.0, np.inf], "values"),
                               (SubmissionFormat("probabilities"), [0.5, 1.5], "values"),
                               (SubmissionFormat("values"), ["a", "b"], "dtype")]:
        layout = layout_of(dataclasses.replace(SPEC, submission=fmt), sample, np.array([0, 1]))
        with pytest.raises(SubmissionError) as info:
            validate_submission(layout, sample.assign(SalePrice=values), sample)
        assert info.value.check == check


def test_written_submissions_are_never_overwritten(paths):
    frame = build_submission(SPEC, LAYOUT, SAMPLE["PassengerId"], np.array([0.1, 0.7, 0.4, 0.5]))
    assert frame["Survived"].tolist() == [0, 1, 0, 1]
    first = write_submission(SPEC, paths, frame, LAYOUT, SAMPLE, name="test", cv_score=0.8, details={"models": ["a"]})
    second = write_submission(SPEC, paths, frame, LAYOUT, SAMPLE, name="test", cv_score=0.8, details={"models": ["a"]})
    assert first != second and first.exists() and second.exists()
    sidecar = json.loads(first.with_suffix(".json").read_text())
    assert sidecar["cv_score"] == 0.8 and sidecar["models"] == ["a"] and "packages" in sidecar


def test_an_invalid_submission_is_not_written(paths):
    frame = SAMPLE.assign(Survived=[0.5, 0.5, 0.5, 0.5])
    with pytest.raises(SubmissionError):
        write_submission(SPEC, paths, frame, LAYOUT, SAMPLE, name="bad", cv_score=0.5, details={})
    assert not list(paths.competition_submissions("titanic").glob("*"))


def test_validate_task_exits_non_zero_naming_the_check(paths, tmp_path):
    installed("titanic", paths)
    bad = tmp_path / "bad.csv"
    sample = pd.read_csv(paths.raw("titanic") / "gender_submission.csv")
    sample.astype({"Survived": float}).to_csv(bad, index=False)
    env_root = {"INVOKE_KIT_ROOT": str(paths.root)}
    result = run_invoke(["validate", "--comp=titanic", f"--file={bad}"], env_root)
    assert result.returncode != 0
    assert "check 'dtype' failed" in result.stderr and "Traceback" not in result.stderr
    good_file = tmp_path / "good.csv"
    sample.to_csv(good_file, index=False)
    assert run_invoke(["validate", "--comp=titanic", f"--file={good_file}"], env_root).returncode == 0



def test_integer_labels_are_judged_by_their_text_in_a_file(tmp_path):
    path = tmp_path / "floats.csv"
    path.write_text("PassengerId,Survived\n892,0.0\n893,1.0\n894,0.0\n895,0.0\n")
    with pytest.raises(SubmissionError) as info:
        validate_file(LAYOUT, path, SAMPLE)
    assert info.value.check == "dtype" and "'0.0'" in str(info.value)
    path.write_text("PassengerId,Survived\n892,0\n893,1\n894,0\n895,0\n")
    validate_file(LAYOUT, path, SAMPLE)
