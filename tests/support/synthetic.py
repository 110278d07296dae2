"""Small synthetic competitions in Kaggle's layout, one per shape the kit must handle.

Each ``make_<shape>(folder, n_train, n_test, seed)`` writes train.csv, test.csv and
sample_submission.csv into ``folder`` (with a learnable signal, so CV scores mean something)
and returns the folder. ``SHAPES`` maps a name to its maker and what ``invoke new`` must infer.
"""

from pathlib import Path

import numpy as np
import pandas as pd


def _write(folder: Path, train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    sample.to_csv(folder / "sample_submission.csv", index=False)
    return folder


def _people(rng, n: int, start: int) -> pd.DataFrame:
    """String ids that carry a group ('0013_01'), categoricals, booleans with gaps, numbers, text."""
    return pd.DataFrame({
        "PassengerId": [f"{i // 2:04d}_{i % 2 + 1:02d}" for i in range(start, start + n)],
        "HomePlanet": rng.choice(["Earth", "Mars", "Europa", None], n),
        "CryoSleep": rng.choice([True, False, None], n, p=[0.4, 0.5, 0.1]),
        "Age": np.where(rng.random(n) < 0.05, np.nan, rng.integers(0, 80, n)).astype(float),
        "Spend": rng.exponential(100, n).round(2),
        "Name": [f"Person {i}" for i in range(start, start + n)],
    })


def make_binary_true_false(folder, n_train=400, n_test=150, seed=0) -> Path:
    """Binary labels spelled True/False, string ids (Spaceship Titanic's shape)."""
    rng = np.random.default_rng(seed)
    train, test = _people(rng, n_train, 0), _people(rng, n_test, n_train)
    signal = (train["CryoSleep"] == True) * 2.0 - train["Spend"] / 80 + (train["HomePlanet"] == "Europa")  # noqa: E712
    train["Transported"] = (signal + rng.normal(0, 0.7, n_train)) > 0
    sample = pd.DataFrame({"PassengerId": test["PassengerId"], "Transported": False})
    return _write(folder, train, test, sample)


def make_string_multiclass(folder, n_train=450, n_test=150, seed=1) -> Path:
    """Multiclass labels that are names, a free-text column, integer ids."""
    rng = np.random.default_rng(seed)
    words = {"cat": "meow purr whiskers", "dog": "bark fetch bone", "bird": "tweet wing nest"}

    def frame(n, start):
        kind = rng.choice(list(words), n)
        return pd.DataFrame({
            "id": np.arange(start, start + n),
            "weight": np.where(kind == "dog", 20, np.where(kind == "cat", 4, 0.3)) * rng.uniform(0.7, 1.3, n),
            "colour": rng.choice(["black", "white", "brown"], n),
            "note": [f"seen today {words[k].split()[rng.integers(3)]} near the {rng.choice(['park', 'house', 'tree'])}"
                     for k in kind],
        }), kind

    train, kind = frame(n_train, 0)
    train["species"] = kind
    test, _ = frame(n_test, 10_000)
    sample = pd.DataFrame({"id": test["id"], "species": "cat"})
    return _write(folder, train, test, sample)


def make_class_probabilities(folder, n_train=450, n_test=150, seed=2) -> Path:
    """One probability column per class, named '<target>_<class>' in an order other than sorted."""
    rng = np.random.default_rng(seed)

    def frame(n, start):
        x = rng.normal(size=(n, 4))
        return pd.DataFrame({"id": np.arange(start, start + n), **{f"f{j}": x[:, j] for j in range(4)}}), x

    train, x = frame(n_train, 0)
    train["Status"] = np.array(["C", "CL", "D"])[np.argmax(np.column_stack([x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]])
                                                          + rng.normal(0, 0.5, (n_train, 3)), axis=1)]
    test, _ = frame(n_test, n_train)
    sample = pd.DataFrame({"id": test["id"], "Status_D": 1 / 3, "Status_C": 1 / 3, "Status_CL": 1 / 3})
    return _write(folder, train, test, sample)


