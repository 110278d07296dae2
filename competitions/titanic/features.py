"""Titanic features.

``make_features`` does row-wise work only (parse titles, count family, read the deck), plus
label-free work over the passenger list (how many people share a ticket, who travels in which
woman-child group): the manifest is an input known before any prediction, and no target is
read. Everything that learns from rows and targets (age by title, group survival rates, the
woman-child-group rule's rates) is an estimator below, fitted inside each fold.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

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


def woman_child_groups(manifest: pd.DataFrame) -> pd.Series:
    """Travel group of each woman and boy on the manifest ("" for men and people alone).

    Chris Deotte's woman-child groups: women and boys (title Master) sharing a surname, class,
    ticket (but its last digit), fare and port travel together; a woman or boy left alone joins
    the group of someone else on their exact ticket (nannies, friends). Men never belong: the
    "women and children first" order decided their fate apart from their families. Label-free.
    """
    title = manifest["Name"].map(_title)
    woman_or_boy = (manifest["Sex"] == "female") | (title == "Master")
    surname = manifest["Name"].str.split(",").str[0].str.strip()
    key = (surname + "-" + manifest["Pclass"].astype(str) + "-" + manifest["Ticket"].astype(str).str[:-1] + "-"
           + manifest["Fare"].round(2).astype(str) + "-" + manifest["Embarked"].astype(object).fillna("?").astype(str))
    key = key.astype(object).where(woman_or_boy, "")
    key = key.where(key.map(key.value_counts()) > 1, "")
    ticket = manifest["Ticket"].astype(str)
    by_ticket = key[key != ""].groupby(ticket[key != ""]).first()
    alone = woman_or_boy & (key == "")
    key[alone] = ticket[alone].map(by_ticket).astype(object).fillna("")
    return key


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    manifest = pd.concat([train, test], ignore_index=True)
    groups = woman_child_groups(manifest).to_numpy()
    X, X_test = _manifest_features(train, manifest), _manifest_features(test, manifest)
    X["WCGroup"], X_test["WCGroup"] = groups[:len(train)], groups[len(train):]
    return X, X_test


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


class WomanChildGroupClassifier(BaseEstimator, ClassifierMixin):
    """Women and children first, then families: a rule whose few numbers are learned in ``fit``.

    Each passenger falls in a cell: man, woman or boy, and for women and boys, what became of the
    *other* members of their woman-child group (``WCGroup``) among the training rows: all lived,
    all died, some of each, or none known. A cell's survival rate (smoothed towards the overall
    rate by ``smoothing`` passengers) is the prediction. In ``fit`` each training passenger's own
    label is left out of their group's tally, so the rates are learned from cases like the ones
    being predicted. Deotte's rule, the same cells with fixed answers (men and boys die unless a
    boy's group all lived; women live unless their group all died), scores 0.818 on Kaggle's
    public leaderboard.
    """

    def __init__(self, smoothing=1.0):
        self.smoothing = smoothing

    def _cells(self, X, own=None):
        title = X["Title"].to_numpy()
        female = X["IsFemale"].to_numpy() == 1
        kind = np.where(female, "woman", np.where(title == "Master", "boy", "man"))
        group = X["WCGroup"].to_numpy()
        s = pd.Series(group).map(self.group_sum_).fillna(0).to_numpy()
        c = pd.Series(group).map(self.group_count_).fillna(0).to_numpy()
        if own is not None:
            s, c = s - own * (c > 0), c - (c > 0)
        known = (group != "") & (c > 0)
        fate = np.where(~known | (kind == "man"), "", np.where(s == c, "lived", np.where(s == 0, "died", "mixed")))
        return pd.Series(kind).str.cat(pd.Series(fate), sep="-").to_numpy()

    def fit(self, X, y):
        y = np.asarray(y, dtype=float)
        self.classes_ = np.array([0, 1])
        members = X["WCGroup"].to_numpy() != ""
        tally = pd.Series(y[members]).groupby(X["WCGroup"].to_numpy()[members])
        self.group_sum_, self.group_count_ = tally.sum(), tally.count()
        own = np.where(members, y, 0.0)
        cells = self._cells(X, own=own)
        prior = y.mean()
        stats = pd.Series(y).groupby(cells).agg(["sum", "count"])
        self.rates_ = (stats["sum"] + self.smoothing * prior) / (stats["count"] + self.smoothing)
        # a cell never seen in training falls back to the rate of its kind (woman, boy, man)
        kinds = pd.Series(y).groupby(pd.Series(cells).str.split("-").str[0].to_numpy()).mean()
        self.kind_rates_ = kinds
        self.prior_ = prior
        return self

    def predict_proba(self, X):
        cells = pd.Series(self._cells(X))
        kind_rate = cells.str.split("-").str[0].map(self.kind_rates_).fillna(self.prior_)
        p = cells.map(self.rates_).fillna(kind_rate).to_numpy(dtype=float)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
