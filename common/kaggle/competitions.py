"""Competitions: download the data, submit a file, list the submissions and wait for a score.

- ``download_competition_zip(slug, dest_dir)`` -> path of ``<dest_dir>/<slug>.zip``
- ``submit(slug, file, message)`` -> dict describing the new submission
- ``list_submissions(slug)`` -> list of submission dicts, newest first
- ``wait_for_score(slug, ref, timeout_s=600, poll_s=5)`` -> the submission's dict once scored
- ``competition_metric(slug)`` -> Kaggle's name of the evaluation metric and the kit's for it

A submission dict has the keys ``ref`` (int), ``date`` (ISO 8601 string, UTC, or None),
``file_name``, ``description`` (the message), ``status`` ("pending", "complete" or "error"),
``public_score`` and ``private_score`` (float or None) and ``error_description`` (str or None).
Every failure is a :class:`common.core.errors.KaggleError` whose message says what to do.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..core.errors import KaggleError, KitError
from ..core.fileio import atomic_path
from ..core.metrics import metric_name
from .refs import _check_slug
from .transport import (
    _DAILY_LIMIT_RE,
    DEFAULT_RETRY_BASE_S,
    DEFAULT_TRIES,
    _connect,
    _daily_limit_message,
    _NotFound,
    _put_bytes,
    _retrying,
    _stream_to_file,
)

_MAX_SUBMISSION_PAGES = 100


def download_competition_zip(slug: str, dest_dir: Path, *, tries: int = DEFAULT_TRIES,
                             retry_base_s: float = DEFAULT_RETRY_BASE_S) -> Path:
    """Download all data files of competition ``slug`` as one zip into ``dest_dir``.

    Returns ``dest_dir / f"{slug}.zip"``. The bytes go to a temporary file beside it that is
    renamed only when the whole body has arrived; on any failure no file is left behind.
    The zip is neither checked nor extracted here.
    """
    _check_slug(slug)
    dest_dir = Path(dest_dir)
    target = dest_dir / f"{slug}.zip"
    action = f"download the data of competition '{slug}'"
    with _connect() as conn:
        from kagglesdk.competitions.types.competition_api_service import ApiDownloadDataFilesRequest

        def attempt(tmp: Path) -> None:
            request = ApiDownloadDataFilesRequest()
            request.competition_name = slug
            # kagglesdk POSTs the RPC, follows Kaggle's redirect to the storage URL and hands
            # back the final streamed response.
            response = conn.client.competitions.competition_api_client.download_data_files(request)
            try:
                _stream_to_file(response, tmp)
            finally:
                response.close()

        with atomic_path(target) as tmp:
            _retrying(lambda: attempt(tmp), conn=conn, slug=slug, action=action, tries=tries,
                      retry_base_s=retry_base_s)
    return target


def submit(slug: str, file: Path, message: str, *, tries: int = DEFAULT_TRIES,
           retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """Submit ``file`` to competition ``slug`` with ``message`` as its description.

    Three steps, as the kaggle client does them: ask for an upload URL and token, PUT the
    file's bytes there, create the submission from the token. Returns a dict with ``ref``,
    ``status`` ("pending"), ``file_name``, ``description`` and Kaggle's ``message``.
    """
    _check_slug(slug)
    file = Path(file)
    if not file.is_file():
        raise KaggleError(f"cannot submit {file}: no such file. Write the submission first.")
    data = file.read_bytes()
    common = dict(slug=slug, tries=tries, retry_base_s=retry_base_s)
    with _connect() as conn:
        from kagglesdk.competitions.types.competition_api_service import (
            ApiCreateSubmissionRequest,
            ApiStartSubmissionUploadRequest,
        )

        api = conn.client.competitions.competition_api_client

        start = ApiStartSubmissionUploadRequest()
        start.competition_name = slug
        start.file_name = file.name
        start.content_length = len(data)
        start.last_modified_epoch_seconds = int(file.stat().st_mtime)
        upload = _retrying(lambda: api.start_submission_upload(start), conn=conn,
                           action=f"start uploading {file.name} to '{slug}'", **common)
        if not upload.create_url or not upload.token:
            raise KaggleError(
                f"Kaggle gave no upload URL for a submission to '{slug}' (answer: {upload}). "
                "Try again later; if it persists, submit on the website.")

        _retrying(lambda: _put_bytes(upload.create_url, data), conn=conn,
                  action=f"upload {file.name} for '{slug}'", **common)

        create = ApiCreateSubmissionRequest()
        create.competition_name = slug
        create.blob_file_tokens = upload.token
        if message:
            create.submission_description = message
        created = _retrying(lambda: api.create_submission(create), conn=conn,
                            action=f"create the submission to '{slug}'", resend_ok=False, **common)

    if not created.ref:
        said = created.message or "(no message)"
        if _DAILY_LIMIT_RE.search(said):
            raise KaggleError(_daily_limit_message(slug, said))
        raise KaggleError(
            f"Kaggle did not accept the submission to '{slug}': {said}. "
            f"See https://www.kaggle.com/competitions/{slug}/submissions")
    return {
        "ref": int(created.ref),
        "status": "pending",
        "file_name": file.name,
        "description": message,
        "message": created.message,
    }


# Kaggle's names of evaluation metrics -> the kit's; the first pattern found in the name wins
_METRIC_NAMES = (("balanced accuracy", "balanced_accuracy"), ("accuracy", "accuracy"),
                 ("columnwise root mean", "mcrmse"), ("mcrmse", "mcrmse"), ("median absolute", "medae"),
                 ("symmetric mean absolute percentage", "smape"), ("smape", "smape"),
                 ("mean absolute percentage", "mape"), ("mape", "mape"), ("pearson", "pearson"), ("gini", "gini"),
                 ("micro f1", "micro_f1"), ("f1 micro", "micro_f1"),
                 ("logarithmic error", "rmsle"), ("rmsle", "rmsle"), ("root mean squared", "rmse"), ("rmse", "rmse"),
                 ("mean absolute error", "mae"), ("mae", "mae"), ("log loss", "logloss"), ("logloss", "logloss"),
                 ("multiclass loss", "logloss"), ("cross entropy", "logloss"), ("kappa", "qwk"),
                 ("matthews", "mcc"), ("macro f1", "macro_f1"), ("f1 macro", "macro_f1"), ("f1", "f1"),
                 ("f-score", "f1"), ("area under", "auc"), ("auc", "auc"), ("r2", "r2"),
                 ("coefficient of determination", "r2"))


def kit_metric_name(kaggle_name: str) -> Optional[str]:
    """The kit's metric for Kaggle's name of one (e.g. 'Categorization Accuracy' -> 'accuracy')."""
    try:
        return metric_name(kaggle_name)  # a name the kit reads as it is: 'MAP@3', 'RMSE', 'Log Loss'
    except KitError:
        pass
    name = (kaggle_name or "").lower().replace("_", " ")
    if at := re.search(r"(?:map|mean average precision)\s*@\s*(\d+)", name):
        return f"map@{at[1]}"
    return next((ours for pattern, ours in _METRIC_NAMES if pattern in name), None)


def competition_metric(slug: str, *, tries: int = DEFAULT_TRIES,
                       retry_base_s: float = DEFAULT_RETRY_BASE_S) -> tuple[Optional[str], Optional[str]]:
    """Kaggle's name of the competition's evaluation metric and the kit's metric for it; either is
    None when Kaggle does not say or the kit has no such metric."""
    _check_slug(slug)
    with _connect() as conn:
        from kagglesdk.competitions.types.competition_api_service import ApiListCompetitionsRequest

        request = ApiListCompetitionsRequest()
        request.search = slug
        page = _retrying(lambda: conn.client.competitions.competition_api_client.list_competitions(request),
                         conn=conn, slug=slug, action=f"read the metadata of '{slug}'", tries=tries,
                         retry_base_s=retry_base_s)
    for competition in page.competitions or []:
        if (competition.ref or "").rstrip("/").rsplit("/", 1)[-1] == slug:
            return competition.evaluation_metric or None, kit_metric_name(competition.evaluation_metric)
    return None, None


def list_submissions(slug: str, *, tries: int = DEFAULT_TRIES,
                     retry_base_s: float = DEFAULT_RETRY_BASE_S) -> list[dict]:
    """All of your team's submissions to ``slug``, newest first, as plain dicts."""
    _check_slug(slug)
    with _connect() as conn:
        from kagglesdk.competitions.types.competition_api_service import ApiListSubmissionsRequest

        api = conn.client.competitions.competition_api_client
        result: list[dict] = []
        token = ""
        seen_tokens = set()
        for _ in range(_MAX_SUBMISSION_PAGES):
            request = ApiListSubmissionsRequest()
            request.competition_name = slug
            request.page_size = 100
            request.page_token = token
            page = _retrying(lambda: api.list_submissions(request), conn=conn, slug=slug,
                             action=f"list the submissions to '{slug}'", tries=tries,
                             retry_base_s=retry_base_s)
            result.extend(_submission_dict(s) for s in page.submissions)
            token = page.next_page_token
            if not token or token in seen_tokens:
                break
            seen_tokens.add(token)
    return result


