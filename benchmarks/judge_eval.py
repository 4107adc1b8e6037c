"""Where the LLM judge pays: its verdict on every question of a split, then every unsure band simulated.

Step 1 (slow, about 1.5 s per question on 2 cores): for each question of the project's sets (evalsets/, split as
in reader_eval.py), the fast reader's best three distinct sentences, whether each quotes a gold answer from the
expected article, and the Qwen judge's verdict on them -> ``benchmarks/out/judge-<split>.jsonl``.

Step 2 (instant): for bands [low, high) of the reader's best score, the judge decides inside the band and the
reader's own threshold outside it; prints right / correct refusal / false refusal / share judged per set, and the
band with the best right + refused among those judging under ``--max-share`` of the questions (so that the median
question never waits for the model) with at most 10% false refusals. Choose the band on dev; report test with the chosen band.

    python benchmarks/judge_eval.py collect --split dev
    python benchmarks/judge_eval.py bands --split dev [--max-share 0.45]
    python benchmarks/judge_eval.py bands --split test --band 0.0,0.9 [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
OUT = ROOT / "benchmarks" / "out"
SETS = ["sample", "fixtures", "pages"]
FAST_MS = 15  # the fast reader's answer time, for the simulated latency of questions the judge does not see


def fast_reader_answers(split: str):
    """For every question of the split's sets, as the eval's Assistants answer it with the fast reader alone:
    (record with set, id, answerable, question and refusal threshold; the understood query; the scored sentences;
    ``good(sentence)``: whether it quotes a gold answer from the expected article)."""
    os.environ["ASSISTANT_JUDGE"] = "off"  # the judge runs in the caller, not in the eval's Assistants
    from reader_eval import PAGES, build, load_rows, norm

    from assistant.config import Settings
    from assistant.embeddings import load_embedder
    from assistant.pipeline import understand

    embedder = load_embedder("all-MiniLM-L6-v2")
    for name in SETS:
        if name == "pages" and not PAGES.is_dir():
            print(f"skipping pages: {PAGES} is absent", file=sys.stderr)
            continue
        rows = [r for r in load_rows(name) if r["split"] == split]
        a, keys = build(name, rows, embedder, None)
        threshold = Settings().refusal_threshold or a.reader.threshold
        for r in rows:
            query = understand(r["question"], None, date.today())
            q_vec = embedder.encode_one(query.search_text)
            scored = a.reader.read(query.info, q_vec, a.retriever.retrieve(query.search_text, q_vec))
            golds = [norm(g) for g in r.get("answers", [])]

            def good(s, golds=golds, expected=keys[r["id"]]) -> bool:
                return any(g in norm(s.span.text) for g in golds) and s.article_id == expected

            rec = {"set": name, "id": r["id"], "answerable": r["answerable"], "q": r["question"],
                   "threshold": threshold}
            yield rec, query, scored, good


def judge_model():
    """The Qwen judge, loaded now (the eval's models folder)."""
    from assistant.generation import qwen_path
    from assistant.judge import LlamaJudge

    judge = LlamaJudge(lambda: qwen_path(OUT / "models"), background=False)
    if not judge.ready:
        sys.exit(f"the judge model did not load: {judge.error}")
    return judge


def collect(split: str) -> Path:
    from assistant.judge import SHOWN, _distinct

    judge = judge_model()
    path = OUT / f"judge-{split}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for rec, query, scored, good in fast_reader_answers(split):
            rec.update(p=[], good=[])
            if scored:
                shown = _distinct(scored, SHOWN)
                texts = [s.span.text for s in shown]
                t = time.perf_counter()
                verdict = judge.judge(query.info.text, texts)
                rec.update(p=[round(s.score, 4) for s in shown], texts=texts, good=[good(s) for s in shown],
                           ms=round((time.perf_counter() - t) * 1000), choice=verdict.choice, reply=verdict.reply)
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()
    return path


def reread(rows: list[dict]) -> list[dict]:
    """Read every recorded reply again with today's rules, once: whether today's reader would call its best
    sentence ``doubtful`` and which sentence today's ``parse_reply`` picks (the recorded ``choice`` is kept)."""
    from assistant.judge import doubtful, parse_reply
    from assistant.question import analyze

    for r in rows:
        if r["p"]:
            info = analyze(r["q"])
            r["doubtful"] = doubtful(r["texts"][0], info)
            r["pick"] = parse_reply(r["reply"], r["texts"], r["q"], info.kind).choice
    return rows


def read_rows(path: Path) -> list[dict]:
    """The records of a JSONL file written by ``collect``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def by_split_and_set(recorded, sets: list[str]):
    """(split, set name or "all", its records) for each split recorded at ``recorded(split)``, set by set."""
    for split in ("dev", "test"):
        if recorded(split).exists():
            rows = read_rows(recorded(split))
            for name in [*sets, "all"]:
                yield split, name, [r for r in rows if name == "all" or r["set"] == name]


def fast_pick(r: dict) -> int | None:
    """The fast reader's own decision on a recorded question: its best sentence, or a refusal under its threshold."""
    return 0 if r["best"] >= r["threshold"] else None


def tally(rows: list[dict], picks: list[int | None]) -> tuple[float, float, float]:
    """(answered right, correct refusal, false refusal) in percent, given each question's picked sentence (an
    index into its recorded sentences) or None for a refusal."""
    right = refused = false_refusal = 0
    for r, pick in zip(rows, picks):
        if r["answerable"]:
            right += pick is not None and r["good"][pick]
            false_refusal += pick is None
        else:
            refused += pick is None
    ans = sum(r["answerable"] for r in rows)
    una = len(rows) - ans
    return 100 * right / max(ans, 1), 100 * refused / max(una, 1), 100 * false_refusal / max(ans, 1)


def simulate(rows: list[dict], low: float, high: float, close: float = 0.0) -> dict:
    """The outcome of every question (``reread`` first) with the judge deciding in [low, high) or on a doubtful
    best sentence, choosing between a sure answer and a runner-up that scores at least ``close`` times as much
    (its NONE keeps the sure answer; ``judge.close_call``), and the reader's threshold elsewhere."""
    picks, ms, judged = [], [], 0
    for r in rows:
        best = r["p"][0] if r["p"] else 0.0
        if r["p"] and (low <= best < high or (high > low and r["doubtful"])):
            judged += 1
            picks.append(r["pick"])
            ms.append(FAST_MS + r["ms"])
        elif r["p"] and best >= r["threshold"] and close > 0 and len(r["p"]) > 1 and r["p"][1] >= close * best:
            judged += 1
            picks.append(0 if r["pick"] is None else r["pick"])
            ms.append(FAST_MS + r["ms"])
        else:
            picks.append(0 if r["p"] and best >= r["threshold"] else None)
            ms.append(FAST_MS)
    right, refused, false_refusal = tally(rows, picks)
    ms.sort()

    def pct(n, d):
        return round(100 * n / d, 1) if d else None

    una = sum(not r["answerable"] for r in rows)
    return {"n": len(rows), "right": round(right, 1) if len(rows) > una else None,
            "refused": round(refused, 1) if una else None,
            "false_refusal": round(false_refusal, 1) if len(rows) > una else None, "judged": pct(judged, len(rows)),
            "p50_ms": ms[len(ms) // 2] if ms else None, "p95_ms": ms[int(0.95 * (len(ms) - 1) + 0.5)] if ms else None}


GRID = [round(x * 0.01, 2) for x in (0, 1, 2, 3, 5, 7, 9, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 95)] + [1.01]


def best_band(rows: list[dict], max_share: float, max_false_refusal: float = 10.0) -> tuple[float, float]:
    """The band with the best (mean over sets of right + refused) that judges at most max_share of the questions
    and keeps false refusals (all sets together) at most max_false_refusal percent."""
    by_set = {}
    for r in rows:
        by_set.setdefault(r["set"], []).append(r)
    best, best_key = (0.0, 0.0), None
    for low in GRID:
        for high in GRID:
            overall = simulate(rows, low, high) if high > low else None
            if overall is None or overall["judged"] > 100 * max_share or overall["false_refusal"] > max_false_refusal:
                continue
            results = [simulate(rs, low, high) for rs in by_set.values()]
            key = sum((m["right"] or 0) + (m["refused"] or 0) for m in results) / len(results)
            if best_key is None or key > best_key:
                best, best_key = (low, high), key
    return best


def table(rows: list[dict], bands: list[tuple[str, float, float]]) -> str:
    lines = ["| set | reader option | answered right | correct refusal | false refusal | judged | p50 / p95 ms |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in [*SETS, "all"]:
        rs = [r for r in rows if name == "all" or r["set"] == name]
        if not rs:
            continue
        for label, low, high, *close in bands:
            m = simulate(rs, low, high, *close)
            lines.append(f"| {name} ({m['n']}) | {label} | {m['right']}% | {m['refused']}% | {m['false_refusal']}% "
                         f"| {m['judged']}% | {m['p50_ms']} / {m['p95_ms']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["collect", "bands"])
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--max-share", type=float, default=0.45)
    ap.add_argument("--band", default=None, help="low,high to report (default: chosen on this split)")
    ap.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = ap.parse_args()
    path = collect(args.split) if args.step == "collect" else OUT / f"judge-{args.split}.jsonl"
    rows = reread(read_rows(path))
    from assistant.config import Settings

    default_low, default_high = 0.0, Settings().judge_below
    if args.band:
        low, high = map(float, args.band.split(","))
    elif args.split == "test":  # a band is never chosen on test questions
        low, high = default_low, default_high
    else:
        low, high = best_band(rows, args.max_share)
    label = ("given" if args.band else "the default band, no close calls" if args.split == "test"
             else f"best under {args.max_share:.0%} judged, false refusal ≤ 10%")
    bands = [("fast reader alone", 0.0, 0.0), ("judge on every question", 0.0, 1.01),
             (f"judge in [{low}, {high}) ({label})", low, high)]
    if (default_low, default_high) != (low, high):
        bands.append((f"judge below {default_high}", default_low, default_high))
    close = Settings().judge_close
    bands.append((f"judge below {default_high}, and on close calls at {close} (the default)", default_low,
                  default_high, close))
    md = table(rows, bands)
    print(md)
    if args.write:
        from _results import update_section

        update_section(f"judge-bands-{args.split}",
                       f"## LLM judge (Qwen2.5 1.5B) by unsure band, {args.split} questions\n\n"
                       "Simulated from one verdict per question (benchmarks/judge_eval.py); latency = 15 ms for "
                       "the fast reader plus the measured judge call.\n\n" + md)


if __name__ == "__main__":
    main()
