"""Generic tables: column typing, row-wise features and the preprocessing every default model uses.

Three parts, each usable alone from a hand-written competition:

- ``infer_column_types(train, test)`` says what each column is (numeric, boolean, categorical,
  free text, datetime, or one to drop) and why; ``invoke new`` writes its answer into the spec.
- ``TabularFeatures(...)``, the spec's ``make_features``: row-wise only (it learns nothing from
  other rows). It keeps the columns train and test share, drops the listed ones, splits datetimes
  into parts and gives every column the dtype that says how to encode it: numbers are floats,
  categoricals are pandas ``category``, free text is ``object``.
- ``TabularEncoder(kind)``: the learned preprocessing, a scikit-learn transformer fitted inside
  each fold's pipeline (imputation, scaling, one-hot / ordinal / target encoding, TF-IDF).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, QuantileTransformer, TargetEncoder

MISSING = "__missing__"
TEXT_MIN_WORDS = 4  # a string column whose values average this many words is free text
MAX_ONEHOT = 30  # categoricals with more distinct values are target/ordinal encoded instead
TARGET_ENCODER_FOLDS = 5  # inner folds of the cross-fitted target encoding
DATE_PARTS = ("year", "month", "day", "day_of_week", "day_of_year")


# --- column typing -----------------------------------------------------------------------------

@dataclass
class ColumnTypes:
    """What each feature column is; anything numeric not listed is a number."""

    categorical: list = field(default_factory=list)
    text: list = field(default_factory=list)
    datetime: list = field(default_factory=list)
    boolean: list = field(default_factory=list)
    drop: list = field(default_factory=list)
    numeric: list = field(default_factory=list)
    reasons: dict = field(default_factory=dict)  # column -> why it was typed so


def _looks_boolean(values: pd.Series) -> bool:
    return set(values.astype(str).str.lower().unique()) <= {"true", "false"}


def _looks_datetime(values: pd.Series) -> bool:
    text = values.astype(str).head(500)
    if not text.str.contains(r"\d[-/:T ]\d|\d{4}-\d", regex=True).all() or text.str.len().min() < 6:
        return False
    parsed = to_datetime(text)
    return parsed.notna().mean() >= 0.95


def to_datetime(values: pd.Series) -> pd.Series:
    """Parse dates and times, any consistent format; unparseable values become NaT."""
    parsed = pd.to_datetime(values, errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def infer_column_types(train: pd.DataFrame, test: pd.DataFrame, *, id_column: str | None = None) -> ColumnTypes:
    """Type the columns train and test share (train-only columns are never features)."""
    types = ColumnTypes()
    for column in [c for c in train.columns if c in test.columns]:
        both = pd.concat([train[column], test[column]], ignore_index=True)
        values = both.dropna()
        unique = values.nunique()
        if column == id_column:
            if values.dtype.kind not in "iuf" and unique and _looks_datetime(values):
                types.datetime.append(column)
                types.reasons[column] = "the id is a date/time: its parts are features"
            else:
                types.drop.append(column)
                types.reasons[column] = "the id"
            continue
        if unique <= 1:
            types.drop.append(column)
            types.reasons[column] = "one value only"
        elif pd.api.types.is_bool_dtype(values) or (values.dtype.kind not in "iuf" and _looks_boolean(values)):
            types.boolean.append(column)
            types.reasons[column] = "True/False" + (" with missing values" if both.isna().any() else "")
        elif pd.api.types.is_numeric_dtype(values):
            if values.dtype.kind in "iu" and unique == len(both) and values.is_monotonic_increasing:
                types.drop.append(column)
                types.reasons[column] = "id-like: a distinct, increasing integer on every row"
            else:
                types.numeric.append(column)
        elif _looks_datetime(values):
            types.datetime.append(column)
            types.reasons[column] = "dates/times: split into year, month, day, weekday, ... and elapsed days"
        elif values.astype(str).str.split().str.len().mean() >= TEXT_MIN_WORDS and unique / len(values) > 0.3:
            types.text.append(column)
            types.reasons[column] = "free text (many words per value)"
        elif unique == len(both) and not both.isna().any():
            types.drop.append(column)
            types.reasons[column] = "id-like: a distinct string on every row"
        else:
            types.categorical.append(column)
            types.reasons[column] = f"{unique} distinct values" + (" (high cardinality)" if unique > MAX_ONEHOT else "")
    return types


# --- row-wise features -------------------------------------------------------------------------

@dataclass(frozen=True)
class TabularFeatures:
    """The spec's ``make_features`` for a generic table (row-wise; see the module doc)."""

    categorical: tuple = ()
    text: tuple = ()
    datetime: tuple = ()
    boolean: tuple = ()
    drop: tuple = ()

    def __call__(self, train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        # columns only train has (often parts of the target) are never features
        shared = [c for c in train.columns if c in test.columns and c not in self.drop]
        return self.transform(train[shared]), self.transform(test[shared])

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns = {}
        for column in frame.columns:
            values = frame[column]
            if column in self.datetime:
                columns.update(datetime_parts(column, values))
            elif column in self.boolean:
                columns[column] = values.map(_as_bool).astype(float)
            elif column in self.text:
                columns[column] = values.astype(object)
            elif column in self.categorical or not pd.api.types.is_numeric_dtype(values):
                columns[column] = values.astype(str).where(values.notna(), np.nan).astype("category")
            else:
                columns[column] = values.astype(float)
        return pd.DataFrame(columns, index=frame.index)


def _as_bool(value):
    if pd.isna(value):
        return np.nan
    return float(str(value).strip().lower() in ("true", "1", "1.0"))


def datetime_parts(name: str, values: pd.Series) -> dict:
    stamps = to_datetime(values)
    parts = {f"{name}_{part}": getattr(stamps.dt, part).astype(float) for part in DATE_PARTS}
    if (stamps.dt.hour.fillna(0) != 0).any():
        parts[f"{name}_hour"] = stamps.dt.hour.astype(float)
    # absolute time, in days: trends over time
    parts[f"{name}_days"] = (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
    return parts


# --- learned preprocessing ---------------------------------------------------------------------

def _fill_missing(frame):
    return pd.DataFrame(frame).astype(object).where(pd.DataFrame(frame).notna(), MISSING).astype(str)


def _fill_text(column):
    return pd.Series(column).fillna("").astype(str)


class FrequencyEncoder(BaseEstimator, TransformerMixin):
    """Each category's share of the fit rows (0 for categories the fit rows never saw)."""

    def fit(self, X, y=None):
        frame = pd.DataFrame(X)
        self.shares_ = [frame.iloc[:, j].value_counts(normalize=True) for j in range(frame.shape[1])]
        return self

    def transform(self, X):
        frame = pd.DataFrame(X)
        return np.column_stack([frame.iloc[:, j].map(share).astype(float).fillna(0.0).to_numpy()
                                for j, share in enumerate(self.shares_)])


class TextComponents(BaseEstimator, TransformerMixin):
    """Truncated SVD of a TF-IDF matrix (latent semantic analysis), with fewer components when
    the vocabulary is small."""

    def __init__(self, n_components: int = 32):
        self.n_components = n_components

    def fit(self, X, y=None):
        k = min(self.n_components, X.shape[1] - 1, X.shape[0] - 1)
        self.svd_ = TruncatedSVD(n_components=k, random_state=0).fit(X) if k >= 1 else None
        return self

    def transform(self, X):
        return self.svd_.transform(X) if self.svd_ is not None else np.zeros((X.shape[0], 1))


class TabularEncoder(BaseEstimator, TransformerMixin):
    """Learned preprocessing for the default models, fitted on the training rows of each fold.

    ``kind``: 'gbm' (gradient boosting: numbers as they are, missing values kept, categories as
    codes plus frequencies, text as a few SVD components of its TF-IDF), 'forest' (the same with
    imputed numbers and missing-value flags), 'linear' (numbers mapped to normal scores,
    one-hot or target-encoded categories, sparse TF-IDF text) or 'dense' (as linear, text as SVD
    components: for neural networks). Columns are found by dtype (see ``TabularFeatures``).
    """

    def __init__(self, kind: str = "gbm", text_features: int = 20000, text_components: int = 32):
        self.kind = kind
        self.text_features = text_features
        self.text_components = text_components

    def _columns(self, X: pd.DataFrame):
        categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and c not in categorical]
        text = [c for c in X.columns if c not in categorical and c not in numeric]
        return numeric, categorical, text

    def _text(self, n_rows: int):
        tfidf = TfidfVectorizer(max_features=self.text_features, ngram_range=(1, 2), min_df=2 if n_rows >= 500 else 1,
                                sublinear_tf=True)
        steps = [FunctionTransformer(_fill_text), tfidf]
        if self.kind != "linear":
            steps.append(TextComponents(n_components=self.text_components))
        return make_pipeline(*steps)

    def fit(self, X, y=None):
        X = pd.DataFrame(X)
        self.transformer_ = self._transformer(X, y).fit(X, y)
        return self

    def fit_transform(self, X, y=None):
        # not fit(...).transform(...): the target encoder's fit_transform cross-fits, so no
        # training row is encoded with its own label (a near-unique column would leak it)
        X = pd.DataFrame(X)
        self.transformer_ = self._transformer(X, y)
        return self.transformer_.fit_transform(X, y)

    def _transformer(self, X: pd.DataFrame, y) -> ColumnTransformer:
        numeric, categorical, text = self._columns(X)
        linear = self.kind in ("linear", "dense")
        parts = []
        if numeric:
            if self.kind == "gbm":
                parts.append(("num", "passthrough", numeric))
            else:
                steps = [SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)]
                if linear:
                    steps.append(QuantileTransformer(n_quantiles=min(1000, len(X)), output_distribution="normal",
                                                     subsample=100_000, random_state=0))
                parts.append(("num", make_pipeline(*steps), numeric))
        low = [c for c in categorical if X[c].nunique() <= MAX_ONEHOT]
        high = [c for c in categorical if c not in low]
        fill = FunctionTransformer(_fill_missing)
        if linear:
            if low:
                parts.append(("onehot", make_pipeline(fill, OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                                          min_frequency=5, sparse_output=True)), low))
            if high:
                single_target = y is not None and np.ndim(y) == 1
                encoder = TargetEncoder(cv=KFold(TARGET_ENCODER_FOLDS, shuffle=True, random_state=0)) \
                    if single_target else OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=-1)
                parts.append(("high", make_pipeline(fill, encoder, QuantileTransformer(
                    n_quantiles=min(1000, len(X)), output_distribution="normal", random_state=0)), high))
        elif categorical:
            parts.append(("codes", make_pipeline(fill, OrdinalEncoder(handle_unknown="use_encoded_value",
                                                                      unknown_value=-1)), categorical))
            if high:
                parts.append(("freq", make_pipeline(fill, FrequencyEncoder()), high))
        for column in text:
            parts.append((f"text_{column}", self._text(len(X)), column))
        return ColumnTransformer(parts, sparse_threshold=0.3 if self.kind == "linear" else 0.0)

    def transform(self, X):
        return self.transformer_.transform(pd.DataFrame(X))


class PerTarget(BaseEstimator):
    """One clone of ``estimator`` per target column, for several targets and a model that learns
    one: ``predict`` gives an (n, t) matrix of values, ``predict_proba`` one of P(class 1)."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y):
        y = np.asarray(y)
        self.estimators_ = [clone(self.estimator).fit(X, y[:, j]) for j in range(y.shape[1])]
        return self

    def predict(self, X):
        return np.column_stack([e.predict(X) for e in self.estimators_])

    def predict_proba(self, X):
        return np.column_stack([e.predict_proba(X)[:, 1] for e in self.estimators_])
