"""Run every benchmark; each rewrites its own section of benchmarks/RESULTS.md. Needs ../shared."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"

if not SHARED.is_dir():
    sys.exit(f"benchmarks need the shared datasets at {SHARED}")
sys.path.insert(0, str(HERE))
for script in ("extraction.py", "performance.py", "compare.py"):
    print(f"== {script}")
    runpy.run_path(str(HERE / script), run_name="__main__")
