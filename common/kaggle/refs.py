"""Checking what the kit names on Kaggle: competition slugs, OWNER/SLUG refs and their metadata files.

Also the plain word of a kagglesdk status enum; nothing here talks to Kaggle.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..core.errors import KaggleError

_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _check_slug(slug: str) -> None:
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise KaggleError(
            f"{slug!r} is not a competition slug. Use the last part of the competition URL, "
            "e.g. 'titanic' for https://www.kaggle.com/competitions/titanic.")


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
