"""The console the kit prints through (rich; plain, wide text when output is not a terminal)."""

from rich.console import Console


def console() -> Console:
    out = Console(highlight=False)
    # piped output (CI logs, files) gets room for the whole table instead of rich's 80 columns
    return out if out.is_terminal else Console(highlight=False, width=160)