def make_regression_with_dates(folder, n_train=400, n_test=150, seed=3) -> Path:
    """A skewed non-negative target, a datetime column, timestamp ids, and train-only columns that
    leak the target (its parts), which must never become features."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2021-01-01", periods=n_train + n_test, freq="6h")

    def frame(rows):
        n = len(rows)
        return pd.DataFrame({
            "timestamp": stamps[rows].strftime("%Y-%m-%d %H:%M:%S"),
            "store": rng.choice(["north", "south", "east"], n),
            "temperature": rng.normal(15, 8, n).round(1),
            "opened": stamps[rows].strftime("%Y-%m-%d"),
        })

    train, test = frame(np.arange(n_train)), frame(np.arange(n_train, n_train + n_test))
    hour = stamps[:n_train].hour
    base = np.exp(2 + 0.8 * (train["store"] == "north") + 0.05 * train["temperature"] + 0.3 * (hour >= 12))
    train["sales"] = (base * rng.lognormal(0, 0.2, n_train)).round(2)
    train["sales_online"] = (train["sales"] * 0.3).round(2)  # train-only: a part of the target
    train["sales_store"] = train["sales"] - train["sales_online"]
    sample = pd.DataFrame({"timestamp": test["timestamp"], "sales": 0.0})
    return _write(folder, train, test, sample)


def make_three_targets(folder, n_train=400, n_test=150, seed=4) -> Path:
    """Three non-negative skewed targets (mean column-wise RMSLE competitions' shape)."""
    rng = np.random.default_rng(seed)

    def frame(n, start):
        x = rng.normal(size=(n, 5))
        return pd.DataFrame({"row_id": np.arange(start, start + n), **{f"x{j}": x[:, j] for j in range(5)}}), x

    train, x = frame(n_train, 0)
    for k, target in enumerate(("carbon", "benzene", "nitrogen")):
        train[target] = np.exp(1 + 0.6 * x[:, k] + 0.3 * x[:, 4] + rng.normal(0, 0.2, n_train)).round(3)
    test, _ = frame(n_test, n_train)
    sample = pd.DataFrame({"row_id": test["row_id"], "carbon": 2.0, "benzene": 10.0, "nitrogen": 5.0})
    return _write(folder, train, test, sample)


# name -> (maker, what `invoke new` must infer: targets, task, submission kind, metric)
def make_top3_labels(folder, n_train=500, n_test=150, seed=5) -> Path:
    """Eight diagnoses from symptom flags; the sample writes three labels per row joined by spaces (MAP@3)."""
    rng = np.random.default_rng(seed)
    names = ["Lyme_disease", "Malaria", "Dengue", "Zika", "Plague", "Typhoid", "Yellow_Fever", "Chikungunya"]

    def frame(n, start):
        label = rng.integers(0, len(names), n)
        flags = {f"symptom_{j}": ((label == j) | (label == (j + 1) % 8) | (rng.random(n) < 0.15)).astype(float)
                 for j in range(8)}
        return pd.DataFrame({"id": np.arange(start, start + n), **flags}), np.array(names)[label]

    train, label = frame(n_train, 0)
    train["prognosis"] = label
    test, _ = frame(n_test, n_train)
    sample = pd.DataFrame({"id": test["id"], "prognosis": "Lyme_disease Malaria Dengue"})
    return _write(folder, train, test, sample)


SHAPES = {
    "binary-true-false": (make_binary_true_false, (("Transported",), "binary", "labels", "accuracy")),
    "string-multiclass": (make_string_multiclass, (("species",), "multiclass", "labels", "accuracy")),
    "class-probabilities": (make_class_probabilities, (("Status",), "multiclass", "probabilities", "logloss")),
    "regression-dates": (make_regression_with_dates, (("sales",), "regression", "values", "rmsle")),
    "three-targets": (make_three_targets, (("carbon", "benzene", "nitrogen"), "regression", "values", "rmsle")),
    "top-3-labels": (make_top3_labels, (("prognosis",), "multiclass", "top_labels", "map@3")),
}
