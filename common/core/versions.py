"""Which code and which packages made a result: the git commit and the installed versions."""

import platform
import subprocess
from importlib import metadata

from .config import PROJECT_ROOT

PACKAGES = ("numpy", "pandas", "scikit-learn", "lightgbm", "keras", "tensorflow", "tensorflow-cpu", "torch",
            "sentence-transformers")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() + ("+uncommitted changes" if dirty else "")) if out.returncode == 0 else None


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions
