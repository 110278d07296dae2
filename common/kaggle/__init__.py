"""The Kaggle client: credentials, HTTP retries and transfers, competitions, datasets, kernels."""

from .competitions import (
    competition_metric,
    download_competition_zip,
    kit_metric_name,
    list_submissions,
    submit,
    wait_for_score,
)
from .credentials import _find_credentials as find_credentials
from .datasets import DATASET_METADATA, dataset_status, upload_dataset, wait_for_dataset
from .kernels import KERNEL_METADATA, download_kernel_output, kernel_status, push_kernel, submit_code, wait_for_kernel
from .transport import CONNECT_TIMEOUT_S, DEFAULT_RETRY_BASE_S, DEFAULT_TRIES, ENDPOINT_ENV, READ_TIMEOUT_S

__all__ = ["competition_metric", "download_competition_zip", "kit_metric_name", "list_submissions", "submit",
           "wait_for_score", "find_credentials", "DATASET_METADATA", "dataset_status", "upload_dataset",
           "wait_for_dataset", "KERNEL_METADATA", "download_kernel_output", "kernel_status", "push_kernel",
           "submit_code", "wait_for_kernel", "CONNECT_TIMEOUT_S", "DEFAULT_RETRY_BASE_S", "DEFAULT_TRIES",
           "ENDPOINT_ENV", "READ_TIMEOUT_S"]
