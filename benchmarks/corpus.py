"""The kit on Kaggle's own files, zero edits: a practice competition per corpus competition,
`kit new` + `kit run` as a user runs them, scored on rows the kit never saw.

For each competition of ``../shared/kaggle/`` (Kaggle's original files), a seeded random 20% of
train.csv becomes the test set (its answers kept here; Kaggle's sample-submission format kept),
then ``new --metric=M`` (the metric of its Evaluation page: the one flag a user reads off Kaggle)
and ``run``, each a fresh process. Scored on the same hidden rows with the kit's metric: a
constant, LightGBM defaults on the raw columns, each of the kit's models alone, the kit's chosen
ensemble and (``--autogluon-python``) AutoGluon best_quality given the kit's wall time. One table:
score, wall time and peak memory of ``run``, and the count of third-party warning lines
printed, per competition.

    python benchmarks/corpus.py [--comps titanic,playground-series-s3e5] [--autogluon-python PY]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.new_competition import autogluon, bare_lightgbm, hide_rows, learnt_target  # noqa: E402
from common.core.config import Paths  # noqa: E402
from common.data.competition_data import load_competition_data  # noqa: E402
from common.engine.artifacts import ENSEMBLE_DIR, load_run, trained_models  # noqa: E402
from common.spec import load_competition  # noqa: E402
from common.steps.workflow import check_submission_file  # noqa: E402

CORPUS = ROOT.parent / "shared" / "kaggle"
# the metric each competition's Evaluation page names, as `kit new --metric` spells it
METRICS = {"titanic": "accuracy", "house-prices-advanced-regression-techniques": "rmsle",
           "nlp-getting-started": "f1", "playground-series-s3e5": "qwk", "playground-series-s3e14": "mae",
           "playground-series-s3e18": "auc", "playground-series-s3e26": "logloss"}


def kit(args, root: Path) -> tuple[float, float, str]:
    """Run ``kit --root=ROOT ARGS`` in a fresh process: seconds, peak memory (MB) and its output."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "common.cli", f"--root={root}", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output if proc.returncode == 0 else \
        f"FAILED ({proc.returncode}): " + output[-1500:]


def constant(spec, data) -> np.ndarray:
    """What a constant predicts in the models' space, for the rows of the hidden set."""
    y = data.y
    if spec.task == "regression":
        return np.median(y, axis=0) if spec.metric_name == "mae" else y.mean(axis=0)
    if y.ndim == 2:  # several binary targets: each one's rate
        return y.mean(axis=0)
    prior = np.bincount(y, minlength=len(data.classes)) / len(y)
    return prior[1] if spec.task == "binary" else prior


def score_competition(slug: str, work: Path, autogluon_python: str | None) -> dict:
    source, answers = hide_rows(CORPUS / slug, work / "kaggle", n_hidden=None)
    root, comp = work / "project", f"{slug[:40]}-practice"
    new_s, _, new_out = kit(["new", f"--comp={comp}", f"--source={source}", f"--metric={METRICS[slug]}"], root)
    if new_out.startswith("FAILED"):
        return {"competition": slug, "error": "new " + new_out}
    run_s, run_mb, run_out = kit(["run", f"--comp={comp}"], root)
    paths = Paths(root)
    spec = load_competition(comp, paths=paths)
    row = {"competition": slug, "metric": spec.metric_name, "run_s": run_s, "peak_mb": run_mb,
           "warnings": sum("Warning" in line for line in (new_out + run_out).splitlines())}
    submissions = sorted(paths.competition_submissions(comp).glob("*.csv"))
    if not submissions:
        return {**row, "error": "run " + run_out}
    check_submission_file(spec, paths, submissions[-1])
    data = load_competition_data(spec, paths)
    y_hidden = learnt_target(spec, data, answers)
    n = len(y_hidden)
    row["constant"] = spec.metric(y_hidden, np.repeat(np.atleast_1d(constant(spec, data))[None], n, axis=0).squeeze())
    row["lightgbm_defaults"] = bare_lightgbm(spec, paths, y_hidden)[1]
    for model in [m for m in trained_models(paths, comp) if m != ENSEMBLE_DIR]:
        row[model] = spec.metric(y_hidden, load_run(paths, comp, model).test)
    row["ensemble"] = spec.metric(y_hidden, np.load(paths.competition_artifacts(comp) / ENSEMBLE_DIR / "test.npy"))
    if autogluon_python:
        row["autogluon"] = autogluon(spec, paths, y_hidden, autogluon_python, int(run_s), work)
    return row


def table(rows: list[dict]) -> str:
    columns = ["competition", "metric", "constant", "lightgbm_defaults", "lightgbm", "linear", "extra_trees",
               "keras_mlp", "ensemble", "autogluon", "run_s", "peak_mb", "warnings"]
    columns += sorted({k for r in rows for k in r} - set(columns) - {"error"})
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['competition']} | {r['error'][-300:]!r} |")
            continue
        cells = [f"{r[c]:.4f}" if isinstance(r.get(c), float) and c not in ("run_s", "peak_mb")
                 else f"{r[c]:.0f}" if c in ("run_s", "peak_mb") and c in r else str(r.get(c, "")) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comps", default=",".join(METRICS), help="comma-separated, from: " + ", ".join(METRICS))
    parser.add_argument("--autogluon-python", help="a Python with autogluon.tabular: best_quality, the kit's wall time")
    args = parser.parse_args()
    rows = []
    for slug in args.comps.split(","):
        if slug not in METRICS:
            raise SystemExit(f"unknown corpus competition {slug!r}; choose from {', '.join(METRICS)}")
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(score_competition(slug, Path(tmp), args.autogluon_python))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
