"""The time/conflict question set (tests/fixtures/news-eval.jsonl) on the 14-article fixture corpus."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from assistant import Assistant

    report = Assistant(index_dir=tempfile.mkdtemp()).evaluate(ROOT / "tests" / "fixtures" / "news-eval.jsonl")
    lines = [
        "## News-aware evaluation: dates, latest, conflicting figures",
        "",
        "14 short articles written for the tests (tests/fixtures/news: a refugee figure that changes over three "
        "dates, two syndicated copies, an undated article); 14 questions (tests/fixtures/news-eval.jsonl): "
        "time-bounded, 'latest', conflicting figures (gold = the newest), and 3 unanswerable.",
        "",
        "| accuracy | correct refusal | false refusal | citation precision | numeric exactness | p50 ms |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {report.accuracy} | {report.correct_refusal} | {report.false_refusal} | {report.citation_precision} "
        f"| {report.numeric_exactness} | {report.latency_p50_ms:.0f} |",
        "",
        "Per question: " + "; ".join(f"{r.id} {r.verdict}" for r in report.results) + ".",
    ]
    print("\n".join(lines))
    from _results import update_section

    update_section("news-eval", "\n".join(lines))


if __name__ == "__main__":
    main()
