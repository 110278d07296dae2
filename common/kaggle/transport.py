"""Talking HTTP to Kaggle: the kagglesdk client and where it points, blob/file transfers, errors and retries.

Every failure leaves here as a :class:`common.core.errors.KaggleError` whose message says what
went wrong and what to do.

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
    ``import common.kaggle`` costs nothing.

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

import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

from ..core.errors import KaggleError
from .credentials import _TOKEN_URL, _Credentials, _find_credentials

ENDPOINT_ENV = "KIT_KAGGLE_ENDPOINT"
DEFAULT_TRIES = 4
DEFAULT_RETRY_BASE_S = 2.0
CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 120.0
_CHUNK = 1 << 20
_DAILY_LIMIT_RE = re.compile(
    r"daily|allowance|submissions? limit|limit of \d+ submissions|max(imum)? (number of )?submissions"
    r"|too many submissions",
    re.IGNORECASE,
)

T = TypeVar("T")


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
