"""Run every benchmark; each rewrites its own section of benchmarks/RESULTS.md. Needs ../shared."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"

if not SHARED.is_dir():
    sys.exit(f"benchmarks need the shared datasets at {SHARED}")
sys.path.insert(0, str(HERE))
# speed (issue: ingest vs raw encode, warm latency, cold CLI and first answer), the embedder's memory, then size:
# latency, open, add one, delete one and memory at 1k and 100k chunks (about 20 minutes), then the kills during
# ingest and deletes
for script in ("extraction.py", "performance.py", "embedder_memory.py", "scaling.py", "crash_safety.py", "sentence_vectors.py", "compare.py"):
    print(f"== {script}")
    runpy.run_path(str(HERE / script), run_name="__main__")
