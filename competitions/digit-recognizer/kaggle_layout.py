"""Turn Kaggle's Digit Recognizer files into the kit's layout: add ``ImageId`` to train and test.

Kaggle's test.csv has no id column; its sample submission numbers the test rows 1..n in file
order, so the row number is the id. Usage (then install the folder as the raw data):

    python -m competitions.digit-recognizer.kaggle_layout ../shared/kaggle/digit-recognizer /tmp/digits
    invoke download --comp=digit-recognizer --source=/tmp/digits
"""

import shutil
import sys
from pathlib import Path

import pandas as pd

from .practice import ID, with_image_ids


def convert(kaggle_dir: Path, dest: Path) -> Path:
    """Copy train.csv, test.csv (each with ImageId added) and sample_submission.csv into ``dest``."""
    kaggle_dir, dest = Path(kaggle_dir), Path(dest)
    for name in ("train.csv", "test.csv", "sample_submission.csv"):
        if not (kaggle_dir / name).is_file():
            raise FileNotFoundError(f"{kaggle_dir} has no {name}; give the folder of Kaggle's digit-recognizer files")
    dest.mkdir(parents=True, exist_ok=True)
    test = with_image_ids(pd.read_csv(kaggle_dir / "test.csv"))
    sample = pd.read_csv(kaggle_dir / "sample_submission.csv")
    if not sample[ID].equals(test[ID]):
        raise ValueError(f"the sample submission's {ID} is not the test row number 1..{len(test)}")
    with_image_ids(pd.read_csv(kaggle_dir / "train.csv")).to_csv(dest / "train.csv", index=False)
    test.to_csv(dest / "test.csv", index=False)
    shutil.copy2(kaggle_dir / "sample_submission.csv", dest / "sample_submission.csv")
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m competitions.digit-recognizer.kaggle_layout KAGGLE_DIR DEST_DIR")
    try:
        print(f"kit layout written to {convert(Path(sys.argv[1]), Path(sys.argv[2]))}")
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(f"error: {exc}")
