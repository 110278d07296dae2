"""Datasets for code competitions (what ``kit kernel --push`` uploads the models in).

- ``upload_dataset(folder, version_notes=...)`` -> ``datasets create`` or, when the dataset
  exists, ``datasets version``, both ``--dir-mode zip`` (StartBlobUpload + PUT per file, every
  folder as one zip archive, files as they are; then CreateDataset / CreateDatasetVersion)
- ``dataset_status(ref)`` / ``wait_for_dataset(ref)`` -> GetDatasetStatus until "ready"
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from ..core.errors import KaggleError
from .refs import _enum_name, _read_metadata, _rules_hint, _split_ref
from .transport import DEFAULT_RETRY_BASE_S, DEFAULT_TRIES, _connect, _Connection, _NotFound, _put_file, _retrying

DATASET_METADATA = "dataset-metadata.json"


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


# --------------------------------------------------------------------------------------------
# uploads


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
