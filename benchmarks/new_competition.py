"""`invoke new` + `invoke run` with zero edits on synthetic competitions of every shape.

For each shape: wall time of `new` and of `run` (each a fresh process, as a user runs them), the
kit's ensemble CV, its best single model, whether the submission validates against the sample,
and, on the same folds with the same metric, bare LightGBM with default parameters on the raw
columns (strings as pandas categories, the learnt target as the kit learns it).

    python benchmarks/new_competition.py --rows 10000 [--shapes binary-true-false,three-targets]
    python benchmarks/new_competition.py --shapes binary-true-false --autogluon-python /path/to/venv/bin/python

With ``--autogluon-python`` (a Python that has ``autogluon.tabular``; its pins differ from the
kit's), AutoGluon's best_quality preset fits the same rows (the columns the kit's models see, the
target as the kit learns it) and its out-of-fold validation score is printed beside the kit's CV.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.config import Paths  # noqa: E402
from common.data import load_competition_data, read_raw  # noqa: E402
from common.folds import fold_indices  # noqa: E402
from common.spec import load_competition  # noqa: E402
from common.workflow import check_submission_file  # noqa: E402
from tests.support.synthetic import SHAPES  # noqa: E402


def invoke(args, root: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**__import__("os").environ, "INVOKE_KIT_ROOT": str(root)})
    if done.returncode != 0:
        raise SystemExit(f"invoke {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def bare_lightgbm(spec, paths: Paths) -> float:
    """LightGBM defaults on the raw columns, on the kit's folds, scored by the kit's metric."""
    from lightgbm import LGBMClassifier, LGBMRegressor

    data = load_competition_data(spec, paths)
    train, test, _ = read_raw(spec, paths)
    X = train.drop(columns=[spec.id_column, *spec.targets, *[c for c in train.columns if c not in test.columns]])
    X = X.apply(lambda c: c.astype("category") if not pd.api.types.is_numeric_dtype(c) else c)
    folds = pd.read_csv(paths.folds_file(spec.slug))["fold"].to_numpy()
    y = data.y if data.y.ndim == 2 else data.y[:, None]
    scores = []
    for _, tr, va in fold_indices(folds, spec.folds):
        columns = []
        for j in range(y.shape[1]):
            if spec.task == "regression":
                columns.append(LGBMRegressor(verbose=-1).fit(X.iloc[tr], y[tr, j]).predict(X.iloc[va]))
            else:
                proba = LGBMClassifier(verbose=-1).fit(X.iloc[tr], y[tr, j]).predict_proba(X.iloc[va])
                columns.append(proba[:, 1] if spec.task == "binary" else proba)
        pred = columns[0] if len(columns) == 1 else np.column_stack(columns)
        scores.append(spec.metric(data.y[va], pred))
    return float(np.mean(scores))


def autogluon(spec, paths: Paths, python: str, seconds: int, folder: Path) -> str:
    """AutoGluon best_quality's out-of-fold score on the rows and columns the kit's models see."""
    from benchmarks.pipeline import AUTOGLUON_SCRIPT

    if len(spec.targets) > 1 or spec.submission.kind == "probabilities" and spec.task != "binary":
        return "autogluon=n/a"  # one label per predictor: not compared on these shapes
    data = load_competition_data(spec, paths)
    train, test, _ = read_raw(spec, paths)
    X = train.drop(columns=[spec.id_column, *spec.targets, *[c for c in train.columns if c not in test.columns]])
    label = spec.targets[0]
    X[label] = data.y if spec.task == "regression" else data.classes[data.y]
    csv = folder / "autogluon.csv"
    X.to_csv(csv, index=False)
    metric = {"rmse": "root_mean_squared_error", "logloss": "log_loss", "rmsle": "root_mean_squared_error",
              "f1": "f1", "auc": "roc_auc"}.get(spec.metric_name, spec.metric_name)
    problem = "binary" if spec.task == "binary" else spec.task
    done = subprocess.run([python, "-c", AUTOGLUON_SCRIPT, str(csv), label, problem, metric, str(seconds),
                           str(folder / "ag")], capture_output=True, text=True)
    if done.returncode != 0:
        return f"autogluon=failed({done.stderr.strip().splitlines()[-1][:200] if done.stderr.strip() else ''})"
    model, score, took = done.stdout.split()[-3:]
    return f"autogluon={score} ({model}, {took} s)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="train rows (test: a third of it)")
    parser.add_argument("--autogluon-python", help="a Python with autogluon.tabular: compare with best_quality")
    parser.add_argument("--autogluon-seconds", type=int, default=600, help="AutoGluon's time limit")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, from: " + ", ".join(SHAPES))
    args = parser.parse_args()
    lines = []
    for shape in args.shapes.split(","):
        maker = SHAPES[shape][0]
        with tempfile.TemporaryDirectory() as tmp:
            source = maker(Path(tmp) / "kaggle", n_train=args.rows, n_test=args.rows // 3)
            root = Path(tmp) / "project"
            new_s = invoke(["new", f"--comp={shape}", f"--source={source}"], root)
            run_s = invoke(["run", f"--comp={shape}"], root)
            paths = Paths(root)
            spec = load_competition(shape, paths=Paths(root))
            submission = sorted(paths.competition_submissions(shape).glob("*.csv"))[-1]
            check_submission_file(spec, paths, submission)
            record = json.loads(submission.with_suffix(".json").read_text())
            best_single = spec.metric.best_by_cv(
                [type("R", (), {"cv_score": v, "name": k}) for k, v in record["model_cv_scores"].items()])
            bare = bare_lightgbm(spec, paths)
            better = spec.metric.is_better(record["cv_score"], bare) or record["cv_score"] == bare
            line = (f"shape={shape} rows={args.rows} metric={spec.metric_name} new_s={new_s:.1f} run_s={run_s:.1f} "
                    f"total_s={new_s + run_s:.1f} kit_cv={record['cv_score']:.5f} ({record['name']}) "
                    f"best_single={best_single.cv_score:.5f} ({best_single.name}) bare_lightgbm={bare:.5f} "
                    f"kit_at_least_bare={'yes' if better else 'NO'} valid_submission=yes")
            if args.autogluon_python:
                line += " " + autogluon(spec, paths, args.autogluon_python, args.autogluon_seconds, Path(tmp))
            print(line, flush=True)
            lines.append(line)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
