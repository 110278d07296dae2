"""Mauna Loa CO2 forecast: predict each week of 2001 one year ahead (regression, RMSE in ppm).

Practice competition: ``invoke download --comp=mauna-loa-co2-forecast`` builds it from
statsmodels' weekly CO2 series (see practice.py). Folds are expanding windows in time.
"""

from common.spec import CompetitionSpec, FoldScheme, ModelSpec, SubmissionFormat

from . import models
from .features import TIME, make_features
from .practice import ID, TARGET, build_practice

SPEC = CompetitionSpec(
    slug="mauna-loa-co2-forecast",
    title="Mauna Loa CO2: one-year-ahead weekly forecast",
    id_column=ID,
    target=TARGET,
    task="regression",
    metric_name="rmse",
    make_features=make_features,
    folds=FoldScheme(kind="time", n_splits=5, time_column=TIME),
    submission=SubmissionFormat(kind="values", min_value=0.0),
    practice_source=build_practice,
    models=(
        ModelSpec("seasonal_naive", models.build_seasonal_naive,
                  description="last year's reading plus last year's growth (no fitting)"),
        ModelSpec("lightgbm", models.build_lightgbm, description="LightGBM on the lag window, relative to lag_52"),
        ModelSpec("rnn", models.build_rnn, uses_keras=True,
                  description="Keras GRU over the lag window as (13 timesteps of 8 weeks)"),
    ),
)
