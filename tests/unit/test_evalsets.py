"""The question sets in evalsets/ are well formed: gold answers inside their evidence, evidence in the article."""

import subprocess
import sys

from tests.conftest import ROOT


def test_every_question_set_validates():
    files = sorted((ROOT / "evalsets").glob("*.jsonl"))
    assert len(files) >= 5
    out = subprocess.run([sys.executable, str(ROOT / "evalsets" / "validate.py"), *map(str, files)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 errors" in out.stdout
