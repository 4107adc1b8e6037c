"""Each benchmark rewrites its own section of benchmarks/RESULTS.md, between HTML comment markers."""

from __future__ import annotations

import platform
import re
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmark results\n\nWritten by the scripts in `benchmarks/` (run `make bench`); each section says how it was made.\n"


def pct(values, q: float) -> float:
    """The q-quantile of values (the value at rank round(q * (n - 1)) of the sorted list); NaN for none."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's memory from /proc/<pid>/status: ``VmRSS`` (now) or ``VmHWM`` (its peak), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}"


def update_section(name: str, body: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = f"<!-- {name} -->\n{body.rstrip()}\n\n_Run {stamp} on {machine()}._\n<!-- /{name} -->"
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def collect_or_table(collect, table, section: str, heading: str, intro: str, outro: str = "") -> None:
    """The command line of a benchmark that records model replies (``collect --split dev|test``, slow) and then
    tallies them (``table``); ``--write`` puts the table, between ``intro`` and ``outro``, into ``section``."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["collect", "table"])
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = ap.parse_args()
    if args.step == "collect":
        collect(args.split)
    md = table()
    print(md)
    if args.write:
        update_section(section, f"## {heading}\n\n{intro}\n\n{md}" + (f"\n\n{outro}" if outro else ""))
