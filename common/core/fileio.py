"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

import errno
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_path(target: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only if the block succeeds.

    With ``overwrite=False`` an existing ``target`` is never replaced: ``FileExistsError``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if target exists, unlike rename
    finally:
        tmp.unlink(missing_ok=True)


def write_text(target: Path, text: str, *, overwrite: bool = True) -> Path:
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_json(target: Path, data, *, overwrite: bool = True) -> Path:
    return write_text(target, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n",
                      overwrite=overwrite)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save_npy(target: Path, array) -> Path:
    import numpy as np

    with atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, array)
    return Path(target)


def os_error_message(exc: OSError) -> str:
    """What a failed read or write means for the user, naming the path and the fix."""
    path = exc.filename or "a file"
    if isinstance(exc, (FileExistsError, NotADirectoryError)) or exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return (f"cannot create {path}: a file stands where the kit needs a folder (or the name is taken); "
                f"move or delete that file and run the task again.")
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cannot write {path}: permission denied (or a read-only file system). Make the folder "
                f"writable (chmod u+w), or work in another project folder (INVOKE_KIT_ROOT=/writable/dir).")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        path = exc.filename2 or path  # a copy (shutil) names its source first and the file it writes second
        return (f"no space left on the disk while writing {path}; nothing half-written was kept. Free some "
                f"space (old runs in artifacts/*/.history/ can go) and run the task again.")
    return f"could not read or write {path}: {exc.strerror or exc}."
