"""Errors the kit raises for the user to act on.

Every ``KitError`` carries a message that says what was wrong and how to fix it. ``tasks.py``
turns it into ``invoke.Exit`` (non-zero exit, no traceback); anything else is a bug in the kit.
"""


class KitError(Exception):
    """A problem the user can fix; the message says how."""


class DataError(KitError):
    """Missing, malformed or unexpected input data."""


class SubmissionError(KitError):
    """A submission file failed a validation check; ``check`` names which one."""

    def __init__(self, check: str, message: str):
        super().__init__(f"submission check '{check}' failed: {message}")
        self.check = check


class KaggleError(KitError):
    """The Kaggle API refused or failed a request."""


def plain(value):
    """A value as a user reads it in a message: numpy scalars (and lists of them) as Python's
    own, so ``np.float64(0.0)`` shows as ``0.0``."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", None) == 0 else value


def first_few(values, limit: int = 5) -> str:
    """Up to ``limit`` offending items for a message, and how many more there are: '3, 7, 9 and 12 more'."""
    values = [plain(v) for v in values]
    shown = ", ".join(map(str, values[:limit]))
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"
