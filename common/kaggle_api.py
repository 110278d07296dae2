"""The kit's one conversation with Kaggle: download competition data, submit, read scores.

Public surface (every failure is a :class:`common.errors.KaggleError` whose message says what
went wrong and what to do):

- ``download_competition_zip(slug, dest_dir)`` -> path of ``<dest_dir>/<slug>.zip``
- ``submit(slug, file, message)`` -> dict describing the new submission
- ``list_submissions(slug)`` -> list of submission dicts, newest first
- ``wait_for_score(slug, ref, timeout_s=600, poll_s=5)`` -> the submission's dict once scored

Code competitions (``kit kernel --push``; each mirrors a command of the ``kaggle`` client):

- ``upload_dataset(folder, version_notes=...)`` -> ``datasets create`` or, when the dataset
  exists, ``datasets version``, both ``--dir-mode zip`` (StartBlobUpload + PUT per file, every
  folder as one zip archive, files as they are; then CreateDataset / CreateDatasetVersion)
- ``dataset_status(ref)`` / ``wait_for_dataset(ref)`` -> GetDatasetStatus until "ready"
- ``push_kernel(folder)`` -> ``kernels push`` (SaveKernel); ``kernel_status(ref, version)`` /
  ``wait_for_kernel(...)`` -> GetKernelSessionStatus; ``download_kernel_output(ref, dest, version)``
  -> ``kernels output`` (ListKernelSessionOutput, then a GET per file) and the run's log
- ``submit_code(slug, kernel_ref, version, file_name=..., message=...)`` ->
  ``competitions submit -k`` (CreateCodeSubmission; never resent after the request went out)

A submission dict has the keys ``ref`` (int), ``date`` (ISO 8601 string, UTC, or None),
``file_name``, ``description`` (the message), ``status`` ("pending", "complete" or "error"),
``public_score`` and ``private_score`` (float or None) and ``error_description`` (str or None).

Which client
    The RPCs go through ``kagglesdk.KaggleClient``, the typed client that the ``kaggle`` package
    (2.2.5) is itself built on: same endpoints, same request objects, same authentication. We do
    not use ``kaggle.KaggleApi``: importing the ``kaggle`` package authenticates at import time
    (it prints help and may call ``exit``, may call the network to check a token, and creates
    ``~/.kaggle`` or ``~/.config/kaggle``), its config folder is fixed when the class is defined,
    its downloads leave partial files and resume markers behind, its own retries sleep for
    seconds to minutes and its upload swallows errors. The blob transfer (streaming the data zip,
    PUTting the submission file to the upload URL) is done here with ``requests``, as the kaggle
    client does it. ``kagglesdk`` is imported lazily, inside :func:`_build_client`, so
    ``import common.kaggle_api`` costs nothing.

Credentials
    Looked for before anything is imported, in the order kaggle 2.2.5 uses:
    an access token (``KAGGLE_API_TOKEN``, holding the token or the path of a file with it;
    ``~/.kaggle/access_token``; ``~/.kaggle/access_token.txt``; inside a Kaggle notebook the file
    named by ``KAGGLE_API_V1_TOKEN``), then a legacy API key (``kaggle.json`` in
    ``KAGGLE_CONFIG_DIR``, else ``~/.kaggle/``, else ``$XDG_CONFIG_HOME/kaggle``, with
    ``KAGGLE_USERNAME`` / ``KAGGLE_KEY`` overriding the file's values), then the OAuth
    credentials that ``kaggle auth login`` stores in ``~/.kaggle/credentials.json``.
    With none of them we stop with a message that says how to create one, without a network call.

Where the client points
    :func:`_build_client` is the one place that decides. If the environment variable
    ``KIT_KAGGLE_ENDPOINT`` is set (for example ``http://127.0.0.1:50123``, what the tests'
    local server in ``tests/support/kaggle_server.py`` uses) every RPC goes to
    ``<endpoint>/api/v1/<Service>/<Method>``, the layout kagglesdk uses for its non-production
    environments. kagglesdk only knows fixed endpoints (``KAGGLE_API_ENVIRONMENT`` = PROD,
    LOCALHOST = http://localhost, TEST = http://localhost:7777, ...) and no custom port, so we
    pick its LOCALHOST environment and then set the HTTP client's (private) ``_endpoint``.
    Unset, kagglesdk decides as usual (``KAGGLE_API_ENVIRONMENT``; default https://api.kaggle.com).
    The variable is read when a function runs, never at import time.

Retries
    5xx answers, "429 Too Many Requests" (other than the daily submission limit) and dropped or
    refused connections are retried with exponential backoff: ``tries`` attempts in all
    (default 4), waiting ``retry_base_s * 2**k`` seconds between them (2, 4, 8 s by default; the
    tests pass a tiny base). Creating the submission itself is not retried when the connection
    dropped after the request was sent, since Kaggle may have recorded it and a second one would
    spend another of the day's submissions; the message then says to check the submissions page.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

from common.errors import KaggleError
from common.fileio import atomic_path

ENDPOINT_ENV = "KIT_KAGGLE_ENDPOINT"
DEFAULT_TRIES = 4
DEFAULT_RETRY_BASE_S = 2.0
CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 120.0
_MAX_SUBMISSION_PAGES = 100
_CHUNK = 1 << 20

_TOKEN_URL = "https://www.kaggle.com/settings"
_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_DAILY_LIMIT_RE = re.compile(
    r"daily|allowance|submissions? limit|limit of \d+ submissions|max(imum)? (number of )?submissions"
    r"|too many submissions",
    re.IGNORECASE,
)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# public functions


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
        from kagglesdk.competitions.types.competition_api_service import (
            ApiDownloadDataFilesRequest,
        )

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
                 ("logarithmic error", "rmsle"), ("rmsle", "rmsle"), ("root mean squared", "rmse"), ("rmse", "rmse"),
                 ("mean absolute error", "mae"), ("mae", "mae"), ("log loss", "logloss"), ("logloss", "logloss"),
                 ("multiclass loss", "logloss"), ("cross entropy", "logloss"), ("kappa", "qwk"),
                 ("matthews", "mcc"), ("macro f1", "macro_f1"), ("f1 macro", "macro_f1"), ("f1", "f1"),
                 ("f-score", "f1"), ("area under", "auc"), ("auc", "auc"), ("r2", "r2"),
                 ("coefficient of determination", "r2"))


def kit_metric_name(kaggle_name: str) -> Optional[str]:
    """The kit's metric for Kaggle's name of one (e.g. 'Categorization Accuracy' -> 'accuracy')."""
    name = (kaggle_name or "").lower().replace("_", " ")
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
        from kagglesdk.competitions.types.competition_api_service import (
            ApiListSubmissionsRequest,
        )

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
# datasets, kernels and code submissions (what `kit kernel --push` uses)

DATASET_METADATA = "dataset-metadata.json"
KERNEL_METADATA = "kernel-metadata.json"
_KERNEL_OUTPUT_PAGES = 20


def _split_ref(ref: str, what: str) -> tuple[str, str]:
    owner, _, name = (ref or "").partition("/")
    if not owner or not name or "/" in name:
        raise KaggleError(f"{what} {ref!r} should read OWNER/SLUG, e.g. alice/titanic-kit-models")
    return owner, name


def _rules_hint(slug: str) -> str:
    if not slug:
        return "Check that the dataset and notebook belong to the user of your credentials (--owner)."
    return (f"If you have not accepted the rules of '{slug}' yet, accept them on "
            f"https://www.kaggle.com/competitions/{slug}/rules (this joins the competition); else check "
            "that the dataset and notebook belong to the user of your credentials (--owner).")


def dataset_status(ref: str, *, slug: str = "", tries: int = DEFAULT_TRIES,
                   retry_base_s: float = DEFAULT_RETRY_BASE_S) -> Optional[str]:
    """The processing status of dataset ``ref`` ("ready", "failed", ...), or None when Kaggle
    knows no such dataset (it is created then, not versioned)."""
    owner, name = _split_ref(ref, "dataset")
    with _connect() as conn:
        from kagglesdk.datasets.types.dataset_api_service import ApiGetDatasetStatusRequest

        request = ApiGetDatasetStatusRequest()
        request.owner_slug, request.dataset_slug = owner, name
        try:
            answer = _retrying(lambda: conn.client.datasets.dataset_api_client.get_dataset_status(request),
                               conn=conn, slug=slug, action=f"read the status of dataset {ref}", tries=tries,
                               retry_base_s=retry_base_s, not_found_ok=True, forbidden=_rules_hint(slug))
        except _NotFound:
            return None
    return _enum_name(answer.status)


def upload_dataset(folder: Path, *, version_notes: str, slug: str = "", tries: int = DEFAULT_TRIES,
                   retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """Create the dataset that ``folder/dataset-metadata.json`` names, or a new version of it.

    As ``kaggle datasets create/version -p FOLDER --dir-mode zip`` does: every file is uploaded
    as it is (nothing converted), every folder as one zip archive of its contents (``models/`` ->
    ``models.zip``); the metadata file itself is not uploaded. Returns ``ref``, ``url``,
    ``created`` (False: a new version) and ``files`` (the uploaded names).
    """
    folder = Path(folder)
    meta = _read_metadata(folder / DATASET_METADATA, "dataset")
    ref = meta.get("id") or ""
    owner, name = _split_ref(ref, f"the dataset id in {folder / DATASET_METADATA}")
    existing = dataset_status(ref, slug=slug, tries=tries, retry_base_s=retry_base_s)
    common = dict(slug=slug, tries=tries, retry_base_s=retry_base_s)
    with _connect() as conn, _dataset_blobs(folder) as blobs:
        from kagglesdk.datasets.types.dataset_api_service import (
            ApiCreateDatasetRequest,
            ApiCreateDatasetVersionRequest,
            ApiCreateDatasetVersionRequestBody,
            ApiDatasetNewFile,
        )

        files = []
        for blob in blobs:
            new_file = ApiDatasetNewFile()
            new_file.token = _upload_blob(conn, blob, **common)
            files.append(new_file)
        api = conn.client.datasets.dataset_api_client
        if existing is None:
            request = ApiCreateDatasetRequest()
            request.owner_slug, request.slug = owner, name
            request.title = meta.get("title") or name
            request.license_name = ((meta.get("licenses") or [{}])[0]).get("name") or "CC0-1.0"
            request.is_private = True
            request.files = files
            call, action = (lambda: api.create_dataset(request)), f"create dataset {ref}"
        else:
            body = ApiCreateDatasetVersionRequestBody()
            body.version_notes = version_notes
            body.files = files
            request = ApiCreateDatasetVersionRequest()
            request.owner_slug, request.dataset_slug, request.body = owner, name, body
            call, action = (lambda: api.create_dataset_version(request)), f"create a new version of dataset {ref}"
        answer = _retrying(call, conn=conn, action=action, forbidden=_rules_hint(slug), **common)
    if answer.error or (answer.status and answer.status.lower() not in ("ok", "")):
        raise KaggleError(f"Kaggle did not {action}: {answer.error or answer.status}. "
                          f"Check {folder / DATASET_METADATA} (the id is OWNER/SLUG, 6 to 50 characters).")
    return {"ref": ref, "url": answer.url or f"https://www.kaggle.com/datasets/{ref}",
            "created": existing is None, "files": [blob.name for blob in blobs]}


def wait_for_dataset(ref: str, *, slug: str = "", timeout_s: float = 1800, poll_s: float = 10,
                     tries: int = DEFAULT_TRIES, retry_base_s: float = DEFAULT_RETRY_BASE_S) -> None:
    """Wait until Kaggle has processed dataset ``ref`` (a notebook pushed before that would run
    with the previous version); KaggleError if processing failed or takes over ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = dataset_status(ref, slug=slug, tries=tries, retry_base_s=retry_base_s)
        if status == "ready":
            return
        if status in ("failed", "deleted"):
            raise KaggleError(f"Kaggle could not process dataset {ref} (status {status}); see "
                              f"https://www.kaggle.com/datasets/{ref} and push again.")
        if time.monotonic() + poll_s > deadline:
            raise KaggleError(f"dataset {ref} was still {status or 'not visible'} after {timeout_s:g} s; "
                              f"see https://www.kaggle.com/datasets/{ref} and push again once it is ready.")
        time.sleep(poll_s)


