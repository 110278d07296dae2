"""The kit's CV loop against a bare LightGBM loop on a synthetic table of N rows x 50 columns.

    python benchmarks/scale.py --rows 1000000

Builds the scale-benchmark practice competition with N train rows (30 decimal, 10 count and 10
label columns; competitions/scale-benchmark) in a scratch root, then, each in its own process:

- kit: ``invoke train --comp=scale-benchmark`` twice; the second is measured (its columnar
  cache and folds are there, as on any rerun);
- bare: ``pandas.read_csv`` of the same files, labels as categories (the same features), the
  kit's folds and the model's parameters, LightGBM fitted fold by fold with every core.

``--repeats R`` runs each measured side R times, taking turns (kit, bare, kit, bare, ...), and
keeps each side's fastest time and smallest peak: on two cores a side's runs vary by +-5%, as
much as the gap being measured, so one run of each decides nothing.
``--phases`` runs both sides in one process instead, one after the other, and splits each one's
time into LightGBM's fits, its predictions and the rest: where the time goes, without the spread
between processes. ``--kit-only`` skips the bare side (for sizes where only the kit's memory is in question, e.g.
10 million rows within 24 GB: ``--rows 10000000 --kit-only --repeats 0`` measures the first,
cold train alone).

Wall time and peak memory (max RSS) are per process; both sides run with
OMP_WAIT_POLICY=PASSIVE (a fair setting on a machine shared with other work). The last line is
``rows=N kit_s=... bare_s=... time_ratio=... kit_rss_mb=... bare_rss_mb=... rss_ratio=...``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLUG = "scale-benchmark"


def measured(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a process; its wall seconds, its own peak RSS in MB, and its output."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out:
        # idle OpenMP threads sleep instead of spinning: on a machine shared with other work,
        # spinning threads slow LightGBM down tenfold (both sides alike)
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", **(env or {})}
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def best_of(repeats: int, sides: dict) -> dict:
    """Each side's fastest time and smallest peak over ``repeats`` rounds; ``sides``: label ->
    (args, env). The sides take turns within a round, so a slow spell of the machine falls on
    both rather than on whichever ran then."""
    runs = {label: [] for label in sides}
    for _ in range(repeats):
        for label, (args, env) in sides.items():
            seconds, rss, text = measured(args, env)
            last = text.strip().splitlines()[-1] if text.strip() else ""
            print(f"{label}: {seconds:.1f} s, peak {rss:.0f} MB" + (f" ({last})" if "AUC" in last else ""), flush=True)
            runs[label].append((seconds, rss))
    return {label: (min(s for s, _ in r), min(m for _, m in r)) for label, r in runs.items()}


def bare(root: str, params: dict) -> None:
    """The bare side, in its own process: pandas, the kit's folds, LightGBM; prints the OOF AUC."""
    import numpy as np
    import pandas as pd
    from lightgbm import LGBMClassifier
    from sklearn.metrics import roc_auc_score

    raw = Path(root) / "data" / SLUG / "raw"
    train, test = pd.read_csv(raw / "train.csv"), pd.read_csv(raw / "test.csv")
    folds = pd.read_csv(Path(root) / "data" / SLUG / "folds.csv")
    fold = train[["id"]].merge(folds, on="id", how="left")["fold"].to_numpy()
    y = train.pop("target").to_numpy()
    X, X_test = train.drop(columns=["id"]), test.drop(columns=["id"])
    for name in [c for c in X.columns if c.startswith("label")]:
        X[name], X_test[name] = X[name].astype("category"), X_test[name].astype("category")
    oof, test_pred = np.zeros(len(X)), np.zeros(len(X_test))
    for k in range(int(fold.max()) + 1):
        model = LGBMClassifier(**params, verbose=-1, n_jobs=len(os.sched_getaffinity(0)))
        model.fit(X[fold != k], y[fold != k])
        oof[fold == k] = model.predict_proba(X[fold == k])[:, 1]
        test_pred += model.predict_proba(X_test)[:, 1] / (fold.max() + 1)
    np.save(Path(root) / "bare_oof.npy", oof)
    print(f"bare OOF AUC {roc_auc_score(y, oof):.5f}")


