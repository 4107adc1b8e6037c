#!/usr/bin/env bash
# Run the whole test suite: fast unit tests, then the slow tests with the real packaged model.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
.venv/bin/python -m pytest "$@"