def push_kernel(folder: Path, *, slug: str = "", tries: int = DEFAULT_TRIES,
                retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """Save and run a new version of the notebook in ``folder`` (``kaggle kernels push -p``).

    Reads ``kernel-metadata.json`` and its code file; outputs are dropped and cell sources
    joined, as the client does. ``enable_internet`` defaults to true there, as in the client.
    Returns ``ref`` (OWNER/SLUG), ``version`` (int or None) and ``url``.
    """
    folder = Path(folder)
    meta = _read_metadata(folder / KERNEL_METADATA, "kernel")
    ref = meta.get("id") or ""
    _split_ref(ref, f"the kernel id in {folder / KERNEL_METADATA}")
    code = folder / (meta.get("code_file") or "")
    if not meta.get("code_file") or not code.is_file():
        raise KaggleError(f"{folder / KERNEL_METADATA} names no code file that exists ({code}); run `kit kernel` again")
    text = code.read_text(encoding="utf-8")
    if meta.get("kernel_type") == "notebook":
        notebook = json.loads(text)
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
            if isinstance(cell.get("source"), list):
                cell["source"] = "".join(cell["source"])
        text = json.dumps(notebook)
    with _connect() as conn:
        from kagglesdk.kernels.types.kernels_api_service import ApiSaveKernelRequest

        request = ApiSaveKernelRequest()
        request.slug = ref
        request.new_title = meta.get("title")
        request.text = text
        request.language = meta.get("language") or "python"
        request.kernel_type = meta.get("kernel_type") or "notebook"
        request.is_private = bool(meta.get("is_private", True))
        request.enable_gpu = bool(meta.get("enable_gpu", False))
        request.enable_tpu = bool(meta.get("enable_tpu", False))
        request.enable_internet = bool(meta.get("enable_internet", True))
        request.dataset_data_sources = list(meta.get("dataset_sources") or [])
        request.competition_data_sources = list(meta.get("competition_sources") or [])
        request.kernel_data_sources = list(meta.get("kernel_sources") or [])
        request.model_data_sources = list(meta.get("model_sources") or [])
        answer = _retrying(lambda: conn.client.kernels.kernels_api_client.save_kernel(request), conn=conn,
                           slug=slug, action=f"push the notebook {ref}", tries=tries,
                           retry_base_s=retry_base_s, forbidden=_rules_hint(slug),
                           not_found=f"Check the sources in {folder / KERNEL_METADATA}.")
    invalid = {what: list(getattr(answer, f"invalid_{what}_sources") or [])
               for what in ("dataset", "competition", "kernel")}
    if answer.error or any(invalid.values()):
        problems = "; ".join(f"invalid {what} sources: {', '.join(v)}" for what, v in invalid.items() if v)
        hint = _rules_hint(slug) if invalid["competition"] else ""
        raise KaggleError(f"Kaggle did not accept the notebook {ref}: "
                          f"{'; '.join(x for x in (answer.error, problems) if x)}. {hint}".rstrip())
    return {"ref": ref, "version": int(answer.version_number) if answer.version_number else None,
            "url": answer.url or f"https://www.kaggle.com/code/{ref}"}


def _version_label(version) -> Optional[str]:
    # the API wants "v<N>" and answers 404 for a bare number (what kaggle 2.2.5 does)
    return f"v{int(version)}" if version else None


def kernel_status(ref: str, version=None, *, slug: str = "", tries: int = DEFAULT_TRIES,
                  retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """``status`` ("queued", "running", "complete", "error", "cancel_requested", ..., or
    "not visible yet") and ``failure_message`` of the notebook's run (of ``version``, else the latest)."""
    owner, name = _split_ref(ref, "kernel")
    with _connect() as conn:
        from kagglesdk.kernels.types.kernels_api_service import ApiGetKernelSessionStatusRequest

        request = ApiGetKernelSessionStatusRequest()
        request.user_name, request.kernel_slug = owner, name
        if version:
            request.version_label = _version_label(version)
        try:
            answer = _retrying(lambda: conn.client.kernels.kernels_api_client.get_kernel_session_status(request),
                               conn=conn, slug=slug, action=f"read the status of notebook {ref}", tries=tries,
                               retry_base_s=retry_base_s, not_found_ok=True, forbidden=_rules_hint(slug))
        except _NotFound:  # right after a push
            return {"status": "not visible yet", "failure_message": None}
    return {"status": _enum_name(answer.status), "failure_message": answer.failure_message or None}


def wait_for_kernel(ref: str, version=None, *, slug: str = "", timeout_s: float = 3600, poll_s: float = 10,
                    on_status: Optional[Callable[[str], None]] = None, tries: int = DEFAULT_TRIES,
                    retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """Poll the notebook's run until it is "complete", "error" or cancelled; return kernel_status's
    dict. KaggleError after ``timeout_s`` (the run goes on on Kaggle). ``on_status`` hears each
    change of status."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        state = kernel_status(ref, version, slug=slug, tries=tries, retry_base_s=retry_base_s)
        if state["status"] != last and on_status is not None:
            on_status(state["status"])
        last = state["status"]
        if last in ("complete", "error") or last.startswith("cancel"):
            return state
        if time.monotonic() + poll_s > deadline:
            label = f" version {version}" if version else ""
            raise KaggleError(
                f"notebook {ref}{label} was still {last} after {timeout_s:g} s, so the kit stopped waiting; "
                f"it goes on running on Kaggle: https://www.kaggle.com/code/{ref}. Wait longer with --timeout, "
                f"or, once it is complete, submit it from that page (Submit to competition).")
        time.sleep(poll_s)


def download_kernel_output(ref: str, dest: Path, version=None, *, only: Optional[set] = None, slug: str = "",
                           tries: int = DEFAULT_TRIES,
                           retry_base_s: float = DEFAULT_RETRY_BASE_S) -> tuple[list[Path], str]:
    """Download the output files of the notebook's run (those named in ``only``, if given) into
    ``dest``; return them and its log (the text of its output streams; "" when Kaggle has none)."""
    owner, name = _split_ref(ref, "kernel")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[Path] = []
    log = ""
    common = dict(slug=slug, tries=tries, retry_base_s=retry_base_s)
    with _connect() as conn:
        from kagglesdk.kernels.types.kernels_api_service import ApiListKernelSessionOutputRequest

        token, seen = "", set()
        for _ in range(_KERNEL_OUTPUT_PAGES):
            request = ApiListKernelSessionOutputRequest()
            request.user_name, request.kernel_slug = owner, name
            if version:
                request.version_label = _version_label(version)
            request.page_size = 100
            if token:
                request.page_token = token
            page = _retrying(lambda: conn.client.kernels.kernels_api_client.list_kernel_session_output(request),
                             conn=conn, action=f"list the output of notebook {ref}", forbidden=_rules_hint(slug),
                             not_found=f"Kaggle has no run of {ref}; see https://www.kaggle.com/code/{ref}",
                             **common)
            log = log or page.log or ""
            for item in page.files or []:
                if only is not None and item.file_name not in only:
                    continue
                target = (dest / item.file_name).resolve()
                if not target.is_relative_to(root) or target == root:  # names come from the notebook
                    raise KaggleError(f"the notebook's output names a file outside {dest}: {item.file_name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(target) as tmp:
                    _retrying(lambda: _get_to_file(item.url, tmp), conn=conn,
                              action=f"download {item.file_name} of notebook {ref}", **common)
                written.append(target)
            token = page.next_page_token
            if not token or token in seen:
                break
            seen.add(token)
    return written, _log_text(log)


def submit_code(slug: str, kernel_ref: str, version, *, file_name: str = "submission.csv", message: str = "",
                tries: int = DEFAULT_TRIES, retry_base_s: float = DEFAULT_RETRY_BASE_S) -> dict:
    """Submit the output ``file_name`` of notebook ``kernel_ref`` (``version``) to code competition
    ``slug`` (``kaggle competitions submit -k``): Kaggle runs the notebook again on the hidden
    test data and scores what it writes. Returns ``ref``, ``status`` ("pending") and ``message``."""
    _check_slug(slug)
    owner, name = _split_ref(kernel_ref, "kernel")
    with _connect() as conn:
        from kagglesdk.competitions.types.competition_api_service import ApiCreateCodeSubmissionRequest

        request = ApiCreateCodeSubmissionRequest()
        request.competition_name = slug
        request.kernel_owner, request.kernel_slug = owner, name
        if version:
            request.kernel_version = int(version)
        request.file_name = file_name
        if message:
            request.submission_description = message
        created = _retrying(lambda: conn.client.competitions.competition_api_client.create_code_submission(request),
                            conn=conn, slug=slug, action=f"submit notebook {kernel_ref} to '{slug}'", tries=tries,
                            retry_base_s=retry_base_s, resend_ok=False)
    if not created.ref:
        said = created.message or "(no message)"
        if _DAILY_LIMIT_RE.search(said):
            raise KaggleError(_daily_limit_message(slug, said))
        raise KaggleError(f"Kaggle did not accept notebook {kernel_ref} as a submission to '{slug}': {said}. "
                          f"See https://www.kaggle.com/competitions/{slug}/submissions")
    return {"ref": int(created.ref), "status": "pending", "message": created.message}


@dataclass
class _Blob:
    name: str  # the name Kaggle gets (a folder's archive: "<folder>.zip")
    path: Path


@contextmanager
def _dataset_blobs(folder: Path) -> Iterator[list[_Blob]]:
    """The entries of a dataset folder as uploads: files as they are, folders as zip archives of
    their contents (made in a temporary folder, removed afterwards)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kit-dataset-") as tmp:
        blobs = []
        for entry in sorted(Path(folder).iterdir()):
            if entry.name == DATASET_METADATA or entry.name.startswith("."):
                continue
            if entry.is_dir():
                archive = shutil.make_archive(str(Path(tmp) / entry.name), "zip", str(entry))
                blobs.append(_Blob(f"{entry.name}.zip", Path(archive)))
            elif entry.is_file():
                blobs.append(_Blob(entry.name, entry))
        if not blobs:
            raise KaggleError(f"{folder} holds nothing to upload besides its metadata")
        yield blobs


def _upload_blob(conn: _Connection, blob: _Blob, *, slug: str, tries: int, retry_base_s: float) -> str:
    """Upload one file as a dataset blob (StartBlobUpload, then PUT); return its token."""
    from kagglesdk.blobs.types.blob_api_service import ApiBlobType, ApiStartBlobUploadRequest

    request = ApiStartBlobUploadRequest()
    request.type = ApiBlobType.DATASET
    request.name = blob.name
    request.content_length = blob.path.stat().st_size
    request.last_modified_epoch_seconds = int(blob.path.stat().st_mtime)
    common = dict(conn=conn, slug=slug, tries=tries, retry_base_s=retry_base_s)
    answer = _retrying(lambda: conn.client.blobs.blob_api_client.start_blob_upload(request),
                       action=f"start uploading {blob.name}", **common)
    if not answer.create_url or not answer.token:
        raise KaggleError(f"Kaggle gave no upload URL for {blob.name} (answer: {answer}); try again later.")
    _retrying(lambda: _put_file(answer.create_url, blob.path), action=f"upload {blob.name}", **common)
    return answer.token


def _read_metadata(path: Path, what: str) -> dict:
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KaggleError(f"cannot read the {what} metadata {path}: {exc}; run `kit kernel` again") from None
    if not isinstance(meta, dict):
        raise KaggleError(f"the {what} metadata {path} is not a JSON object; run `kit kernel` again")
    return meta


def _enum_name(value) -> str:
    """A kagglesdk enum as a plain lower-case word: KernelWorkerStatus.COMPLETE -> "complete"."""
    return getattr(value, "name", str(value)).lower()


def _log_text(log: str) -> str:
    """A Kaggle run log is a JSON list of {"stream_name", "time", "data"} records; their text."""
    try:
        records = json.loads(log)
    except (TypeError, ValueError):
        return log or ""
    if not isinstance(records, list):
        return log
    return "".join(str(r.get("data", "")) for r in records if isinstance(r, dict))


# --------------------------------------------------------------------------------------------
# credentials


@dataclass(frozen=True)
class _Credentials:
    kind: str  # "token", "key" or "oauth"
    source: str  # where they came from, for messages
    username: Optional[str] = None
    key: Optional[str] = None
    token: Optional[str] = None
    path: Optional[Path] = None  # the OAuth credentials file


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def _read_token_file(path: Path) -> Optional[str]:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return text or None


def _config_dir() -> Path:
    """The folder kaggle 2.2.5 reads kaggle.json from."""
    configured = os.environ.get("KAGGLE_CONFIG_DIR")
    if configured:
        return Path(configured).expanduser()
    legacy = _home() / ".kaggle"
    if sys.platform.startswith("linux") and not legacy.exists():
        xdg = os.environ.get("XDG_CONFIG_HOME") or str(_home() / ".config")
        return Path(xdg) / "kaggle"
    return legacy


def _warn_if_readable_by_others(path: Path) -> None:
    """The kaggle CLI's warning: an API key that other users of the machine can read."""
    if os.name == "posix" and path.stat().st_mode & 0o077:
        print(f"warning: your Kaggle API key in {path} is readable by other users of this machine; "
              f"run: chmod 600 {path}", file=sys.stderr)


def _find_credentials() -> _Credentials:
    # 1. access tokens (what kagglesdk.kaggle_env.get_access_token_from_env looks at)
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE") and os.environ.get("KAGGLE_DATA_PROXY_URL"):
        path = os.environ.get("KAGGLE_API_V1_TOKEN")
        token = _read_token_file(Path(path)) if path else None
        if token:
            return _Credentials("token", f"the file in KAGGLE_API_V1_TOKEN ({path})", token=token)
    env_token = os.environ.get("KAGGLE_API_TOKEN", "").strip()
    if env_token:
        if Path(env_token).exists():
            token = _read_token_file(Path(env_token))
            if not token:
                raise KaggleError(
                    f"KAGGLE_API_TOKEN names the file {env_token}, which is empty or unreadable. "
                    f"Put the token from {_TOKEN_URL} -> API -> Create New Token in it.")
            return _Credentials("token", f"the file {env_token} (KAGGLE_API_TOKEN)", token=token)
        return _Credentials("token", "the environment variable KAGGLE_API_TOKEN", token=env_token)
    for name in ("access_token", "access_token.txt"):
        path = _home() / ".kaggle" / name
        token = _read_token_file(path)
        if token:
            return _Credentials("token", str(path), token=token)

    # 2. legacy username + key: kaggle.json, overridden field by field by the environment
    config = _config_dir() / "kaggle.json"
    username = key = None
    if config.is_file():
        try:
            values = json.loads(config.read_text() or "{}") or {}
        except (OSError, ValueError) as exc:
            raise KaggleError(
                f"cannot read {config}: {exc}. It should be the kaggle.json downloaded from "
                f'{_TOKEN_URL} -> API -> Create New Token, i.e. {{"username": ..., "key": ...}}.'
            ) from None
        if isinstance(values, dict):
            username, key = values.get("username"), values.get("key")
    env_user, env_key = os.environ.get("KAGGLE_USERNAME"), os.environ.get("KAGGLE_KEY")
    if env_user or env_key:
        source = "the environment variables KAGGLE_USERNAME / KAGGLE_KEY"
    else:
        source = str(config)
    username, key = env_user or username, env_key or key
    if config.is_file() and not (env_user and env_key):
        _warn_if_readable_by_others(config)
    if username and key:
        return _Credentials("key", source, username=str(username), key=str(key))
    if username or key:
        missing = "KAGGLE_KEY (the 'key')" if username else "KAGGLE_USERNAME (the 'username')"
        raise KaggleError(
            f"incomplete Kaggle credentials: {missing} is missing (looked at {config} and the "
            "environment). Set both KAGGLE_USERNAME and KAGGLE_KEY, or download a complete "
            f"kaggle.json from {_TOKEN_URL} -> API -> Create New Token.")

    # 3. OAuth credentials stored by `kaggle auth login`
    oauth = _home() / ".kaggle" / "credentials.json"
    if oauth.is_file():
        try:
            has_refresh = bool(json.loads(oauth.read_text()).get("refresh_token"))
        except (OSError, ValueError, AttributeError):
            has_refresh = False
        if has_refresh:
            return _Credentials("oauth", str(oauth), path=oauth)

    suggested = (Path(os.environ["KAGGLE_CONFIG_DIR"]).expanduser()
                 if os.environ.get("KAGGLE_CONFIG_DIR") else _home() / ".kaggle") / "kaggle.json"
    raise KaggleError(
        "no Kaggle credentials found. Create an API token on "
        f"{_TOKEN_URL} -> API -> Create New Token, then either\n"
        f"  - save the downloaded kaggle.json as {suggested} and run: chmod 600 {suggested}\n"
        "    (KAGGLE_CONFIG_DIR chooses another folder), or\n"
        "  - set the environment variables KAGGLE_USERNAME and KAGGLE_KEY to the 'username' and "
        "'key' in it, or\n"
        "  - for a new-style API token, set KAGGLE_API_TOKEN to it or save it in "
        f"{_home() / '.kaggle' / 'access_token'}.")


# --------------------------------------------------------------------------------------------
# the client


@dataclass
class _Connection:
    client: object  # kagglesdk.KaggleClient
    credentials: _Credentials
    endpoint: str


def _import_kagglesdk():
    try:
        import kagglesdk
        from kagglesdk import KaggleClient, KaggleEnv  # noqa: F401
    except (Exception, SystemExit) as exc:  # an import must never end the program
        raise KaggleError(
            f"cannot import the Kaggle client ({type(exc).__name__}: {exc}). "
            "Install it with: pip install kaggle") from None
    return kagglesdk


def _build_client(credentials: _Credentials, api_token: Optional[str] = None):
    """The one place that builds the Kaggle client and decides where it points."""
    kagglesdk = _import_kagglesdk()
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip().rstrip("/")
    kwargs = {}
    if credentials.kind == "key":
        kwargs.update(username=credentials.username, password=credentials.key)
    token = api_token or credentials.token
    if token:
        kwargs["api_token"] = token
    try:
        env = kagglesdk.KaggleEnv.LOCAL if endpoint else None
        client = kagglesdk.KaggleClient(env=env, **kwargs)
        http = client.http_client()
        if endpoint:
            if not hasattr(http, "_endpoint"):
                raise KaggleError(
                    f"{ENDPOINT_ENV} is set but this kagglesdk version has no endpoint to "
                    "override; unset it or pin kagglesdk 0.1.x")
            http._endpoint = endpoint
        else:
            endpoint = getattr(http, "_endpoint", "Kaggle")
    except KaggleError:
        raise
    except Exception as exc:  # e.g. an unknown KAGGLE_API_ENVIRONMENT
        raise KaggleError(f"cannot set up the Kaggle client: {exc}") from None
    return client, endpoint


def _add_timeouts(client) -> None:
    """kagglesdk sends without a timeout; give its session one so a stuck server cannot hang us."""
    import requests.adapters

    class _TimeoutAdapter(requests.adapters.HTTPAdapter):
        def send(self, request, timeout=None, **kwargs):
            return super().send(request, timeout=timeout or (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                                **kwargs)

    session = getattr(client.http_client(), "_session", None)
    if session is not None:
        session.mount("http://", _TimeoutAdapter())
        session.mount("https://", _TimeoutAdapter())


@contextmanager
def _connect() -> Iterator[_Connection]:
    credentials = _find_credentials()  # before anything is imported
    api_token = None
    if credentials.kind == "oauth":
        api_token = _oauth_access_token(credentials)
    client, endpoint = _build_client(credentials, api_token)
    try:
        client.__enter__()
    except Exception as exc:
        raise KaggleError(f"cannot set up the Kaggle client: {exc}") from None
    try:
        _add_timeouts(client)
        yield _Connection(client, credentials, endpoint)
    finally:
        client.__exit__(None, None, None)


def _oauth_access_token(credentials: _Credentials) -> str:
    import requests

    client, _ = _build_client(_Credentials("none", "nothing"))
    with client:
        _add_timeouts(client)
        from kagglesdk import KaggleCredentials

        try:
            stored = KaggleCredentials.load(client, str(credentials.path))
            token = stored.get_access_token() if stored else None
        except requests.RequestException as exc:
            raise KaggleError(
                f"could not renew the Kaggle login stored in {credentials.path} ({exc}). "
                "Run `kaggle auth login` again, or use an API token from "
                f"{_TOKEN_URL} -> API -> Create New Token.") from None
    if not token:
        raise KaggleError(
            f"the Kaggle login stored in {credentials.path} is unusable. Run `kaggle auth login` "
            f"again, or use an API token from {_TOKEN_URL} -> API -> Create New Token.")
    return token


# --------------------------------------------------------------------------------------------
# transfers


class _IncompleteBody(Exception):
    """The connection ended before the announced number of bytes arrived."""


class _NotFound(Exception):
    pass


def _stream_to_file(response, path: Path) -> None:
    expected = response.headers.get("Content-Length")
    written = 0
    with open(path, "wb") as out:
        for chunk in response.iter_content(_CHUNK):
            out.write(chunk)
            written += len(chunk)
    if expected is not None and expected.isdigit() and written != int(expected):
        raise _IncompleteBody(f"received {written} of {expected} bytes")


def _put_file(url: str, path: Path) -> None:
    """PUT a file's bytes to an upload URL, streamed from disk (dataset archives can be large)."""
    import requests

    with open(path, "rb") as body:
        response = requests.put(url, data=body, headers={"Content-Length": str(Path(path).stat().st_size)},
                                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
    response.close()
    if response.status_code not in (200, 201):
        response.raise_for_status()
        raise requests.HTTPError(f"upload answered HTTP {response.status_code}", response=response)


def _get_to_file(url: str, path: Path) -> None:
    """GET a (signed) URL into ``path``, checking the length; an error page is never kept."""
    import requests

    response = requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
    try:
        response.raise_for_status()
        _stream_to_file(response, path)
    finally:
        response.close()


def _put_bytes(url: str, data: bytes) -> None:
    import requests

    response = requests.put(url, data=data, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
    response.close()
    if response.status_code not in (200, 201):
        response.raise_for_status()
        raise requests.HTTPError(f"upload answered HTTP {response.status_code}", response=response)


# --------------------------------------------------------------------------------------------
# errors and retries


def _http_details(exc) -> tuple[Optional[int], str]:
    """HTTP status and the server's message of a requests.HTTPError."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    message = str(exc)
    if response is not None:
        try:
            body = response.json()
        except Exception:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = body["error"]  # Google's error shape: {"error": {"code": ..., "message": ...}}
        if isinstance(body, dict):
            if isinstance(body.get("code"), int) and body["code"] >= 400:
                status = body["code"]
            if body.get("message"):
                message = str(body["message"])
    return status, message.strip().rstrip(".")[:500]


def _sent_before_failing(exc) -> bool:
    """Whether a transport error may have happened after the request reached the server."""
    import requests
    import urllib3.exceptions as u3

    if isinstance(exc, requests.ConnectTimeout):
        return False
    if not isinstance(exc, requests.ConnectionError):
        return True  # a read timeout or a body cut short: the request was sent
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return not isinstance(reason, (u3.NewConnectionError, u3.ConnectTimeoutError))


def _daily_limit_message(slug: str, said: str) -> str:
    now = datetime.now(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    hours, rest = divmod(int((midnight - now).total_seconds()), 3600)
    return (f"Kaggle refused the submission to '{slug}': your team has reached today's "
            f"submission limit (Kaggle said: {said}). The limit resets at midnight UTC, in about "
            f"{hours} h {rest // 60} min; submit again after that.")


def _fatal_http_error(status: Optional[int], said: str, *, conn: _Connection, slug: str,
                      action: str, not_found: Optional[str] = None,
                      forbidden: Optional[str] = None) -> KaggleError:
    """``not_found`` / ``forbidden``: what a 404 / 403 means for this call, when it is not about
    the competition itself (a dataset or kernel)."""
    if status in (400, 403, 429) and _DAILY_LIMIT_RE.search(said):
        return KaggleError(_daily_limit_message(slug, said))
    if status == 401:
        return KaggleError(
            f"Kaggle rejected the credentials from {conn.credentials.source} (HTTP 401: {said}). "
            "Check the username and key / token there, or create a new token on "
            f"{_TOKEN_URL} -> API -> Create New Token and replace the old one.")
    if status == 403 and forbidden:
        return KaggleError(f"Kaggle refused to {action} (HTTP 403: {said}). {forbidden}")
    if status == 404 and not_found:
        return KaggleError(f"Kaggle refused to {action} (HTTP 404: {said}). {not_found}")
    if status == 403:
        return KaggleError(
            f"Kaggle refused to {action} (HTTP 403: {said}). Most likely you have not accepted "
            f"the competition's rules yet: open https://www.kaggle.com/competitions/{slug}/rules, "
            "accept them on the website (this joins the competition), then run this again.")
    if status == 404:
        return KaggleError(
            f"Kaggle knows no competition '{slug}' (HTTP 404: {said}). Check the slug: it is the "
            "last part of the competition URL, e.g. 'titanic' for "
            "https://www.kaggle.com/competitions/titanic.")
    return KaggleError(f"Kaggle refused to {action} (HTTP {status}: {said}).")


def _retrying(call: Callable[[], T], *, conn: _Connection, slug: str, action: str, tries: int,
              retry_base_s: float, resend_ok: bool = True, not_found_ok: bool = False,
              not_found: Optional[str] = None, forbidden: Optional[str] = None) -> T:
    """Run ``call``, retrying transient failures; turn every failure into a KaggleError."""
    import requests

    tries = max(1, int(tries))
    for attempt in range(1, tries + 1):
        wait = retry_base_s * 2 ** (attempt - 1)
        try:
            return call()
        except requests.HTTPError as exc:
            status, said = _http_details(exc)
            if not_found_ok and status == 404:
                raise _NotFound() from None
            transient = status is not None and (
                status >= 500 or (status == 429 and not _DAILY_LIMIT_RE.search(said)))
            if not transient:
                raise _fatal_http_error(status, said, conn=conn, slug=slug, action=action,
                                        not_found=not_found, forbidden=forbidden) from None
            cause = f"HTTP {status}: {said}"
            hint = "This is a problem on Kaggle's side; try again in a few minutes."
            if status == 429:
                wait = max(wait, _retry_after(exc.response))
                hint = "Kaggle is limiting how fast you may call it; wait a few minutes."
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                _IncompleteBody) as exc:
            if not resend_ok and _sent_before_failing(exc):
                raise KaggleError(
                    f"the connection to {conn.endpoint} dropped while trying to {action} "
                    f"({exc}). Kaggle may have recorded the submission anyway: check "
                    f"https://www.kaggle.com/competitions/{slug}/submissions (or list_submissions)"
                    " before submitting again, since each try counts toward the daily limit."
                ) from None
            cause = f"{type(exc).__name__}: {exc}"
            hint = (f"Check your internet connection (and proxy settings) to {conn.endpoint}, "
                    "then try again.")
        if attempt == tries:
            raise KaggleError(
                f"could not {action} after {tries} tries; last error: {cause}. {hint}") from None
        time.sleep(wait)
    raise AssertionError("unreachable")


def _retry_after(response) -> float:
    try:
        return min(60.0, max(0.0, float(response.headers.get("Retry-After", 0))))
    except (TypeError, ValueError, AttributeError):
        return 0.0


# --------------------------------------------------------------------------------------------
# small helpers


def _check_slug(slug: str) -> None:
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise KaggleError(
            f"{slug!r} is not a competition slug. Use the last part of the competition URL, "
            "e.g. 'titanic' for https://www.kaggle.com/competitions/titanic.")


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
