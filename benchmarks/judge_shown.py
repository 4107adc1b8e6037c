"""How many sentences the LLM judge should choose among (``ASSISTANT_JUDGE_SHOWN``).

For every question of a split (evalsets/, split as in reader_eval.py) the fast reader answers; on the questions
the default routing sends to the judge (best score below ``ASSISTANT_JUDGE_BELOW``, or ``judge.doubtful``), the
judge is asked twice, back to back, as the live reader asks it: with the best 3 sentences (400 characters each)
and with the best 5 (cut to their share of ``judge.PROMPT_CHARS``: 250 characters each). Its replies are read
with the live rules (``judge.parse_reply``). Latency is not compared here: the second call reuses the first's
prompt prefix. The default's own latency is in reader_eval.py's tables.

    python benchmarks/judge_shown.py collect --split dev      # about 15 minutes on 2 cores
    python benchmarks/judge_shown.py table [--write]          # from the recorded dev and test runs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
OUT = ROOT / "benchmarks" / "out"
SETS = ["pages", "sample", "fixtures"]  # the order of the table's rows
VARIANTS = {"s3": (3, "best 3, 400 characters each (the default)"), "s5": (5, "best 5, 250 characters each")}


def recorded(split: str) -> Path:
    return OUT / f"judge-shown-{split}.jsonl"


def collect(split: str) -> None:
    from judge_eval import fast_reader_answers, judge_model

    from assistant.config import Settings
    from assistant.judge import _distinct, judge_question, unsure

    judge = judge_model()
    below = Settings().judge_below
    with open(recorded(split), "w", encoding="utf-8") as out:
        for rec, query, scored, good in fast_reader_answers(split):
            if scored:
                top = _distinct(scored, max(n for n, _ in VARIANTS.values()))
                rec.update(best=scored[0].score, texts=[s.span.text for s in top], good=[good(s) for s in top],
                           routed=unsure(scored[0], query.info, 0.0, below))
                if rec["routed"]:
                    for key, (n, _) in VARIANTS.items():
                        verdict = judge.judge(judge_question(query.info.text), rec["texts"][:n], query.info.kind)
                        rec[key] = {"reply": verdict.reply, "choice": verdict.choice}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()


def outcome(rows: list[dict], variant: str | None) -> tuple[float, float, float]:
    """(answered right, correct refusal, false refusal) in percent; variant None = the fast reader alone."""
    from judge_eval import fast_pick, tally

    picks = []
    for r in rows:
        if not r.get("texts"):
            picks.append(None)
        elif r["routed"] and variant:
            picks.append(r[variant]["choice"])
        else:
            picks.append(fast_pick(r))
    return tally(rows, picks)


def table() -> str:
    from judge_eval import by_split_and_set

    lines = ["| split | set (questions, judged) | the judge sees | answered right | correct refusal | false refusal |",
             "| --- | --- | --- | --- | --- | --- |"]
    for split, name, rs in by_split_and_set(recorded, SETS):
        judged = sum(1 for r in rs if r.get("routed"))
        for variant, label in [(None, "nothing (fast reader alone)"), *((k, v[1]) for k, v in VARIANTS.items())]:
            right, refused, fr = outcome(rs, variant)
            lines.append(f"| {split} | {name} ({len(rs)}, {judged}) | {label} | {right:.1f}% | {refused:.1f}% "
                         f"| {fr:.1f}% |")
    return "\n".join(lines)


def main() -> None:
    from _results import collect_or_table

    collect_or_table(
        collect, table, "judge-shown", "Judge: how many sentences it sees (`ASSISTANT_JUDGE_SHOWN`)",
        "benchmarks/judge_shown.py: on the questions the default routing sends to the judge, its verdict with the fast "
        "reader's best 3 sentences and with the best 5 (the same prompt length); elsewhere the fast reader's own "
        "threshold decides.",
        "The judge's picks among the 4th and 5th sentences are right about as often as not. Five answer more "
        "questions right and wrongly refuse fewer, but refuse fewer of the questions the articles do not answer; on "
        "the real pages the trade is even on dev and three questions worse on test, so the default stays at three "
        "and `ASSISTANT_JUDGE_SHOWN=5` is the choice for users who would rather get an answer.")


if __name__ == "__main__":
    main()
