"""Freed heap memory goes back to the system after Chroma's first read and after an ingest."""

import subprocess
import sys

import pytest

from assistant import _memory
from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")

# After a 16 MB block is freed, glibc serves blocks below 16 MB from the heap: 60 blocks of 2 MB are written and
# freed (each with a block still in use above it, so the heap cannot shrink from its top), and stay in the
# process until the heap's free pages are handed back.
PROBE = """
import ctypes, sys
from assistant._memory import release_free_memory
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def rss():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024
libc.free(libc.malloc(16 << 20))
blocks, pins = [], []
for _ in range(60):
    blocks.append(libc.malloc(2 << 20))
    ctypes.memset(blocks[-1], 1, 2 << 20)
    pins.append(libc.malloc(256 << 10))
for b in blocks:
    libc.free(b)
before = rss()
done = release_free_memory()
print(done, before - rss())
"""


def test_release_hands_freed_heap_pages_back():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    done, freed_mb = out.stdout.split()
    assert done == "True"
    assert int(freed_mb) >= 100  # of the 120 MB written and freed


def test_the_store_releases_once_per_collection_after_its_first_read_and_ingest_after_writing(assistant,
                                                                                              monkeypatch):
    calls = []
    monkeypatch.setattr("assistant.store.release_free_memory", lambda: calls.append("read"))
    monkeypatch.setattr("assistant.index.release_free_memory", lambda: calls.append("write"))
    assistant.ingest([SAMPLE])
    assert calls.count("write") == 1
    calls.clear()
    for _ in range(3):
        assistant.ask("How many refugees does Turkey shelter?")
    assert calls == ["read", "read"]  # the chunks' collection, then the articles'


def test_without_glibc_nothing_is_called(monkeypatch):
    monkeypatch.setattr(_memory.sys, "platform", "darwin")
    _memory._malloc_trim.cache_clear()
    try:
        assert _memory.release_free_memory() is False
    finally:
        _memory._malloc_trim.cache_clear()
