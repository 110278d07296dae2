"""A new competition from its files: read them, infer its spec, write ``competitions/<slug>/``."""

from .infer_spec import infer_competition
from .new_competition import new_competition

__all__ = ["infer_competition", "new_competition"]
