"""Whether to put the LLM judge's pick to it again, alone (``ASSISTANT_JUDGE_CHECK``).

Reads the judge's recorded replies (``judge_shown.py collect``: the default's best 3 sentences, on the questions
the default routing sends to the judge), re-reads them with today's rules (``judge.parse_reply``) and, for every
pick, asks the model the check question (``judge.Judge.check``: the picked sentence alone, the question, the
words it named; the probability of YES from the first token). Then tallies right / correct refusal / false
refusal with the pick refused below each threshold; elsewhere the fast reader's own threshold decides.

    python benchmarks/judge_check.py collect --split dev     # about 5 minutes on 2 cores
    python benchmarks/judge_check.py table [--write]         # from the recorded dev and test runs
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from judge_shown import OUT, SETS  # the recordings it reads, and their table's row order

THRESHOLDS = [0.0, 0.1, 0.15, 0.2, 0.25, 0.3]


def recorded(split: str) -> Path:
    return OUT / f"judge-check-{split}.jsonl"


def picks_today(split: str) -> list[dict]:
    """The recorded questions of ``judge_shown.py`` with ``pick``: today's reading of the judge's reply (routed
    questions) or the fast reader's (0 or None)."""
    from judge_eval import fast_pick, read_rows
    from judge_shown import recorded as shown

    from assistant.judge import judge_question, parse_reply
    from assistant.pipeline import understand

    rows = read_rows(shown(split))
    for r in rows:
        if not r.get("texts"):
            r["pick"] = None
        elif r["routed"]:
            info = understand(r["q"], None, date.today()).info
            r["question"] = judge_question(info.text)
            verdict = parse_reply(r["s3"]["reply"], r["texts"][:3], r["question"], info.kind)
            r["pick"], r["words"] = verdict.choice, verdict.words
        else:
            r["pick"] = fast_pick(r)
    return rows


def collect(split: str) -> None:
    from judge_eval import judge_model

    judge = judge_model()
    with open(recorded(split), "w", encoding="utf-8") as out:
        for r in picks_today(split):
            if r.get("routed") and r["pick"] is not None:
                t = time.perf_counter()
                r["yes"] = judge.check(r["question"], r["texts"][r["pick"]], r["words"])
                r["check_ms"] = round((time.perf_counter() - t) * 1000)
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
            out.flush()


def table() -> str:
    from judge_eval import by_split_and_set, tally

    lines = [("| split | set (questions, checked) | pick refused when YES is below | answered right | correct refusal "
              "| false refusal |"), "| --- | --- | --- | --- | --- | --- |"]
    notes = []
    for split, name, rs in by_split_and_set(recorded, SETS):
        checked = sum(1 for r in rs if "yes" in r)
        for threshold in THRESHOLDS:
            picks = [None if "yes" in r and r["yes"] < threshold else r["pick"] for r in rs]
            right, refused, fr = tally(rs, picks)
            label = "no check (the default)" if threshold == 0 else f"{threshold}"
            lines.append(f"| {split} | {name} ({len(rs)}, {checked}) | {label} | {right:.1f}% | {refused:.1f}% "
                         f"| {fr:.1f}% |")
        ms = sorted(r["check_ms"] for r in rs if "check_ms" in r)
        if name == "all" and ms:
            notes.append(f"{split}: one check took {ms[len(ms) // 2]} ms (median), {ms[int(0.95 * (len(ms) - 1))]} ms "
                         "(p95).")
    return "\n".join(lines) + ("\n\n" + " ".join(notes) if notes else "")


def main() -> None:
    from _results import collect_or_table

    collect_or_table(
        collect, table, "judge-check", "Judge: checking its pick (`ASSISTANT_JUDGE_CHECK`)",
        "benchmarks/judge_check.py: the judge's recorded replies (best 3 sentences) re-read with today's rules; each "
        "pick put to the model again, alone, as a yes/no question; the pick is refused when YES is less likely than "
        "the threshold.",
        "The check runs on the questions the judge answers (63 of 320 dev questions, 62 of 222 test); asked afresh "
        "it finds the near misses the judge picks among on-topic sentences: \"$2.8 billion\" (Home Depot's) for "
        "Lowe's revenue (YES 0.18), the list price for Emirates' discount (0.08), a Lebanon figure for Jordan (0.08), "
        "\"48 hour holds\" for a court date (0.06). 0.2 was chosen on dev (the highest threshold that costs no right "
        "answer there); on test it refuses 3 more unanswerable questions and costs one right answer. It stays off by "
        "default: it adds a second model call to about a fifth of all questions (median 1.6-1.8 s measured here; in "
        "a 10-question run of the app, judged questions took 2-5 s longer, since the check and the judge evict each "
        "other's cached prompt prefix), and the judge's p95 is already above 3 s on this machine. "
        "`ASSISTANT_JUDGE_CHECK=0.2` is the setting for users who prefer a refusal to a near miss.")


if __name__ == "__main__":
    main()
