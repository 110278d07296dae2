"""A small Kaggle-compatible HTTP server on 127.0.0.1 for tests of ``common.kaggle``.

It speaks the wire protocol of kagglesdk (the client inside ``kaggle`` 2.2.5): JSON ``POST``s to
``/api/v1/<service>/<Method>`` (competitions, datasets, blobs, kernels), errors as
``{"code": N, "message": ...}``, Basic auth (username + key) or Bearer tokens. Implemented:

- ``DownloadDataFiles``   -> 302 to ``/storage/<slug>.zip?sig=...``, whose GET returns the zip
- ``StartSubmissionUpload`` -> ``{"token", "createUrl"}``; ``PUT createUrl`` stores the bytes
- ``CreateSubmission``    -> ``{"ref", "message"}``; the submission starts PENDING
- ``ListSubmissions``     -> the competition's submissions, newest first, paged
- ``GetSubmission``       -> one submission; every GetSubmission counts as a poll, and a
  submission turns COMPLETE (with ``public_score``) at its ``polls_to_complete``-th poll
- ``StartBlobUpload`` (blobs) -> ``{"token", "createUrl"}``; ``PUT createUrl`` stores the bytes
- ``GetDatasetStatus``, ``CreateDataset``, ``CreateDatasetVersion`` (datasets): ``datasets[ref]``
  keeps every version's files (name -> uploaded bytes), its notes and request; the owner must be
  the user, and ``dataset_status`` is what every status call answers (default READY)
- ``SaveKernel`` (kernels): ``kernels[ref]`` keeps every pushed version (its request: text,
  sources, ``enableInternet``...). A version's run is simulated: ``kernel_runner(kernel_version)``
  runs in a thread of its own and returns a :class:`KernelRun` (COMPLETE with output files and
  a log, or ERROR with a failure message); the status is QUEUED, then RUNNING, and shows the
  run's end from the ``kernel_polls``-th ``GetKernelSessionStatus`` on, once the runner has
  returned (``kernel_polls=None``: never). ``ListKernelSessionOutput`` lists its files (GET
  ``/kernel-output/...`` serves them) and its log
- ``CreateCodeSubmission`` -> a :class:`Submission` holding the named output file of the
  notebook's version, which must have completed and written it

Use::

    with FakeKaggle(competitions={"titanic": make_zip({"train.csv": "..."})}) as server:
        env = server.client_env()   # KIT_KAGGLE_ENDPOINT, KAGGLE_USERNAME, KAGGLE_KEY
        server.fail("500", times=2)  # the next 2 matching requests answer HTTP 500
        ...
        server.submissions[0].data, server.submissions[0].description, server.requests

or the pytest fixture ``fake_kaggle`` (import it into a test module), which also points the
process at the server and away from any real credentials.

The server runs in a daemon thread, answers each connection within ``HANDLER_TIMEOUT_S`` and
shuts itself down after ``max_lifetime_s`` even if nobody stops it.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import urlsplit

import pytest

SERVICE_PREFIX = "/api/v1/competitions.CompetitionApiService/"
API_PREFIX = "/api/v1/"
HANDLER_TIMEOUT_S = 5.0

#: what ``fail(mode)`` can answer; see :meth:`FakeKaggle.fail`
FAILURE_MODES = ("401", "403", "404", "429", "500", "503", "daily_limit", "daily_limit_google", "drop",
                 "truncate")

DAILY_LIMIT_MESSAGE = ("Submission not allowed:  Your team has used its daily Submission allowance "
                       "(5) today, please try again tomorrow UTC (7.2 hours from now).")


def make_zip(files: dict[str, str | bytes]) -> bytes:
    """Zip bytes holding ``files`` (name -> text or bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@dataclass
class KernelRun:
    """How a simulated notebook run ends: "COMPLETE" with ``files`` (name -> bytes) and a log
    (Kaggle's JSON list of stream records, or any text), or "ERROR" with ``failure_message``."""

    status: str = "COMPLETE"
    files: dict = field(default_factory=dict)
    log: str = ""
    failure_message: Optional[str] = None


@dataclass
class KernelVersion:
    """One pushed version of a notebook, as the server recorded it."""

    ref: str  # owner/slug
    number: int
    request: dict  # the SaveKernel body as sent (text, enableInternet, datasetDataSources, ...)
    datasets: dict  # dataset ref -> its version number when this version was pushed
    polls: int = 0
    status: str = "QUEUED"
    run: Optional[KernelRun] = None


@dataclass
class Failure:
    """One configured failure: answer ``mode`` to the next ``times`` requests to ``on``."""

    mode: str
    times: Optional[int]  # None: every matching request, forever
    on: Optional[str]  # an RPC name ("DownloadDataFiles"), "storage" (the zip GET), "upload"
    # (the PUT) or None: any request (for "truncate": the zip GET; "daily_limit": CreateSubmission)
    used: int = 0


@dataclass
class Submission:
    """A submission as the server recorded it."""

    ref: int
    competition: str
    file_name: str
    data: bytes  # exactly the uploaded bytes
    description: Optional[str]  # the submission message
    date: datetime
    polls_to_complete: int
    public_score: Optional[float]
    scoring_error: Optional[str]
    polls: int = 0
    status: str = "PENDING"  # PENDING, COMPLETE or ERROR
    kernel: Optional[tuple] = None  # a code submission's (notebook ref, version)

    def to_json(self) -> dict:
        body = {
            "ref": self.ref,
            "date": self.date.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "fileName": self.file_name,
            "status": self.status,
            "totalBytes": len(self.data),
            "submittedBy": "tester",
            "teamName": "tester",
        }
        if self.description:
            body["description"] = self.description
        if self.status == "COMPLETE" and self.public_score is not None:
            body["publicScore"] = repr(float(self.public_score))
        if self.status == "ERROR":
            body["errorDescription"] = self.scoring_error
        return body


@dataclass
class Request:
    """One request the server received (after parsing)."""

    method: str
    path: str  # without the query string
    endpoint: str  # the RPC name, "storage", "upload" or the raw path
    body: object  # parsed JSON for RPCs, bytes for uploads, None otherwise
    authorization: Optional[str]


class FakeKaggle:
    """Configuration, state and records of one local server; start it with ``with`` or ``start()``.

    Every attribute may be changed while the server runs (requests read them under a lock).
    """

    def __init__(self, competitions: Optional[dict[str, bytes]] = None, *,
                 username: str = "kit-tester", key: str = "0123456789abcdef",
                 tokens: tuple[str, ...] = (), polls_to_complete: int = 2,
                 public_score: Optional[float] = 0.765, scoring_error: Optional[str] = None,
                 page_size: int = 20, max_lifetime_s: float = 120.0, kernel_polls: Optional[int] = 2):
        self.competitions: dict[str, bytes] = dict(competitions or {})
        self.metrics: dict[str, str] = {}  # slug -> Kaggle's name of its evaluation metric
        self.username = username
        self.key = key
        self.tokens = set(tokens)  # accepted Bearer tokens
        self.polls_to_complete = polls_to_complete
        self.public_score = public_score
        self.scoring_error = scoring_error  # if set, scoring ends in ERROR with this text
        self.page_size = page_size
        self.max_lifetime_s = max_lifetime_s
        self.failures: list[Failure] = []
        self.requests: list[Request] = []
        self.submissions: list[Submission] = []
        self.uploads: dict[str, bytes] = {}  # upload token -> bytes PUT there
        # dataset ref -> its versions, oldest first: {"files": {name: bytes}, "notes", "request"}
        self.datasets: dict[str, list[dict]] = {}
        self.dataset_status = "READY"  # what GetDatasetStatus answers for a dataset that exists
        self.kernels: dict[str, list[KernelVersion]] = {}  # kernel ref -> pushed versions
        self.kernel_polls = kernel_polls  # status polls until a run ends; None: it never ends
        self.kernel_runner = lambda version: KernelRun(
            "ERROR", failure_message="no kernel_runner set in the test")
        self._pending_uploads: dict[str, dict] = {}  # token -> StartSubmissionUpload body
        self._next_ref = 40_000_001
        self._lock = threading.RLock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._timer: Optional[threading.Timer] = None

    # ---- life cycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeKaggle":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-kaggle", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.cancel()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeKaggle":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- configuration --------------------------------------------------------------------
    def client_env(self) -> dict[str, str]:
        """Environment variables that point common.kaggle at this server as a valid user."""
        return {"KIT_KAGGLE_ENDPOINT": self.url, "KAGGLE_USERNAME": self.username,
                "KAGGLE_KEY": self.key}

    def fail(self, mode: str, times: Optional[int] = None, on: Optional[str] = None) -> Failure:
        """Answer the next ``times`` matching requests (all, if None) with failure ``mode``.

        Modes: "401", "403", "404", "429", "500", "503" (a JSON error with that code; 403 says the
        rules are not accepted), "daily_limit" (HTTP 400 with Kaggle's daily-allowance message;
        "daily_limit_google": HTTP 429, the same message in Google's {"error": {...}} shape;
        by default only on CreateSubmission and CreateCodeSubmission), "drop" (read the request, close the socket without
        an answer), "truncate" (the zip GET announces the full Content-Length but sends half and
        closes; only on "storage"). ``on`` limits it to one endpoint: an RPC name such as
        "DownloadDataFiles" or "CreateSubmission", "storage" (zip GET) or "upload" (the PUT).
        Several failures may be queued; the first that matches and is not used up answers.
        """
        if mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; choose from {FAILURE_MODES}")
        failure = Failure(mode, times, on)
        with self._lock:
            self.failures.append(failure)
        return failure

    def _start_run(self, version: KernelVersion) -> None:
        """Simulate the notebook's run on Kaggle in a thread of its own (it may take long)."""
        def work():
            try:
                run = self.kernel_runner(version)
            except Exception as exc:  # a broken runner is a failed run, not a hung test
                run = KernelRun("ERROR", failure_message=f"the simulated run raised {exc!r}")
            with self._lock:
                version.run = run

        threading.Thread(target=work, name=f"fake-kernel-{version.ref}-{version.number}", daemon=True).start()

    def clear_failures(self) -> None:
        with self._lock:
            self.failures.clear()

    # ---- records --------------------------------------------------------------------------
    def calls(self, endpoint: str) -> list[Request]:
        """The requests received for one endpoint (RPC name, "storage" or "upload")."""
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    # ---- internals used by the handler ----------------------------------------------------
    def _take_failure(self, endpoint: str) -> Optional[str]:
        submits = ("CreateSubmission", "CreateCodeSubmission")
        defaults = {"truncate": ("storage",), "daily_limit": submits, "daily_limit_google": submits}
        with self._lock:
            for failure in self.failures:
                targets = (failure.on,) if failure.on else defaults.get(failure.mode)
                if targets is not None and endpoint not in targets:
                    continue
                if failure.times is not None and failure.used >= failure.times:
                    continue
                failure.used += 1
                return failure.mode
        return None

    def _authorized(self, header: Optional[str]) -> bool:
        if not header:
            return False
        kind, _, value = header.partition(" ")
        if kind == "Bearer":
            return value in self.tokens
        if kind == "Basic":
            try:
                user, _, key = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return (user, key) == (self.username, self.key)
        return False


def _endpoint_of(path: str) -> str:
    if path.startswith(API_PREFIX) and path.count("/") == 4:  # /api/v1/<service>/<Method>
        return path.rsplit("/", 1)[-1]
    if path.startswith("/storage/"):
        return "storage"
    if path.startswith("/upload/"):
        return "upload"
    if path.startswith("/kernel-output/"):
        return "kernel-output"
    return path


class _Handler(BaseHTTPRequestHandler):
    fake: FakeKaggle  # set on the subclass made by FakeKaggle.start
    protocol_version = "HTTP/1.1"
    timeout = HANDLER_TIMEOUT_S
    server_version = "FakeKaggle/1.0"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    # ---- plumbing -------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: Optional[dict] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj).encode())

    def _error(self, code: int, message: str) -> None:
        self._json(code, {"code": code, "message": message})

    def _drop(self) -> None:
        self.close_connection = True  # no answer at all; the socket is closed after return

    def _fail(self, mode: str, endpoint: str) -> None:
        if mode == "drop":
            return self._drop()
        if mode == "daily_limit":
            return self._error(400, DAILY_LIMIT_MESSAGE)
        if mode == "daily_limit_google":  # the same answer in Google's error shape
            return self._json(429, {"error": {"code": 429, "message": DAILY_LIMIT_MESSAGE,
                                              "status": "RESOURCE_EXHAUSTED"}})
        if mode == "403":
            return self._error(403, "You must accept this competition's rules before you can "
                                    "download files or make submissions.")
        if mode == "401":
            return self._error(401, "Unauthenticated")
        if mode == "404":
            return self._error(404, "NotFound")
        if mode == "truncate":
            slug = self.path.split("?")[0].rsplit("/", 1)[-1].removesuffix(".zip")
            data = self.fake.competitions.get(slug, b"x" * 100)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        code = int(mode)  # 429, 500, 503
        messages = {429: "Too Many Requests", 500: "Internal Server Error",
                    503: "Service Unavailable"}
        return self._error(code, messages.get(code, "error"))

    def _handle(self) -> None:
        fake = self.fake
        path = urlsplit(self.path).path
        endpoint = _endpoint_of(path)
        raw = self._read_body() if self.command in ("POST", "PUT") else b""
        body: object = raw if endpoint == "upload" else None
        if self.command == "POST" and raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        with fake._lock:
            fake.requests.append(Request(self.command, path, endpoint, body,
                                         self.headers.get("Authorization")))
        mode = fake._take_failure(endpoint)
        if mode is not None:
            return self._fail(mode, endpoint)

        if endpoint == "storage":
            return self._storage(path)
        if endpoint == "upload":
            return self._upload(path, raw)
        if endpoint == "kernel-output":
            return self._kernel_output(path)
        if not path.startswith(API_PREFIX) or self.command != "POST":
            return self._error(404, f"no such endpoint: {self.command} {path}")
        if not isinstance(body, dict):
            return self._error(400, "the request body must be a JSON object")
        if not fake._authorized(self.headers.get("Authorization")):
            return self._error(401, "Unauthenticated")
        handler = getattr(self, f"_rpc_{endpoint}", None)
        if handler is None:
            return self._error(404, f"unknown method {endpoint}")
        return handler(body)

    do_GET = do_POST = do_PUT = _handle

    def _competition(self, body: dict) -> Optional[str]:
        slug = body.get("competitionName")
        if not slug:
            self._error(400, "competitionName is required")
            return None
        if slug not in self.fake.competitions:
            self._error(404, "NotFound")
            return None
        return slug

    # ---- blobs ----------------------------------------------------------------------------
    def _storage(self, path: str) -> None:
        slug = path.rsplit("/", 1)[-1].removesuffix(".zip")
        data = self.fake.competitions.get(slug)
        if data is None or self.command != "GET":
            return self._send(404, b"<Error>NoSuchKey</Error>", "application/xml")
        return self._send(200, data, "application/zip",
                          {"Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})

    def _upload(self, path: str, raw: bytes) -> None:
        token = path.rsplit("/", 1)[-1]
        fake = self.fake
        with fake._lock:
            started = fake._pending_uploads.get(token)
            if self.command != "PUT" or started is None:
                return self._send(404, b"<Error>NoSuchUpload</Error>", "application/xml")
            expected = started.get("contentLength")
            if expected is not None and int(expected) != len(raw):
                return self._send(400, b"<Error>IncompleteBody</Error>", "application/xml")
            fake.uploads[token] = raw
        return self._send(200, b"")

    # ---- RPCs -----------------------------------------------------------------------------
    def _rpc_DownloadDataFiles(self, body: dict) -> None:
        slug = self._competition(body)
        if slug is None:
            return None
        location = f"{self.fake.url}/storage/{slug}.zip?sig={secrets.token_hex(8)}"
        return self._send(302, b"", "text/plain", {"Location": location})

    def _rpc_StartSubmissionUpload(self, body: dict) -> None:
        slug = self._competition(body)
        if slug is None:
            return None
        if not body.get("fileName"):
            return self._error(400, "fileName is required")
        token = secrets.token_hex(12)
        with self.fake._lock:
            self.fake._pending_uploads[token] = body
        return self._json(200, {"token": token, "createUrl": f"{self.fake.url}/upload/{token}"})

    def _rpc_CreateSubmission(self, body: dict) -> None:
        slug = self._competition(body)
        if slug is None:
            return None
        fake = self.fake
        token = body.get("blobFileTokens")
        with fake._lock:
            started = fake._pending_uploads.get(token or "")
            if started is None or token not in fake.uploads:
                return self._error(400, "blobFileTokens does not name a completed upload")
            if started.get("competitionName") != slug:
                return self._error(400, "the upload was started for another competition")
            submission = Submission(
                ref=fake._next_ref, competition=slug, file_name=started["fileName"],
                data=fake.uploads[token], description=body.get("submissionDescription"),
                date=datetime.now(timezone.utc).replace(tzinfo=None),
                polls_to_complete=fake.polls_to_complete, public_score=fake.public_score,
                scoring_error=fake.scoring_error)
            fake._next_ref += 1
            fake.submissions.append(submission)
        return self._json(200, {"ref": submission.ref,
                                "message": "Successfully submitted to the competition"})

    def _rpc_ListCompetitions(self, body: dict) -> None:
        search = body.get("search") or ""
        rows = [{"ref": f"https://www.kaggle.com/competitions/{slug}", "title": slug,
                 "evaluationMetric": self.fake.metrics.get(slug, "")}
                for slug in self.fake.competitions if search in slug]
        return self._json(200, {"competitions": rows})

    def _rpc_ListSubmissions(self, body: dict) -> None:
        slug = self._competition(body)
        if slug is None:
            return None
        fake = self.fake
        with fake._lock:
            rows = [s.to_json() for s in reversed(fake.submissions) if s.competition == slug]
        size = min(int(body.get("pageSize") or fake.page_size), fake.page_size)
        start = int(body.get("pageToken") or 0)
        page = rows[start:start + size]
        next_token = str(start + size) if start + size < len(rows) else ""
        return self._json(200, {"submissions": page, "nextPageToken": next_token})

    def _rpc_GetSubmission(self, body: dict) -> None:
        ref = body.get("ref")
        fake = self.fake
        with fake._lock:
            submission = next((s for s in fake.submissions if s.ref == ref), None)
            if submission is None:
                return self._error(404, "NotFound")
            submission.polls += 1
            if submission.status == "PENDING" and submission.polls >= submission.polls_to_complete:
                submission.status = "ERROR" if submission.scoring_error else "COMPLETE"
            answer = submission.to_json()
        return self._json(200, answer)


    # ---- datasets -------------------------------------------------------------------------
    def _rpc_StartBlobUpload(self, body: dict) -> None:
        if body.get("type") != "DATASET" or not body.get("name"):
            return self._error(400, "type DATASET and a name are required")
        token = secrets.token_hex(12)
        with self.fake._lock:
            self.fake._pending_uploads[token] = body
        return self._json(200, {"token": token, "createUrl": f"{self.fake.url}/upload/{token}"})

    def _dataset_ref(self, owner, slug) -> Optional[str]:
        if not owner or not slug:
            self._error(400, "ownerSlug and the dataset slug are required")
            return None
        return f"{owner}/{slug}"

    def _uploaded_files(self, files) -> Optional[dict]:
        """name -> bytes of the blob tokens in ``files``; None (answered 400) if one is unknown."""
        fake, out = self.fake, {}
        with fake._lock:
            for item in files or []:
                token = (item or {}).get("token", "")
                if token not in fake.uploads or fake._pending_uploads.get(token, {}).get("type") != "DATASET":
                    self._error(400, f"file token {token!r} names no completed blob upload")
                    return None
                out[fake._pending_uploads[token]["name"]] = fake.uploads[token]
        if not out:
            self._error(400, "a dataset needs at least one file")
            return None
        return out

    def _rpc_GetDatasetStatus(self, body: dict) -> None:
        ref = self._dataset_ref(body.get("ownerSlug"), body.get("datasetSlug"))
        if ref is None:
            return None
        if ref not in self.fake.datasets:
            return self._error(404, "Dataset not found")
        return self._json(200, {"status": self.fake.dataset_status})

    def _rpc_CreateDataset(self, body: dict) -> None:
        ref = self._dataset_ref(body.get("ownerSlug"), body.get("slug"))
        if ref is None:
            return None
        if body["ownerSlug"] != self.fake.username:
            return self._error(403, "Permission 'datasets.create' was denied")
        if ref in self.fake.datasets:
            return self._json(200, {"status": "error", "error": f'The requested slug "{body["slug"]}" is '
                                                                "already in use by a dataset."})
        files = self._uploaded_files(body.get("files"))
        if files is None:
            return None
        with self.fake._lock:
            self.fake.datasets[ref] = [{"files": files, "notes": None, "request": body}]
        return self._json(200, {"ref": ref, "url": f"https://www.kaggle.com/datasets/{ref}", "status": "ok"})

    def _rpc_CreateDatasetVersion(self, body: dict) -> None:
        ref = self._dataset_ref(body.get("ownerSlug"), body.get("datasetSlug"))
        if ref is None:
            return None
        if ref not in self.fake.datasets:
            return self._error(404, "Dataset not found")
        if body["ownerSlug"] != self.fake.username:
            return self._error(403, "Permission 'datasets.update' was denied")
        version_body = body.get("body") or {}
        files = self._uploaded_files(version_body.get("files"))
        if files is None:
            return None
        with self.fake._lock:
            self.fake.datasets[ref].append({"files": files, "notes": version_body.get("versionNotes"),
                                            "request": body})
        return self._json(200, {"ref": ref, "url": f"https://www.kaggle.com/datasets/{ref}", "status": "ok"})

    # ---- kernels --------------------------------------------------------------------------
    def _rpc_SaveKernel(self, body: dict) -> None:
        fake = self.fake
        ref = body.get("slug") or ""
        owner, _, slug = ref.partition("/")
        if not owner or not slug or not body.get("text"):
            return self._error(400, "slug (owner/name) and text are required")
        if owner != fake.username:
            return self._error(403, "Permission 'kernels.create' was denied")
        unknown = {"invalidDatasetSources": [d for d in body.get("datasetDataSources") or []
                                             if d not in fake.datasets],
                   "invalidCompetitionSources": [c for c in body.get("competitionDataSources") or []
                                                 if c not in fake.competitions]}
        if any(unknown.values()):
            return self._json(200, {k: v for k, v in unknown.items() if v})
        with fake._lock:
            versions = fake.kernels.setdefault(ref, [])
            version = KernelVersion(ref, len(versions) + 1, body,
                                    {d: len(fake.datasets[d]) for d in body.get("datasetDataSources") or []})
            versions.append(version)
        fake._start_run(version)
        return self._json(200, {"ref": f"/code/{ref}", "url": f"https://www.kaggle.com/code/{ref}",
                                "versionNumber": version.number})

    def _kernel_version(self, body: dict) -> Optional[KernelVersion]:
        ref = f"{body.get('userName')}/{body.get('kernelSlug')}"
        versions = self.fake.kernels.get(ref)
        if not versions:
            self._error(404, "Kernel not found")
            return None
        label = body.get("versionLabel")
        if not label:
            return versions[-1]
        if not label.startswith("v") or not label[1:].isdigit() or not 1 <= int(label[1:]) <= len(versions):
            self._error(404, f"no version {label}")  # the real API answers 404 for a bare number too
            return None
        return versions[int(label[1:]) - 1]

    def _rpc_GetKernelSessionStatus(self, body: dict) -> None:
        fake = self.fake
        with fake._lock:
            version = self._kernel_version(body)
            if version is None:
                return None
            version.polls += 1
            if version.run is not None and fake.kernel_polls is not None and version.polls >= fake.kernel_polls:
                version.status = version.run.status
            elif version.polls > 1:
                version.status = "RUNNING"
            answer = {"status": version.status}
            if version.status == "ERROR" and version.run.failure_message:
                answer["failureMessage"] = version.run.failure_message
        return self._json(200, answer)

    def _rpc_ListKernelSessionOutput(self, body: dict) -> None:
        with self.fake._lock:
            version = self._kernel_version(body)
            if version is None:
                return None
            run = version.run if version.status in ("COMPLETE", "ERROR") else KernelRun(status=version.status)
            files = [{"fileName": name, "url": f"{self.fake.url}/kernel-output/{version.ref}/{version.number}/{name}"}
                     for name in sorted(run.files)]
        return self._json(200, {"files": files, "log": run.log})

    def _kernel_output(self, path: str) -> None:
        parts = path[len("/kernel-output/"):].split("/", 3)  # owner, slug, version, file name
        with self.fake._lock:
            versions = self.fake.kernels.get("/".join(parts[:2]), []) if len(parts) == 4 else []
            number = int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else 0
            version = versions[number - 1] if 0 < number <= len(versions) else None
            ended = version is not None and version.status in ("COMPLETE", "ERROR")
            data = version.run.files.get(parts[3]) if ended else None
        if data is None or self.command != "GET":
            return self._send(404, b"<Error>NoSuchKey</Error>", "application/xml")
        return self._send(200, data, "application/octet-stream")

    def _rpc_CreateCodeSubmission(self, body: dict) -> None:
        slug = self._competition(body)
        if slug is None:
            return None
        fake = self.fake
        with fake._lock:
            versions = fake.kernels.get(f"{body.get('kernelOwner')}/{body.get('kernelSlug')}") or []
            number = body.get("kernelVersion") or len(versions)
            version = versions[number - 1] if 0 < number <= len(versions) else None
            if version is None:
                return self._error(404, "Kernel not found")
            if slug not in (version.request.get("competitionDataSources") or []):
                return self._error(400, f"the notebook does not use the data of {slug}")
            data = version.run.files.get(body.get("fileName") or "") if version.run else None
            if version.status != "COMPLETE" or data is None:
                return self._json(200, {"message": f"Submission not allowed: the notebook version did not "
                                                   f"complete with an output file {body.get('fileName')}"})
            submission = Submission(
                ref=fake._next_ref, competition=slug, file_name=body["fileName"], data=data,
                description=body.get("submissionDescription"),
                date=datetime.now(timezone.utc).replace(tzinfo=None),
                polls_to_complete=fake.polls_to_complete, public_score=fake.public_score,
                scoring_error=fake.scoring_error, kernel=(version.ref, version.number))
            fake._next_ref += 1
            fake.submissions.append(submission)
        return self._json(200, {"ref": submission.ref, "message": "Your submission was successfully saved"})


@pytest.fixture
def fake_kaggle(monkeypatch, tmp_path):
    """A running FakeKaggle (no competitions yet) that ``common.kaggle`` talks to.

    Removes every KAGGLE_* variable and XDG_CONFIG_HOME, points HOME at an empty folder (so no
    real kaggle.json or token is ever read), then sets ``server.client_env()``. Add data with
    ``fake_kaggle.competitions["titanic"] = make_zip({...})``.
    """
    with FakeKaggle() as server:
        point_client_at(server, monkeypatch, tmp_path / "fake-kaggle-home")
        yield server


def point_client_at(server: FakeKaggle, monkeypatch, home) -> None:
    """Remove every KAGGLE_* variable and XDG_CONFIG_HOME, point HOME at the empty folder
    ``home``, then set ``server.client_env()``."""
    home.mkdir()
    for name in list(os.environ):
        if name.startswith("KAGGLE_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    for name, value in server.client_env().items():
        monkeypatch.setenv(name, value)
