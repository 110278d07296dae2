"""Names that a user types or a file holds and that become folder names: checked before they
are ever part of a path, so nothing is written outside the project root."""

import re

from .errors import KitError

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")  # Kaggle's slugs: lowercase, digits, hyphens
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def checked_slug(slug) -> str:
    """``slug`` if it can name a competition's folders; else a KitError with a usable suggestion."""
    if isinstance(slug, str) and _SLUG.fullmatch(slug):
        return slug
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", str(slug).lower()).strip("-_")
    hint = f", e.g. --comp={suggestion}" if _SLUG.fullmatch(suggestion) and suggestion != slug else ""
    raise KitError(f"{str(slug)!r} cannot be a competition name: use lowercase letters, digits, '-' and '_' "
                   f"(as Kaggle's URL slugs: kaggle.com/competitions/<slug>){hint}.")


def checked_model(name) -> str:
    """``name`` if it can name a model's folder (letters, digits, '-', '_'); else a KitError."""
    if isinstance(name, str) and _MODEL.fullmatch(name):
        return name
    raise KitError(f"{str(name)!r} cannot be a model name: use letters, digits, '-' and '_', starting with a "
                   f"letter or digit (it names the model's folder under artifacts/).")
