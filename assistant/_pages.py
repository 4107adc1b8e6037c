"""Hand the pages of a memory-mapped model file back to the page cache while a model loads (Linux).

llama.cpp on CPU copies most of a Q4_K model's weights into its own repacked buffers; the rest (the token table,
the output matrix, the Q6_K tensors) it uses in place from the mapped file. Read the usual way the process holds a
copy of everything (1.2 GB for the Qwen judge); mapped, it also keeps every page the repacking read (1.8 GB). With
``madvise(MADV_DONTNEED)`` on the mapping every 50 ms during the load, the pages read for repacking leave the
process as soon as they are copied; those used in place come back when a question touches them, and of the token
table only the rows of tokens that occur. Measured for the Qwen GGUF: 1.1 GB peak and 1.05 GB after a question,
against 1.20 and 1.16 GB read the usual way; 0.4 GB of it file pages, shared by every process that maps the file
and reclaimable by the kernel. Load time and speed are the same (``benchmarks/RESULTS.md``, "Short answers; the judge's memory").

The mapping is read-only (PROT_READ): dropping its pages loses nothing, a later access reads them again. The
assembled model is only ever replaced by renaming a complete, verified file over it (``generation.qwen_path``), so
a process that maps the old one keeps reading the old one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
import threading
from pathlib import Path
from typing import Self

log = logging.getLogger(__name__)

MADV_DONTNEED = 4
EVERY = 0.05  # seconds between two releases while a model loads


def mapped_ranges(path: str | Path, maps: str) -> list[tuple[int, int]]:
    """(start, end) addresses of the mappings of ``path`` in a /proc/<pid>/maps text."""
    target = str(Path(path).resolve())
    out = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].strip() == target:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            out.append((start, end))
    return out


def _madvise():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    fn = libc.madvise
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


class PageRelease:
    """While in use (``with PageRelease(path):``), every ``EVERY`` seconds and once at the end, the process's
    mappings of ``path`` give their resident pages back. ``available`` is False where that cannot be done (not
    Linux): the caller then reads the file instead of mapping it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._madvise = _madvise()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self._madvise is not None and Path("/proc/self/maps").exists()

    def release(self) -> int:
        """Drop the resident pages of every mapping of the file now; the number of mappings found."""
        if self._madvise is None:
            return 0
        try:
            ranges = mapped_ranges(self.path, Path("/proc/self/maps").read_text())
        except OSError:
            return 0
        for start, end in ranges:
            if self._madvise(start, end - start, MADV_DONTNEED) != 0:
                log.debug("madvise failed on %s: errno %d", self.path, ctypes.get_errno())
        return len(ranges)

    def _run(self) -> None:
        while not self._done.wait(EVERY):
            self.release()

    def __enter__(self) -> Self:
        if self.available:
            self._thread = threading.Thread(target=self._run, name="page-release", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self.release()
