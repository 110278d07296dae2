"""House Prices - Advanced Regression Techniques: predict sale prices in Ames, Iowa (regression).

Kaggle scores the RMSE between the logs of predicted and true prices, so every model learns
log1p(SalePrice) and the plain RMSE of the OOF predictions is the leaderboard metric; the
submission maps predictions back with expm1.
"""

import numpy as np

from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

from . import models
from .features import cheap_giant_houses, make_features

SPEC = CompetitionSpec(
    slug="house-prices-advanced-regression-techniques",
    title="House Prices - Advanced Regression Techniques",
    id_column="Id",
    target="SalePrice",
    task="regression",
    metric_name="rmse",
    make_features=make_features,
    folds=FoldScheme(kind="kfold", n_splits=5),
    submission=SubmissionFormat(kind="values", min_value=0),
    transform_target=lambda s: np.log1p(s.to_numpy()),
    to_submission_values=np.expm1,
    # De Cock's documentation of the Ames data recommends removing houses over 4000 sq ft; the two in
    # train that sold far too cheap (partial sales) are never fitted on, but still scored out of fold
    exclude_from_fit=cheap_giant_houses,
    models=(
        ModelSpec("lasso", models.build_lasso, search_space=models.space_lasso,
                  description="Lasso on log1p-deskewed, scaled, one-hot features"),
        ModelSpec("svr", models.build_svr, search_space=models.space_svr,
                  description="RBF support vector regression, on the lasso's features"),
        ModelSpec("lightgbm", models.build_lightgbm, search_space=models.space_lightgbm,
                  description="gradient-boosted trees (LightGBM), shallow"),
        ModelSpec("gradient_boosting", models.build_gradient_boosting,
                  description="scikit-learn gradient boosting with huber loss"),
        ModelSpec("keras_mlp", models.build_keras_mlp, uses_keras=True, search_space=models.space_keras_mlp,
                  description="Keras MLP with a linear shortcut, on the lasso's features"),
    ),
)
