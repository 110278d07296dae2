"""Benchmark the kit's default pipeline (download + train all models + ensemble) per competition.

    python benchmarks/pipeline.py                       # titanic, house prices and disaster tweets
    python benchmarks/pipeline.py --comp titanic --runs 2
    python benchmarks/pipeline.py --jobs 2                 # or --executor ray (a local Ray)

Each run uses a fresh scratch root (nothing in data/ or artifacts/ is reused) and calls the
real CLI, so the wall time includes Python and TensorFlow start-up. Prints wall seconds, peak
memory (max RSS of the child processes), the ensemble's CV score and the best single model's,
and whether two runs produced byte-identical submissions. Where ``autogluon.tabular`` is
installed, the same data also goes through AutoGluon best_quality (see --autogluon-seconds).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "kaggle"


def invoke(args, root: Path, cold_cache: bool = False) -> None:
    # the project's embedding cache (or KIT_CACHE's), as a user's runs would have it (only a
    # first-ever run encodes); cold: the scratch root's own, empty one
    cache = root / "cache" if cold_cache else Path(os.environ.get("KIT_CACHE", ROOT / "cache"))
    env = {**os.environ, "INVOKE_KIT_ROOT": str(root), "KIT_CACHE": str(cache)}
    result = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"invoke {' '.join(args)} failed:\n{result.stderr[-2000:]}")


def run_pipeline(comp: str, train_flags=(), cold_cache: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = SHARED / comp
        started = time.perf_counter()
        invoke(["download", f"--comp={comp}", *([f"--source={source}"] if source.is_dir() else [])], root, cold_cache)
        invoke(["train", f"--comp={comp}", *train_flags], root, cold_cache)
        invoke(["ensemble", f"--comp={comp}"], root, cold_cache)
        seconds = time.perf_counter() - started
        [csv] = (root / "submissions" / comp).glob("*.csv")
        sidecar = json.loads(csv.with_suffix(".json").read_text())
        return {"seconds": seconds, "ensemble": sidecar["name"], "cv": sidecar["cv_score"],
                "singles": sidecar["model_cv_scores"], "bytes": csv.read_bytes(), "metric": sidecar["metric"]}


AUTOGLUON_SCRIPT = """
import sys, time, pandas as pd
from autogluon.tabular import TabularPredictor
csv, label, problem, metric, seconds, folder = sys.argv[1:]
started = time.perf_counter()
predictor = TabularPredictor(label=label, problem_type=problem, eval_metric=metric, path=folder, verbosity=0)
predictor.fit(pd.read_csv(csv), presets="best_quality", time_limit=int(seconds))
best = predictor.leaderboard(silent=True).iloc[0]
print(f"{best['model']} {abs(best['score_val']):.5f} {time.perf_counter() - started:.0f}")
"""


def run_autogluon(comp: str, seconds: int, python: str) -> None:
    """AutoGluon best_quality on the same rows and target, in its own interpreter (its pins
    differ from the kit's); prints its out-of-fold validation score beside the kit's CV."""
    check = subprocess.run([python, "-c", "import autogluon.tabular"], capture_output=True)
    if check.returncode != 0:
        print(f"  autogluon.tabular is not installed for {python}: no AutoGluon comparison "
              f"(give a Python that has it with --autogluon-python)")
        return
    from common.core.config import Paths
    from common.data.competition_data import read_raw
    from common.spec import load_competition

    spec = load_competition(comp)
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp))
        invoke(["download", f"--comp={comp}", f"--source={SHARED / comp}"], paths.root)
        train, _, _ = read_raw(spec, paths)
        if spec.exclude_from_fit is not None:  # AutoGluon fits on what the kit's models fit on
            train = train.loc[~spec.exclude_from_fit(train)]
        train = train.drop(columns=[spec.id_column]).assign(**{spec.target: spec.transform_target(train[spec.target])})
        csv = Path(tmp) / "train.csv"
        train.to_csv(csv, index=False)
        metric = {"rmse": "root_mean_squared_error"}.get(spec.metric_name, spec.metric_name)
        result = subprocess.run([python, "-c", AUTOGLUON_SCRIPT, str(csv), spec.target, spec.task, metric,
                                 str(seconds), str(Path(tmp) / "ag")], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"  AutoGluon failed: {result.stderr[-1500:]}")
            return
        model, score, took = result.stdout.split()[-3:]
        print(f"  AutoGluon best_quality ({seconds} s budget): {model} out-of-fold {spec.metric_name} {score} "
              f"in {took} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comp", action="append", help="competition slug (repeatable)")
    parser.add_argument("--runs", type=int, default=2, help="runs per competition (2 checks determinism)")
    parser.add_argument("--cold-cache", action="store_true",
                        help="an empty sentence-embedding cache for every run (Disaster Tweets then encodes its tweets)")
    parser.add_argument("--autogluon-seconds", type=int, default=300)
    parser.add_argument("--autogluon-python", default=sys.executable,
                        help="a Python with autogluon.tabular installed (default: this one)")
    parser.add_argument("--jobs", type=int, default=1, help="invoke train --jobs (fits at once)")
    parser.add_argument("--executor", default="local", help="invoke train --executor (local or ray)")
    args = parser.parse_args()
    train_flags = [f"--jobs={args.jobs}", f"--executor={args.executor}"]
    sys.path.insert(0, str(ROOT))
    from common.core.metrics import get_metric

    for comp in args.comp or ["titanic", "house-prices-advanced-regression-techniques", "nlp-getting-started"]:
        print(f"{comp}:")
        runs = []
        for i in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            result = run_pipeline(comp, train_flags, args.cold_cache)
            peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
            sign = 1 if get_metric(result["metric"]).greater_is_better else -1
            best = max(result["singles"].items(), key=lambda kv: sign * kv[1])
            print(f"  run {i + 1}: {result['seconds']:.1f} s wall, peak memory {peak_mb:.0f} MB, "
                  f"{result['ensemble']} CV {result['metric']} {result['cv']:.5f} "
                  f"(best single: {best[0]} {best[1]:.5f})")
            runs.append(result)
        if len(runs) > 1:
            same = all(r["bytes"] == runs[0]["bytes"] for r in runs)
            print(f"  same seed, byte-identical submissions: {'yes' if same else 'NO'}")
        run_autogluon(comp, args.autogluon_seconds, args.autogluon_python)


if __name__ == "__main__":
    main()
