"""Freed memory goes back to the system between a run's big steps (common/core/memory.py)."""

import ctypes
import ctypes.util

import numpy as np
import pytest

from common.core.memory import _malloc_trim, release_freed_memory

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
DEFAULT_THRESHOLD = 128 * 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


@pytest.fixture
def heap_that_keeps_what_is_freed():
    """glibc set as a long run leaves it: blocks of 64 kB on the heap (not mapped one by one), and
    free() not shrinking the heap by itself."""
    mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    mallopt(M_MMAP_THRESHOLD, 1 << 20)
    mallopt(M_TRIM_THRESHOLD, 1 << 30)
    yield
    mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD)


@pytest.mark.skipif(_malloc_trim() is None, reason="glibc's malloc_trim is not available here")
def test_freed_heap_memory_is_handed_back(heap_that_keeps_what_is_freed):
    start = _rss_mb()
    arrays = [np.ones(8_000) for _ in range(4_000)]  # 64 kB each, 256 MB in all
    del arrays
    held = _rss_mb()
    assert held - start > 200  # freed, but still counted against the process
    release_freed_memory()
    assert held - _rss_mb() > 200
