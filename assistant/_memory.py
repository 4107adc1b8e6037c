"""Handing freed heap memory back to the system.

glibc serves a large block with its own mapping, returned to the system when freed, but only above its mmap
threshold, and that threshold moves: each time such a block is freed, glibc raises the threshold to the block's
size (up to 32 MB). From then on buffers of a few megabytes come from the heap, and a heap shrinks only from its
top: memory freed below stays in the process. Chroma reading a large collection's vector index on its first use
leaves buffers behind that way: handing them back took ~40 MB off the peak of a process with a 100k-chunk index
and the judge (1,608 -> 1,570 MB). ``malloc_trim`` hands every whole free page of the heap back. (Fixing the
threshold instead, at 1 MB, kept the peak as low but made every model run fault in fresh pages: ingest about 10%
slower.) Elsewhere than glibc (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process already uses
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim(0)``, a few milliseconds). True when
    the C library has it."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
