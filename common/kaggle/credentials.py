"""Finding the Kaggle credentials: an access token, a kaggle.json / environment API key, or an OAuth login.

Looked for before anything is imported, in the order kaggle 2.2.5 uses:
an access token (``KAGGLE_API_TOKEN``, holding the token or the path of a file with it;
``~/.kaggle/access_token``; ``~/.kaggle/access_token.txt``; inside a Kaggle notebook the file
named by ``KAGGLE_API_V1_TOKEN``), then a legacy API key (``kaggle.json`` in
``KAGGLE_CONFIG_DIR``, else ``~/.kaggle/``, else ``$XDG_CONFIG_HOME/kaggle``, with
``KAGGLE_USERNAME`` / ``KAGGLE_KEY`` overriding the file's values), then the OAuth
credentials that ``kaggle auth login`` stores in ``~/.kaggle/credentials.json``.
A kaggle.json that is there but is not a JSON object with a non-empty 'username' and 'key' (those
the environment does not give) stops us with what is wrong with it, never as "not found".
With none of them we stop with a message that says how to create one, without a network call.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..core.errors import KaggleError

_TOKEN_URL = "https://www.kaggle.com/settings"


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


_KAGGLE_JSON_FIX = ('It should hold one JSON object, {"username": "...", "key": "..."}: the kaggle.json '
                    f"downloaded from {_TOKEN_URL} -> API -> Create New Token (download a new one there "
                    "and put it in place of this file).")


def _json_kind(value) -> str:
    """What a parsed JSON value is, for a message that must not show the value itself."""
    if value is None:
        return "JSON null"
    kinds = ((bool, "a JSON boolean"), ((int, float), "a JSON number"), (str, "a JSON string"),
             (list, "a JSON list"), (dict, "a JSON object"))
    return next(kind for types, kind in kinds if isinstance(value, types))


def _bad_kaggle_json(path: Path, problem: str) -> KaggleError:
    return KaggleError(f"the Kaggle API key file {path} {problem}. {_KAGGLE_JSON_FIX}")


def _read_kaggle_json(path: Path, need: list[str]) -> tuple[Optional[str], Optional[str]]:
    """The 'username' and 'key' in kaggle.json, checked: a file that is there but unreadable, not a
    JSON object, or lacking a field in ``need`` (those the environment does not give) is an error
    that says what is wrong with it, never a silent "no credentials found". Messages never show
    the file's text or values (the key is a secret)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _bad_kaggle_json(path, f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise _bad_kaggle_json(path, f"is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise _bad_kaggle_json(path, "is empty")
    try:
        values = json.loads(text)
    except ValueError as exc:
        where = (f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
                 if isinstance(exc, json.JSONDecodeError) else type(exc).__name__)
        raise _bad_kaggle_json(path, f"is not valid JSON: {where}") from None
    if not isinstance(values, dict):
        raise _bad_kaggle_json(path, f"holds {_json_kind(values)}, not an object")
    env = {"username": "KAGGLE_USERNAME", "key": "KAGGLE_KEY"}
    problems, unset = [], []
    for name in need:  # a field the environment gives instead is not the file's to hold
        value = values.get(name)
        if name not in values:
            problems.append(f"has no '{name}'")
        elif not isinstance(value, str):
            problems.append(f"has a '{name}' that is {_json_kind(value)}, not a string")
        elif not value.strip():
            problems.append(f"has an empty '{name}'")
        else:
            continue
        unset.append(env[name])
    if problems:
        raise _bad_kaggle_json(path, f"{' and '.join(problems)} (and {' and '.join(unset)} "
                                     f"{'is' if len(unset) == 1 else 'are'} not set)")
    return tuple(v if isinstance(v, str) and v.strip() else None
                 for v in (values.get("username"), values.get("key")))


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
    #    (like kaggle 2.2.5, the file is read only when the environment lacks one of the two)
    config = _config_dir() / "kaggle.json"
    env_user, env_key = os.environ.get("KAGGLE_USERNAME"), os.environ.get("KAGGLE_KEY")
    username = key = None
    if config.is_file() and not (env_user and env_key):
        username, key = _read_kaggle_json(config, need=[name for name, env in
                                                        (("username", env_user), ("key", env_key))
                                                        if not env])
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
