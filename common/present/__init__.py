"""Results for people: console tables, figures, feature importance, the HTML report, MLflow export."""

from .html_report import write_report
from .mlflow_tracking import export_to_mlflow

__all__ = ["write_report", "export_to_mlflow"]
