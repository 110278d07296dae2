"""Kaggle notebooks and code submissions (``kit kernel --push``; each mirrors a ``kaggle`` command).

- ``push_kernel(folder)`` -> ``kernels push`` (SaveKernel); ``kernel_status(ref, version)`` /
  ``wait_for_kernel(...)`` -> GetKernelSessionStatus; ``download_kernel_output(ref, dest, version)``
  -> ``kernels output`` (ListKernelSessionOutput, then a GET per file) and the run's log
- ``submit_code(slug, kernel_ref, version, file_name=..., message=...)`` ->
  ``competitions submit -k`` (CreateCodeSubmission; never resent after the request went out)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Optional

from ..core.errors import KaggleError
from ..core.fileio import atomic_path
from .refs import _check_slug, _enum_name, _read_metadata, _rules_hint, _split_ref
from .transport import (
    _DAILY_LIMIT_RE,
    DEFAULT_RETRY_BASE_S,
    DEFAULT_TRIES,
    _connect,
    _daily_limit_message,
    _get_to_file,
    _NotFound,
    _retrying,
)

KERNEL_METADATA = "kernel-metadata.json"
_KERNEL_OUTPUT_PAGES = 20


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


def _log_text(log: str) -> str:
    """A Kaggle run log is a JSON list of {"stream_name", "time", "data"} records; their text."""
    try:
        records = json.loads(log)
    except (TypeError, ValueError):
        return log or ""
    if not isinstance(records, list):
        return log
    return "".join(str(r.get("data", "")) for r in records if isinstance(r, dict))
