"""Titanic features.

``make_features`` does row-wise work only (parse titles, count family, read the deck), plus
label-free counts over the passenger list (how many people share a ticket): the manifest is an
input known before any prediction, and no target is read. Everything that learns from rows
and targets (age by title, group survival rates) is a transformer below, fitted inside each fold.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

TITLES = {"Mr": "Mr", "Mrs": "Mrs", "Miss": "Miss", "Master": "Master", "Mlle": "Miss", "Ms": "Miss",
          "Mme": "Mrs", "Lady": "Mrs", "Countess": "Mrs", "the Countess": "Mrs", "Dona": "Mrs",
          "Sir": "Mr", "Don": "Mr", "Jonkheer": "Mr", "Dr": "Officer", "Rev": "Officer", "Col": "Officer",
          "Major": "Officer", "Capt": "Officer"}

NUMERIC = ["Pclass", "Age", "SibSp", "Parch", "Fare", "FamilySize", "IsAlone", "TicketGroupSize",
           "FarePerPerson", "CabinKnown", "IsFemale", "GroupSurvival", "GroupKnown"]
CATEGORICAL = ["Embarked", "Title", "Deck"]


def _title(name: str) -> str:
    raw = name.split(",", 1)[-1].split(".", 1)[0].strip()
    return TITLES.get(raw, "Rare")


def _manifest_features(frame: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    out["Title"] = frame["Name"].map(_title)
    out["Surname"] = frame["Name"].str.split(",").str[0].str.strip()
    out["IsFemale"] = (frame["Sex"] == "female").astype(int)
    out["FamilySize"] = frame["SibSp"] + frame["Parch"] + 1
    out["IsAlone"] = (out["FamilySize"] == 1).astype(int)
    out["Deck"] = frame["Cabin"].str[0].fillna("U").replace({"T": "U"})
    out["CabinKnown"] = frame["Cabin"].notna().astype(int)
    out["TicketGroupSize"] = frame["Ticket"].map(manifest["Ticket"].value_counts())
    out["FarePerPerson"] = frame["Fare"] / out["TicketGroupSize"]
    # passengers travelling together: same surname and fare, or same ticket
    out["FamilyKey"] = out["Surname"] + "-" + frame["Pclass"].astype(str) + "-" + frame["Fare"].round(2).astype(str)
    keep = ["Pclass", "Age", "SibSp", "Parch", "Fare", "Embarked", "Ticket"]
    return pd.concat([frame[keep], out], axis=1)


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    manifest = pd.concat([train, test], ignore_index=True)
    return _manifest_features(train, manifest), _manifest_features(test, manifest)


class AgeByTitleImputer(BaseEstimator, TransformerMixin):
    """Fill missing ages with the median age of the passenger's title, learned in ``fit``."""

    def fit(self, X, y=None):
        self.medians_ = X.groupby("Title")["Age"].median()
        self.overall_ = X["Age"].median()
        return self

    def transform(self, X):
        X = X.copy()
        fill = X["Title"].map(self.medians_).fillna(self.overall_)
        X["Age"] = X["Age"].fillna(fill).astype(float)
        return X


class GroupSurvivalEncoder(BaseEstimator, TransformerMixin):
    """Survival rate of the *other* members of a passenger's travel groups.

    Learned from the training rows in ``fit``; training rows get a leave-one-out rate so a
    passenger never sees their own label. Rows with no known group member get ``prior`` and
    ``GroupKnown = 0``. The groups are the ticket and the surname-class-fare family key.
    """

    def __init__(self, keys=("Ticket", "FamilyKey"), prior=0.5):
        self.keys = keys
        self.prior = prior

    def fit(self, X, y):
        y = pd.Series(np.asarray(y, dtype=float), index=X.index)
        self.stats_ = {key: y.groupby(X[key]).agg(["sum", "count"]) for key in self.keys}
        return self

    def _rates(self, X, own=None):
        sums = np.zeros(len(X))
        counts = np.zeros(len(X))
        for key, stats in self.stats_.items():
            s = X[key].map(stats["sum"]).fillna(0).to_numpy()
            c = X[key].map(stats["count"]).fillna(0).to_numpy()
            if own is not None:  # leave the row's own label out
                s, c = s - own, c - 1
            sums += s
            counts += c
        X = X.copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            X["GroupSurvival"] = np.where(counts > 0, sums / np.maximum(counts, 1), self.prior)
        X["GroupKnown"] = (counts > 0).astype(int)
        return X

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y)._rates(X, own=np.asarray(y, dtype=float))

    def transform(self, X):
        return self._rates(X)
