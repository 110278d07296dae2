"""Handing freed memory back to the operating system between the big steps of a run.

Reading a large Parquet file leaves Arrow's allocator holding the buffers the conversion to
pandas used, and glibc keeps freed heap pages of many small objects; both count in the process's
resident memory until some later allocation reuses them. On a million-row table that is a few
hundred MB held through every fit: released once the data is loaded and after each fit. No
garbage collection here: what a fit leaves is freed by reference counting, and a full collection
costs about 0.4 s once TensorFlow is loaded (too much after each of a small table's fits).
"""

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim, or None elsewhere (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim") if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return what Arrow's pool and the C heap hold unused to the system (about a millisecond)."""
    pyarrow = sys.modules.get("pyarrow")  # nothing to release where it was never imported
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
