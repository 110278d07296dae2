"""Digit Recognizer features: the pixels themselves, in their file order (pixel0..pixelN).

Nothing is learned here; scaling lives inside each model (refitted per fold).
"""

import pandas as pd

from common.core import DataError


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    pixels = [c for c in test.columns if c.startswith("pixel")]
    if not pixels or [c for c in train.columns if c.startswith("pixel")] != pixels:
        raise DataError("train and test must hold the same pixel0..pixelN columns, in the same order")
    return train[pixels], test[pixels]


def image_side(n_pixels: int) -> int:
    """Side of a square image with ``n_pixels`` pixels (8 for sklearn's digits, 28 for Kaggle's)."""
    side = int(round(n_pixels ** 0.5))
    if side * side != n_pixels:
        raise DataError(f"{n_pixels} pixel columns do not make a square image")
    return side

