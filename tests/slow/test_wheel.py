"""A built wheel carries the prompt templates, the sample article and the reader's weights, and a non-editable
install of it answers the sample question from its own package data."""

import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_the_wheel_has_its_package_data_and_answers_from_it(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "dist")], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"assistant/prompts/answer-v2.system.txt", "assistant/prompts/answer-v2.user.txt",
            "assistant/samples/syria-refugees-turkey.txt", "assistant/reader_weights.json"} <= names
    target = tmp_path / "installed"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                              str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    code = ("import assistant, tempfile; from assistant.config import Settings; from assistant.ui import prepare; "
            "from assistant.generation import load_prompt; assert load_prompt('answer-v2').system; "
            "a = prepare(Settings(index_dir=tempfile.mkdtemp())); print(assistant.__file__); "
            "print(a.ask('How many refugees does Turkey shelter?').text)")
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    first, answer = run.stdout.strip().splitlines()[-2:]
    assert first.startswith(str(target))  # the installed copy, not the source tree
    assert "more than 120,000" in answer
