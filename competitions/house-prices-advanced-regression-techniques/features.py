"""House Prices features: row-wise only.

Everything here reads one house at a time (data_description.txt is the source of truth for what a
missing value means). Anything that learns from other rows (imputing medians, spotting skewed
columns, scaling, encoding) is a transformer in ``models.py``, fitted inside each fold.
"""

import numpy as np
import pandas as pd

ID, TARGET = "Id", "SalePrice"

# NA means "the house has none" for these (data_description.txt), not "unknown"; MasVnrType's
# "None" is read as NA by pandas too
ABSENT_MEANS_NONE = ["Alley", "BsmtQual", "BsmtCond", "BsmtExposure", "BsmtFinType1", "BsmtFinType2",
                     "FireplaceQu", "GarageType", "GarageFinish", "GarageQual", "GarageCond", "PoolQC",
                     "Fence", "MiscFeature", "MasVnrType"]

# ordered grades, mapped to numbers so linear models see the order (0 = the house has none)
QUALITY = {"None": 0, "Po": 1, "Fa": 2, "TA": 3, "Gd": 4, "Ex": 5}
ORDINALS = {
    **{col: QUALITY for col in ["ExterQual", "ExterCond", "BsmtQual", "BsmtCond", "HeatingQC", "KitchenQual",
                                "FireplaceQu", "GarageQual", "GarageCond", "PoolQC"]},
    "BsmtExposure": {"None": 0, "No": 1, "Mn": 2, "Av": 3, "Gd": 4},
    "BsmtFinType1": {"None": 0, "Unf": 1, "LwQ": 2, "Rec": 3, "BLQ": 4, "ALQ": 5, "GLQ": 6},
    "BsmtFinType2": {"None": 0, "Unf": 1, "LwQ": 2, "Rec": 3, "BLQ": 4, "ALQ": 5, "GLQ": 6},
    "GarageFinish": {"None": 0, "Unf": 1, "RFn": 2, "Fin": 3},
    "Functional": {"Sal": 0, "Sev": 1, "Maj2": 2, "Maj1": 3, "Mod": 4, "Min2": 5, "Min1": 6, "Typ": 7},
    "LandSlope": {"Sev": 0, "Mod": 1, "Gtl": 2},
    "PavedDrive": {"N": 0, "P": 1, "Y": 2},
    "CentralAir": {"N": 0, "Y": 1},
}

# codes that are labels, not quantities
AS_CATEGORY = ["MSSubClass", "MoSold"]

# nearly constant in train (Utilities: one row differs; Street: 6), so they only add noise
DROP = [ID, "Utilities", "Street"]

PORCHES = ["OpenPorchSF", "EnclosedPorch", "3SsnPorch", "ScreenPorch", "WoodDeckSF"]


def _fill_absent(frame: pd.DataFrame) -> pd.DataFrame:
    """Documented 'none' categories become 'None'; the areas and counts of a missing basement,
    garage or veneer become 0 (the test file leaves a few of them blank)."""
    out = frame.copy()
    for col in ABSENT_MEANS_NONE:
        out[col] = out[col].astype(object).where(out[col].notna(), "None")
    no_basement = out["BsmtQual"].eq("None")
    for col in ["BsmtFinSF1", "BsmtFinSF2", "BsmtUnfSF", "TotalBsmtSF", "BsmtFullBath", "BsmtHalfBath"]:
        out.loc[no_basement & out[col].isna(), col] = 0
    no_garage = out["GarageType"].eq("None")
    for col in ["GarageCars", "GarageArea"]:
        out.loc[no_garage & out[col].isna(), col] = 0
    out.loc[out["MasVnrType"].eq("None") & out["MasVnrArea"].isna(), "MasVnrArea"] = 0
    # a garage with no year was built with the house; one test row says 2207, a typo
    garage_year = out["GarageYrBlt"].fillna(out["YearBuilt"])
    out["GarageYrBlt"] = garage_year.where(garage_year <= out["YrSold"] + 1, out["YearBuilt"])
    return out


def _ordinals(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col, mapping in ORDINALS.items():
        out[col] = out[col].map(mapping).astype(float)  # unknown grades stay NaN for the imputer
    return out


def _engineered(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame
    new = pd.DataFrame(index=f.index)
    new["TotalSF"] = f["TotalBsmtSF"].fillna(0) + f["1stFlrSF"] + f["2ndFlrSF"]
    new["FinishedSF"] = (f["GrLivArea"] - f["LowQualFinSF"] + f["BsmtFinSF1"].fillna(0)
                         + f["BsmtFinSF2"].fillna(0))
    new["TotalBath"] = (f["FullBath"] + 0.5 * f["HalfBath"] + f["BsmtFullBath"].fillna(0)
                        + 0.5 * f["BsmtHalfBath"].fillna(0))
    new["PorchSF"] = f[PORCHES].sum(axis=1)
    new["Age"] = (f["YrSold"] - f["YearBuilt"]).clip(lower=0)
    new["RemodAge"] = (f["YrSold"] - f["YearRemodAdd"]).clip(lower=0)
    new["Remodelled"] = (f["YearRemodAdd"] != f["YearBuilt"]).astype(float)
    new["SoldNew"] = (f["YrSold"] <= f["YearBuilt"] + 1).astype(float)
    new["SaleTime"] = f["YrSold"] + (f["MoSold"] - 1) / 12  # the 2008 crash shows in prices
    new["QualitySF"] = f["OverallQual"] * f["GrLivArea"]
    new["QualityScore"] = f["OverallQual"] * f["OverallCond"]
    new["ExteriorScore"] = f["ExterQual"] * f["ExterCond"]
    new["KitchenScore"] = f["KitchenQual"] * f["KitchenAbvGr"]
    new["GarageScore"] = f["GarageQual"] * f["GarageArea"]
    new["BasementScore"] = f["BsmtQual"] * f["TotalBsmtSF"]
    for name, col in [("HasPool", "PoolArea"), ("Has2ndFloor", "2ndFlrSF"), ("HasGarage", "GarageArea"),
                      ("HasBasement", "TotalBsmtSF"), ("HasFireplace", "Fireplaces"), ("HasPorch", None)]:
        source = new["PorchSF"] if col is None else f[col]
        new[name] = (source.fillna(0) > 0).astype(float)
    return pd.concat([f, new], axis=1)


def house_features(frame: pd.DataFrame) -> pd.DataFrame:
    """One house's raw fields to model inputs: numbers stay float, labels become strings."""
    out = _engineered(_ordinals(_fill_absent(frame)))
    for col in AS_CATEGORY:
        out[col] = out[col].astype(str)
    out = out.drop(columns=[c for c in DROP + [TARGET] if c in out.columns])
    numeric = out.select_dtypes("number").columns
    out[numeric] = out[numeric].astype(float)
    categorical = out.columns.difference(numeric)
    # plain object columns with NaN for missing: one type for every encoder, whatever pandas reads
    out[categorical] = out[categorical].astype(object).where(out[categorical].notna(), np.nan)
    return out


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return house_features(train), house_features(test)


def cheap_giant_houses(train: pd.DataFrame) -> np.ndarray:
    """True for the two partial sales of huge houses (GrLivArea > 4000 sq ft) at low prices.

    De Cock's documentation of the Ames data recommends removing houses over 4000 sq ft; these two
    (Ids 524 and 1299) sell far below what their size says and pull every linear fit. The two
    large houses with matching prices are kept. Models never fit on them, but CV still predicts
    and scores them: Kaggle's test set has houses like them.
    """
    return ((train["GrLivArea"] > 4000) & (train[TARGET] < 300_000)).to_numpy()
