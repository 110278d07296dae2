"""Practice data for Digit Recognizer, built offline from scikit-learn's 8x8 digits.

Kaggle's layout exactly: ``train.csv`` (label, pixel0..pixelN), ``test.csv`` (pixel0..pixelN, no
id) and ``sample_submission.csv`` (ImageId, Label) where ImageId is the test row number, counted
from 1 (the spec's ``row_number_ids`` gives the engine that id), so the real Kaggle files install
the same way with ``--source``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

ID, TARGET, LABEL = "ImageId", "label", "Label"
SEED = 0
TEST_FRACTION = 0.2


def pixel_columns(n_pixels: int) -> list[str]:
    return [f"pixel{i}" for i in range(n_pixels)]


def build_practice(raw_dir: Path, answers_dir: Path) -> None:
    """Write train/test/sample submission (kit layout) to raw_dir and the answer key to answers_dir."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    pixels = pd.DataFrame(digits.data.astype(int), columns=pixel_columns(digits.data.shape[1]))
    labels = pd.Series(digits.target.astype(int), name=TARGET)
    rows_train, rows_test = train_test_split(np.arange(len(labels)), test_size=TEST_FRACTION,
                                             stratify=labels, random_state=SEED)
    pd.concat([labels, pixels], axis=1).iloc[rows_train].to_csv(Path(raw_dir) / "train.csv", index=False)
    pixels.iloc[rows_test].to_csv(Path(raw_dir) / "test.csv", index=False)
    image_ids = np.arange(1, len(rows_test) + 1)
    pd.DataFrame({ID: image_ids, LABEL: 0}).to_csv(Path(raw_dir) / "sample_submission.csv", index=False)
    answers = pd.DataFrame({ID: image_ids, LABEL: labels.iloc[rows_test].to_numpy()})
    answers.to_csv(Path(answers_dir) / "answers.csv", index=False)
