"""The once-per-machine check of llama.cpp's extra CPU weight layouts: a child that crashes means the model loads
without them, the verdict is kept per machine and build, and a check that did not finish decides nothing."""

import json
import sys

import pytest

from assistant import _llama_cpu


class Child:
    """Stands in for the child process: answers with the given exit statuses, records each command."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], timeout: float) -> int:
        self.commands.append(command)
        return self.statuses.pop(0)


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF")
    return path


def test_a_crashing_child_means_plain_layouts_and_is_remembered(model):
    child = Child(-11)
    assert _llama_cpu.extra_layouts_work(model, run=child, key=lambda: "machine-a") is False
    assert child.commands == [[sys.executable, "-m", "assistant._llama_cpu", str(model)]]
    assert json.loads((model.parent / "model.gguf.cpu.json").read_text()) == {"key": "machine-a",
                                                                              "extra_layouts": False}
    assert _llama_cpu.extra_layouts_work(model, run=Child(), key=lambda: "machine-a") is False  # no second child


def test_a_clean_child_keeps_the_extra_layouts(model):
    assert _llama_cpu.extra_layouts_work(model, run=Child(0), key=lambda: "machine-a") is True
    assert _llama_cpu.extra_layouts_work(model, run=Child(), key=lambda: "machine-a") is True


def test_another_machine_or_build_checks_again(model):
    _llama_cpu.extra_layouts_work(model, run=Child(0), key=lambda: "machine-a")
    child = Child(-11)
    assert _llama_cpu.extra_layouts_work(model, run=child, key=lambda: "machine-b") is False
    assert len(child.commands) == 1


def test_a_child_that_did_not_finish_decides_nothing(model):
    assert _llama_cpu.extra_layouts_work(model, run=Child(-1), key=lambda: "machine-a") is False
    assert not (model.parent / "model.gguf.cpu.json").exists()
    assert _llama_cpu.extra_layouts_work(model, run=Child(0), key=lambda: "machine-a") is True


@pytest.mark.parametrize("saved", ["{not json", '["a list"]', '{"key": "machine-a", "extra_layouts": "yes"}'])
def test_a_damaged_verdict_is_checked_again(model, saved):
    (model.parent / "model.gguf.cpu.json").write_text(saved)
    child = Child(0)
    assert _llama_cpu.extra_layouts_work(model, run=child, key=lambda: "machine-a") is True
    assert len(child.commands) == 1


def test_the_machine_key_is_stable():
    assert _llama_cpu._machine_key() == _llama_cpu._machine_key()
    assert len(_llama_cpu._machine_key()) == 16


def test_model_params_sets_the_field_only_within_the_block():
    low = pytest.importorskip("llama_cpp.llama_cpp", reason="llama-cpp-python is the [qwen] extra")
    if not _llama_cpu.supports_param():
        pytest.skip("this llama-cpp-python has no use_extra_bufts")
    before = low.llama_model_default_params
    with _llama_cpu.model_params(use_extra_bufts=False):
        assert low.llama_model_default_params().use_extra_bufts is False
    assert low.llama_model_default_params is before
    assert low.llama_model_default_params().use_extra_bufts is True
