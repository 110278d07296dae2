"""`invoke new` + `invoke run` with zero edits on synthetic competitions of every shape, scored
on a hidden test set.

For each shape, the maker draws train + hidden rows from one distribution; a random quarter is held
out as the test set (its labels kept here, as Kaggle keeps them). Printed: wall time of `new` and of
`run` (each a fresh process, as a user runs them), whether the submission validates against the
sample, the kit's ensemble CV and its score on the hidden rows, and, scored on the same hidden rows:
bare LightGBM with default parameters on the raw columns (strings as pandas categories), and with
``--autogluon-python`` (a Python that has ``autogluon.tabular``; its pins differ from the kit's)
AutoGluon's best_quality preset fitted on the same train rows and columns.

    python benchmarks/new_competition.py --rows 10000 [--shapes binary-true-false,three-targets]
    python benchmarks/new_competition.py --shapes binary-true-false --autogluon-python /venv/bin/python
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.core.config import Paths  # noqa: E402
from common.data.competition_data import load_competition_data, read_raw  # noqa: E402
from common.data.folds import fold_indices  # noqa: E402
from common.engine.artifacts import ENSEMBLE_DIR  # noqa: E402
from common.spec import load_competition  # noqa: E402
from common.steps.workflow import check_submission_file  # noqa: E402
from tests.support.synthetic import SHAPES  # noqa: E402


def invoke(args, root: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "INVOKE_KIT_ROOT": str(root)})
    if done.returncode != 0:
        raise SystemExit(f"invoke {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def hide_test_rows(maker, folder: Path, n_train: int, n_hidden: int) -> tuple[Path, pd.DataFrame]:
    """Kaggle's three files from train rows only: a random ``n_hidden`` of them become the test set
    (without the train-only columns), the sample lists their ids; returns the folder and the answers."""
    drawn = maker(folder / "drawn", n_train=n_train + n_hidden, n_test=10)
    return hide_rows(drawn, folder / "kaggle", n_hidden)


def hide_rows(kaggle_files: Path, out: Path, n_hidden: int | None, seed: int = 0) -> tuple[Path, pd.DataFrame]:
    """A practice competition in ``out`` from a folder of Kaggle's files: ``n_hidden`` random train
    rows (default: a fifth) become its test set (test.csv's columns only), its sample has their ids and the real
    sample's values and spelling; returns ``out`` and the hidden rows, targets included."""
    rows = pd.read_csv(kaggle_files / "train.csv", dtype=str, keep_default_na=False)
    test_columns = pd.read_csv(kaggle_files / "test.csv", nrows=0).columns
    sample_file = next(f for f in sorted(kaggle_files.glob("*.csv")) if f.name not in ("train.csv", "test.csv"))
    sample = pd.read_csv(sample_file, dtype=str, keep_default_na=False, nrows=5)  # e.g. gender_submission.csv
    hidden = np.zeros(len(rows), dtype=bool)
    n_hidden = len(rows) // 5 if n_hidden is None else n_hidden
    hidden[np.random.default_rng(seed).choice(len(rows), n_hidden, replace=False)] = True
    out.mkdir(parents=True)
    rows[~hidden].to_csv(out / "train.csv", index=False)
    rows.loc[hidden, test_columns].to_csv(out / "test.csv", index=False)
    id_column = sample.columns[0]
    hidden_sample = pd.DataFrame({id_column: rows.loc[hidden, id_column].to_numpy()})
    for column in sample.columns[1:]:
        hidden_sample[column] = sample[column].iloc[0]
    hidden_sample.to_csv(out / "sample_submission.csv", index=False)
    return out, pd.read_csv(kaggle_files / "train.csv", dtype={id_column: str})[hidden].reset_index(drop=True)


def learnt_target(spec, data, answers: pd.DataFrame) -> np.ndarray:
    """The hidden rows' targets as the kit's models learn them (class indices, log1p for RMSLE)."""
    values = answers[list(spec.targets)]
    if spec.task != "regression" and values.shape[1] > 1:  # several 0/1 targets, as encode_target reads them
        return values.astype(float).to_numpy().astype(int)
    if spec.task != "regression":
        return np.searchsorted(data.classes, values.iloc[:, 0].to_numpy())
    y = values.to_numpy(dtype=float)
    y = y[:, 0] if y.shape[1] == 1 else y
    return np.log1p(y) if spec.metric.log_target else y


def raw_columns(spec, train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The columns train and test share (the id aside), strings as categories of train's values."""
    shared = [c for c in test.columns if c in train.columns and c != spec.id_column]
    X, X_test = train[shared].copy(), test[shared].copy()
    for c in shared:
        if not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype("category")
            known = X_test[c].where(X_test[c].isin(X[c].cat.categories))  # unseen values: missing
            X_test[c] = pd.Categorical(known, categories=X[c].cat.categories)
    return X, X_test


def lightgbm_predict(spec, X, y, X_new) -> np.ndarray:
    from lightgbm import LGBMClassifier, LGBMRegressor

    y2 = y if y.ndim == 2 else y[:, None]
    columns = []
    for j in range(y2.shape[1]):
        if spec.task == "regression":
            columns.append(LGBMRegressor(verbose=-1).fit(X, y2[:, j]).predict(X_new))
        else:
            proba = LGBMClassifier(verbose=-1).fit(X, y2[:, j]).predict_proba(X_new)
            columns.append(proba[:, 1] if spec.task == "binary" else proba)
    return columns[0] if len(columns) == 1 else np.column_stack(columns)


def bare_lightgbm(spec, paths: Paths, y_hidden: np.ndarray) -> tuple[float, float]:
    """LightGBM defaults on the raw columns: its CV on the kit's folds, and its hidden-test score
    (fitted on all train rows)."""
    data = load_competition_data(spec, paths)
    train, test, _ = read_raw(spec, paths)
    X, X_test = raw_columns(spec, train, test)
    folds = pd.read_csv(paths.folds_file(spec.slug))["fold"].to_numpy()
    scores = [spec.metric(data.y[va], lightgbm_predict(spec, X.iloc[tr], data.y[tr], X.iloc[va]))
              for _, tr, va in fold_indices(folds, spec.folds)]
    return float(np.mean(scores)), spec.metric(y_hidden, lightgbm_predict(spec, X, data.y, X_test))


AUTOGLUON_SCRIPT = """
import sys, time, pandas as pd
from autogluon.tabular import TabularPredictor
train, test, label, problem, metric, seconds, folder, out = sys.argv[1:]
started = time.perf_counter()
predictor = TabularPredictor(label=label, problem_type=problem, eval_metric=metric, path=folder, verbosity=0)
predictor.fit(pd.read_csv(train), presets="best_quality", time_limit=int(seconds))
test = pd.read_csv(test)
pred = predictor.predict(test).to_frame() if problem == "regression" else predictor.predict_proba(test)
pred.to_csv(out, index=False)
print(predictor.model_best, f"{time.perf_counter() - started:.0f}")
"""


def autogluon(spec, paths: Paths, y_hidden, python: str, seconds: int, folder: Path) -> str:
    """AutoGluon best_quality on the columns the kit's models see (a date/time id included), scored on
    the hidden rows."""
    if len(spec.targets) > 1:
        return "autogluon=n/a (one label per predictor)"
    data = load_competition_data(spec, paths)
    train, test, _ = read_raw(spec, paths)
    X, X_test = raw_columns(spec, train, test)
    stamps = pd.to_datetime(train[spec.id_column], errors="coerce", format="mixed")
    if stamps.notna().all():  # the kit's features take a date/time id's parts: AutoGluon gets it too
        X[spec.id_column] = stamps
        X_test[spec.id_column] = pd.to_datetime(test[spec.id_column], format="mixed")
    label = spec.targets[0]
    X[label] = data.y if spec.task == "regression" else data.classes[data.y]
    X.to_csv(folder / "ag_train.csv", index=False)
    X_test.to_csv(folder / "ag_test.csv", index=False)
    metric = {"rmse": "root_mean_squared_error", "logloss": "log_loss", "rmsle": "root_mean_squared_error",
              "auc": "roc_auc", "qwk": "quadratic_kappa"}.get(spec.metric_name, spec.metric_name)
    done = subprocess.run([python, "-c", AUTOGLUON_SCRIPT, str(folder / "ag_train.csv"), str(folder / "ag_test.csv"),
                           label, spec.task, metric, str(seconds), str(folder / "ag"), str(folder / "ag_pred.csv")],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"autogluon=failed ({(done.stderr.strip().splitlines() or [''])[-1][:200]})"
    model, took = done.stdout.split()[-2:]
    pred = pd.read_csv(folder / "ag_pred.csv")
    if spec.task == "regression":
        pred = pred.iloc[:, 0].to_numpy()
    else:  # its columns are the class names, as text
        pred = pred[[str(c) for c in data.classes]].to_numpy()
        pred = pred[:, 1] if spec.task == "binary" else pred
    return f"autogluon_test={spec.metric(y_hidden, pred):.5f} ({model}, {took} s)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="train rows (hidden test rows: a third of it)")
    parser.add_argument("--autogluon-python", help="a Python with autogluon.tabular: compare with best_quality")
    parser.add_argument("--autogluon-seconds", type=int, default=300, help="AutoGluon's time limit")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, from: " + ", ".join(SHAPES))
    args = parser.parse_args()
    lines = []
    for shape in args.shapes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            source, answers = hide_test_rows(SHAPES[shape][0], Path(tmp), args.rows, args.rows // 3)
            root = Path(tmp) / "project"
            new_s = invoke(["new", f"--comp={shape}", f"--source={source}"], root)
            run_s = invoke(["run", f"--comp={shape}"], root)
            paths = Paths(root)
            spec = load_competition(shape, paths=paths)
            submission = sorted(paths.competition_submissions(shape).glob("*.csv"))[-1]
            check_submission_file(spec, paths, submission)
            record = json.loads(submission.with_suffix(".json").read_text())
            data = load_competition_data(spec, paths)
            y_hidden = learnt_target(spec, data, answers)
            kit_test = spec.metric(y_hidden, np.load(paths.competition_artifacts(shape) / ENSEMBLE_DIR / "test.npy"))
            bare_cv, bare_test = bare_lightgbm(spec, paths, y_hidden)
            better = spec.metric.is_better(kit_test, bare_test) or kit_test == bare_test
            line = (f"shape={shape} rows={args.rows} metric={spec.metric_name} new_s={new_s:.1f} run_s={run_s:.1f} "
                    f"total_s={new_s + run_s:.1f} valid_submission=yes kit_cv={record['cv_score']:.5f} "
                    f"({record['name']}) kit_test={kit_test:.5f} bare_lightgbm_cv={bare_cv:.5f} "
                    f"bare_lightgbm_test={bare_test:.5f} kit_at_least_bare={'yes' if better else 'NO'}")
            if args.autogluon_python:
                line += " " + autogluon(spec, paths, y_hidden, args.autogluon_python, args.autogluon_seconds,
                                        Path(tmp))
            print(line, flush=True)
            lines.append(line)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
