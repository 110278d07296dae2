"""Synthetic binary table for scale checks: 50 feature columns (30 decimals, 10 counts and 10
labels), a target from a known logistic model plus noise. ``write_table`` makes any number of
rows (benchmarks/scale.py installs a million with ``--source``); ``build_practice`` the default.
"""

from pathlib import Path

import numpy as np
import pandas as pd

ID, TARGET = "id", "target"
N_DECIMAL, N_COUNT, N_LABEL = 30, 10, 10
DEFAULT_ROWS = 20_000


def make_rows(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    decimals = np.round(rng.normal(size=(n_rows, N_DECIMAL)), 4)
    counts = rng.poisson(lam=np.linspace(1, 40, N_COUNT), size=(n_rows, N_COUNT))
    levels = [5 + 5 * i for i in range(N_LABEL)]
    codes = np.column_stack([rng.integers(0, k, size=n_rows) for k in levels])
    # the first columns of each kind matter; label effects are fixed per level
    effects = [np.random.default_rng(seed + 1 + i).normal(scale=0.5, size=k) for i, k in enumerate(levels)]
    logit = (decimals[:, :8] @ np.linspace(1.0, 0.2, 8) + 0.05 * (counts[:, 0] - 1)
             + sum(effects[i][codes[:, i]] for i in range(3)) + rng.normal(scale=1.0, size=n_rows))
    frame = pd.DataFrame(decimals, columns=[f"num{i}" for i in range(N_DECIMAL)])
    for i in range(N_COUNT):
        frame[f"count{i}"] = counts[:, i]
    for i in range(N_LABEL):
        frame[f"label{i}"] = np.char.add(f"L{i}_", codes[:, i].astype(str))
    frame.insert(0, ID, np.arange(n_rows))
    frame[TARGET] = (logit > 0).astype(int)
    return frame


def write_table(raw_dir: Path, answers_dir: Path | None, n_rows: int, seed: int = 0) -> None:
    """train.csv (n_rows), test.csv (n_rows / 5), sample_submission.csv and the answer key."""
    frame = make_rows(n_rows + n_rows // 5, seed)
    train, test = frame.iloc[:n_rows], frame.iloc[n_rows:]
    raw_dir = Path(raw_dir)
    train.to_csv(raw_dir / "train.csv", index=False)
    test.drop(columns=[TARGET]).to_csv(raw_dir / "test.csv", index=False)
    pd.DataFrame({ID: test[ID], TARGET: 0.5}).to_csv(raw_dir / "sample_submission.csv", index=False)
    if answers_dir is not None:
        test[[ID, TARGET]].to_csv(Path(answers_dir) / "answers.csv", index=False)


def build_practice(raw_dir: Path, answers_dir: Path) -> None:
    write_table(raw_dir, answers_dir, DEFAULT_ROWS)
