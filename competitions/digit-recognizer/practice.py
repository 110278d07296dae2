"""Practice data for Digit Recognizer, built offline from scikit-learn's 8x8 digits.

Kaggle's files: ``train.csv`` (label, pixel0..pixelN), ``test.csv`` (pixel0..pixelN, no id) and
``sample_submission.csv`` (ImageId, Label) where ImageId is the test row number, counted from 1.
The engine needs an id column in train and test, so the kit's layout adds ``ImageId`` (row number
from 1) as the first column of both files; everything else is Kaggle's layout. ``kaggle_layout``
turns the real Kaggle files into this layout.
"""

from pathlib import Path

import numpy as np
import pandas as pd

ID, TARGET, LABEL = "ImageId", "label", "Label"
SEED = 0
TEST_FRACTION = 0.2


def pixel_columns(n_pixels: int) -> list[str]:
    return [f"pixel{i}" for i in range(n_pixels)]


def with_image_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Kaggle's ImageId: the row number, counted from 1, as the first column."""
    if ID in frame.columns:
        raise ValueError(f"the frame already has an {ID} column")
    return pd.concat([pd.DataFrame({ID: np.arange(1, len(frame) + 1)}, index=frame.index), frame], axis=1)


def build_practice(raw_dir: Path, answers_dir: Path) -> None:
    """Write train/test/sample submission (kit layout) to raw_dir and the answer key to answers_dir."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    pixels = pd.DataFrame(digits.data.astype(int), columns=pixel_columns(digits.data.shape[1]))
    labels = pd.Series(digits.target.astype(int), name=TARGET)
    rows_train, rows_test = train_test_split(np.arange(len(labels)), test_size=TEST_FRACTION,
                                             stratify=labels, random_state=SEED)
    train = with_image_ids(pd.concat([labels, pixels], axis=1).iloc[rows_train].reset_index(drop=True))
    test = with_image_ids(pixels.iloc[rows_test].reset_index(drop=True))
    train.to_csv(Path(raw_dir) / "train.csv", index=False)
    test.to_csv(Path(raw_dir) / "test.csv", index=False)
    pd.DataFrame({ID: test[ID], LABEL: 0}).to_csv(Path(raw_dir) / "sample_submission.csv", index=False)
    answers = pd.DataFrame({ID: test[ID], LABEL: labels.iloc[rows_test].to_numpy()})
    answers.to_csv(Path(answers_dir) / "answers.csv", index=False)
