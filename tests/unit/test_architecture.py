"""Heavy libraries are imported by one module each (chromadb by store, sentence-transformers by embeddings,
gradio by ui), and `import assistant` loads none of them, so the CLI's --help and library imports stay fast."""

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "assistant"
OWNERS = {"chromadb": {"store.py"}, "sentence_transformers": {"embeddings.py"}, "gradio": {"ui.py"},
          "llama_cpp": {"generation.py", "judge.py", "_llama_cpu.py"}}


def test_each_heavy_library_has_one_owner_module():
    for module in PACKAGE.glob("*.py"):
        source = module.read_text()
        for lib, owners in OWNERS.items():
            if re.search(rf"^\s*(?:import|from) {lib}\b", source, re.M):
                assert module.name in owners, f"{module.name} imports {lib}; only {owners} may"


def test_import_assistant_does_not_load_heavy_libraries():
    code = ("import sys, assistant; heavy = [m for m in ('torch', 'chromadb', 'gradio', 'sentence_transformers', "
            "'llama_index', 'llama_cpp') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
