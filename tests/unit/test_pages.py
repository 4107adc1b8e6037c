"""Handing a mapped model file's pages back while it loads: the mappings are found, and nothing is lost."""

import mmap
import sys

import pytest

from assistant._pages import PageRelease, mapped_ranges

MAPS = """\
55d1c0a00000-55d1c0a21000 r--p 00000000 fd:01 1234    /usr/bin/python3.11
7f00a0000000-7f00e0000000 r--s 00000000 fd:01 5678    /models/qwen.gguf
7f00e0000000-7f00e0001000 rw-p 00000000 00:00 0
7f00f0000000-7f00f0400000 r--s 00000000 fd:01 9999    /models/qwen.gguf.part
7f0100000000-7f0100100000 r--s 00000000 fd:01 5678    /models/qwen.gguf
"""


def test_only_the_files_own_mappings_are_found():
    assert mapped_ranges("/models/qwen.gguf", MAPS) == [(0x7F00A0000000, 0x7F00E0000000),
                                                       (0x7F0100000000, 0x7F0100100000)]
    assert mapped_ranges("/models/other.gguf", MAPS) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise on /proc/self/maps is Linux only")
def test_released_pages_read_back_the_same(tmp_path):
    path = tmp_path / "weights.bin"
    data = bytes(range(256)) * 4096 * 4  # 4 MiB
    path.write_bytes(data)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert mapped[:] == data  # every page resident
        with PageRelease(path) as pages:
            assert pages.available
        assert pages.release() == 1  # the one mapping of the file, dropped again
        assert mapped[:] == data  # read back from the file: nothing lost


def test_elsewhere_the_model_is_read_instead_of_mapped(monkeypatch, tmp_path):
    import assistant._pages as pages_module

    monkeypatch.setattr(pages_module, "_madvise", lambda: None)
    with PageRelease(tmp_path / "weights.bin") as pages:
        assert not pages.available