def wait_for_score(slug: str, ref, *, timeout_s: float = 600, poll_s: float = 5,
                   tries: int = DEFAULT_TRIES,
                   retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """Poll submission ``ref`` of ``slug`` until it is scored; return its dict.

    Returns as soon as the status is "complete" or "error" (check ``status`` and
    ``error_description``). Raises KaggleError after ``timeout_s`` seconds. A 404 is taken as
    "not visible yet", as happens right after submitting.
    """
    _check_slug(slug)
    try:
        ref = int(ref)
    except (TypeError, ValueError):
        raise KaggleError(f"submission ref must be a number, got {ref!r}") from None
    deadline = time.monotonic() + timeout_s
    last_status = "not visible yet"
    with _connect() as conn:
        from kagglesdk.competitions.types.competition_api_service import ApiGetSubmissionRequest

        api = conn.client.competitions.competition_api_client
        while True:
            request = ApiGetSubmissionRequest()
            request.ref = ref
            try:
                found = _retrying(lambda: api.get_submission(request), conn=conn, slug=slug,
                                  action=f"read submission {ref} of '{slug}'", tries=tries,
                                  retry_base_s=retry_base_s, not_found_ok=True)
            except _NotFound:
                found = None
            if found is not None:
                submission = _submission_dict(found)
                if submission["status"] in ("complete", "error"):
                    return submission
                last_status = submission["status"]
            if time.monotonic() + poll_s > deadline:
                raise KaggleError(
                    f"submission {ref} to '{slug}' was still {last_status} after {timeout_s:g} s. "
                    f"Kaggle may just be slow: look again later with `invoke submissions --comp={slug}` or at "
                    f"https://www.kaggle.com/competitions/{slug}/submissions")
            time.sleep(poll_s)


# --------------------------------------------------------------------------------------------
# small helpers


def _score(value) -> Optional[float]:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _submission_dict(submission) -> dict:
    date = submission.date
    if isinstance(date, datetime):
        if date.tzinfo is None:
            date = date.replace(tzinfo=timezone.utc)
        date = date.isoformat()
    status = getattr(submission.status, "name", str(submission.status)).lower()
    return {
        "ref": int(submission.ref),
        "date": date,
        "file_name": submission.file_name,
        "description": submission.description,
        "status": status,
        "public_score": _score(submission.public_score),
        "private_score": _score(submission.private_score),
        "error_description": submission.error_description,
    }