def phases(root: str, params: dict) -> None:
    """Both sides in this one process, one after the other, with every LightGBM fit and predict
    timed: where each side's time goes, free of the spread between processes."""
    from collections import Counter
    from functools import wraps

    from lightgbm import LGBMClassifier

    sys.path.insert(0, str(ROOT))
    from common.core.config import DEFAULT_SEED, Paths
    from common.spec import load_competition
    from common.steps.workflow import train

    spent = Counter()

    def timed(phase, method):
        @wraps(method)
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - started
        return run

    LGBMClassifier.fit = timed("fits", LGBMClassifier.fit)
    LGBMClassifier.predict_proba = timed("predictions", LGBMClassifier.predict_proba)
    paths = Paths(Path(root))
    sides = {"kit": lambda: train(load_competition(SLUG, paths=paths), paths, seed=DEFAULT_SEED),
             "bare loop": lambda: bare(root, params)}
    for label, side in sides.items():
        spent.clear()
        started = time.perf_counter()
        side()
        total = time.perf_counter() - started
        print(f"in one process, {label}: {total:.1f} s = fits {spent['fits']:.1f} + predictions "
              f"{spent['predictions']:.1f} + the rest {total - spent['fits'] - spent['predictions']:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="train rows (test: rows / 5)")
    parser.add_argument("--repeats", type=int, default=1, help="measured runs of each side; the best is kept")
    parser.add_argument("--kit-only", action="store_true", help="skip the bare LightGBM loop")
    parser.add_argument("--phases", action="store_true",
                        help="instead: both sides in one process, LightGBM's fits and predictions timed")
    parser.add_argument("--write", help=argparse.SUPPRESS)  # internal: write the table's files to WRITE
    parser.add_argument("--bare", help=argparse.SUPPRESS)  # internal: run the bare side in ROOT
    parser.add_argument("--params", help=argparse.SUPPRESS)  # internal: the model's parameters (JSON)
    parser.add_argument("--in-process", help=argparse.SUPPRESS)  # internal: --phases in ROOT
    args = parser.parse_args()
    if args.bare:
        return bare(args.bare, json.loads(args.params))
    if args.in_process:
        return phases(args.in_process, json.loads(args.params))
    sys.path.insert(0, str(ROOT))
    import importlib

    import numpy as np

    from common.core.config import DEFAULT_SEED

    if args.write:  # in a process of its own: building the table takes GBs that would stay with it
        return importlib.import_module(f"competitions.{SLUG}.practice").write_table(Path(args.write), None, args.rows)
    spec = importlib.import_module(f"competitions.{SLUG}.spec")
    with tempfile.TemporaryDirectory() as tmp:
        root, source = Path(tmp) / "root", Path(tmp) / "source"
        source.mkdir()
        started = time.perf_counter()
        measured([sys.executable, __file__, "--write", str(source), "--rows", str(args.rows)])
        print(f"wrote {args.rows:,} rows x 50 columns in {time.perf_counter() - started:.0f} s", flush=True)
        env = {"INVOKE_KIT_ROOT": str(root)}
        invoke = [sys.executable, "-m", "invoke"]
        measured([*invoke, "download", f"--comp={SLUG}", f"--source={source}"], env)
        first, first_rss, _ = measured([*invoke, "train", f"--comp={SLUG}"], env)
        print(f"kit, first train (parses the CSV, makes folds): {first:.1f} s, peak {first_rss:.0f} MB", flush=True)
        if args.repeats < 1:
            print(f"rows={args.rows} kit_first_s={first:.1f} kit_first_rss_mb={first_rss:.0f}")
            return
        kit_model = spec.SPEC.model("lightgbm").make().get_params()
        params = {k: kit_model[k] for k in ("n_estimators", "learning_rate", "num_leaves", "min_child_samples")}
        # the seed the kit's train gives the model: over 200,000 rows LightGBM draws the rows it
        # bins the features from with it, so another seed gives other bins and another OOF
        params["random_state"] = DEFAULT_SEED
        if args.phases:
            _, _, text = measured([sys.executable, __file__, "--in-process", str(root), "--params", json.dumps(params)])
            print("\n".join(line for line in text.splitlines() if line.startswith("in one process")))
            return
        sides = {"kit, warm train": ([*invoke, "train", f"--comp={SLUG}"], env)}
        if not args.kit_only:
            sides["bare loop"] = ([sys.executable, __file__, "--bare", str(root), "--params", json.dumps(params)], None)
        best = best_of(args.repeats, sides)
        kit_s, kit_rss = best["kit, warm train"]
        if args.kit_only:
            print(f"rows={args.rows} kit_s={kit_s:.1f} kit_rss_mb={kit_rss:.0f}")
            return
        bare_s, bare_rss = best["bare loop"]
        kit_oof = np.load(root / "artifacts" / SLUG / "lightgbm" / "oof.npy")
        same = np.array_equal(kit_oof, np.load(root / "bare_oof.npy"))
        print(f"kit OOF identical to the bare loop's: {'yes' if same else 'no'}")
    print(f"rows={args.rows} kit_s={kit_s:.1f} bare_s={bare_s:.1f} time_ratio={kit_s / bare_s:.2f} "
          f"kit_rss_mb={kit_rss:.0f} bare_rss_mb={bare_rss:.0f} rss_ratio={kit_rss / bare_rss:.2f}")


if __name__ == "__main__":
    main()
