#!/usr/bin/env bash
# Run the whole test suite: unit tests (fake embedder), slow tests (real packaged model, shared datasets)
# and browser tests (Playwright + Debian chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
./scripts/ensure-chromium.sh
.venv/bin/python -m pytest "$@"
