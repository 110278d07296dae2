"""Does CV predict unseen rows? Hold out part of train.csv, cross-validate on the rest, score the held-out part.

    python benchmarks/holdout.py --comp titanic --models woman_child_group,logreg,lightgbm
    python benchmarks/holdout.py --comp titanic --splits 5 --holdout 0.3 --repeats 4

For each of ``--splits`` random splits (stratified for classes), every model is cross-validated
(``--folds``-fold) on the kept rows and then fitted on all of them and scored on the held-out
rows, which no choice ever saw. Prints per model the mean CV, the mean held-out score and their
gap (CV minus held-out, in the metric's units), then a repeated CV over all of train.csv
(``--repeats`` × ``--folds`` folds), which is steadier than the one stored fold split. Rows the
spec excludes from fitting are still scored, as in ``invoke train``. Only train.csv is read; the
competition's files come from ../shared/kaggle/<slug> or --source.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "kaggle"


def splitter(task: str, n_splits: int, seed: int):
    from sklearn.model_selection import KFold, StratifiedKFold

    if task == "regression":
        return KFold(n_splits, shuffle=True, random_state=seed)
    return StratifiedKFold(n_splits, shuffle=True, random_state=seed)


def fit_predict(model_spec, task, X, y, fit_rows, train_rows, score_rows, seed):
    from common.engine.executor import predict_values, seed_estimator

    train_rows = train_rows[fit_rows[train_rows]]
    estimator = model_spec.make()
    seed_estimator(estimator, seed)
    estimator.fit(X.iloc[train_rows], y[train_rows])
    return predict_values(estimator, X.iloc[score_rows], task)


def cv_score(model_spec, spec, X, y, fit_rows, rows, n_folds, seed):
    scores = []
    for a, v in splitter(spec.task, n_folds, seed).split(rows, y[rows] if spec.task != "regression" else None):
        pred = fit_predict(model_spec, spec.task, X, y, fit_rows, rows[a], rows[v], seed)
        scores.append(spec.metric(y[rows[v]], pred))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comp", required=True, help="competition slug")
    parser.add_argument("--models", help="comma-separated model names (default: those a plain train runs)")
    parser.add_argument("--source", help="folder with the competition's files (default: ../shared/kaggle/<slug>)")
    parser.add_argument("--splits", type=int, default=5, help="random hold-out splits")
    parser.add_argument("--holdout", type=float, default=0.3, help="share of train.csv held out")
    parser.add_argument("--folds", type=int, default=5, help="folds of each CV")
    parser.add_argument("--repeats", type=int, default=4, help="repeats of the CV over all of train.csv")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sklearn.model_selection import train_test_split

    from common.core.config import Paths
    from common.data.competition_data import load_competition_data
    from common.spec import load_competition
    from common.steps.download import download

    spec = load_competition(args.comp, tuned=False)
    names = spec.model_names(args.models) if args.models else spec.default_model_names()
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp))
        download(spec, paths, Path(args.source) if args.source else SHARED / args.comp)
        data = load_competition_data(spec, paths)
    X, y = data.X, data.y
    fit_rows = data.fit_rows if data.fit_rows is not None else np.ones(len(y), dtype=bool)
    rows = np.arange(len(y))
    sign = 1 if spec.metric.greater_is_better else -1
    print(f"{args.comp}: {args.splits} hold-out splits of {args.holdout:.0%}, {args.folds}-fold CV on the rest; "
          f"{spec.metric.name}, gap = CV - held-out ({'positive: CV flatters' if sign > 0 else 'negative: CV flatters'})")
    for name in names:
        model_spec = spec.model(name)
        started = time.perf_counter()
        pairs = []
        for s in range(args.splits):
            kept, held = train_test_split(rows, test_size=args.holdout, random_state=args.seed + s,
                                          stratify=None if spec.task == "regression" else y)
            cv = cv_score(model_spec, spec, X, y, fit_rows, kept, args.folds, args.seed + s)
            held_score = spec.metric(y[held], fit_predict(model_spec, spec.task, X, y, fit_rows, kept, held,
                                                          args.seed + s))
            pairs.append((cv, held_score))
        cv_mean, held_mean = np.mean(pairs, axis=0)
        repeated = [cv_score(model_spec, spec, X, y, fit_rows, rows, args.folds, args.seed + 100 + r)
                    for r in range(args.repeats)]
        print(f"  {name:20s} CV {cv_mean:.4f}  held-out {held_mean:.4f}  gap {cv_mean - held_mean:+.4f}  | "
              f"{args.repeats}x{args.folds}-fold CV on all rows {np.mean(repeated):.4f} "
              f"(repeats {min(repeated):.4f}-{max(repeated):.4f})  {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
