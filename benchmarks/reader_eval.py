"""Answer quality on the project's own question sets (evalsets/), per set and per split (dev / test).

Sets: ``pages`` (questions on 120 real news pages of the article-extraction benchmark, read from
../shared/datasets/article-extraction; the pages are ingested from their HTML as a user would), ``sample``
(the shipped sample article alone) and ``fixtures`` (the 14 fixture articles of tests/fixtures/news).

Split: a page's questions all go to one split (test when sha1(page key) % 3 == 0), so test pages are never
seen while tuning; sample and fixture questions split the same way by question id. Tune on ``dev`` only.

A question counts as answered right when the answer is not a refusal and a citation of the expected article
quotes a gold answer (case and whitespace ignored). Unanswerable questions must be refused.

    python benchmarks/reader_eval.py [--split dev|test|all] [--sets pages,sample,fixtures] [--reader NAME]
                                     [--failures FILE] [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
EVALSETS = ROOT / "evalsets"
PAGES = ROOT.parent / "shared" / "datasets" / "article-extraction"
OUT = ROOT / "benchmarks" / "out"
os.environ.setdefault("ASSISTANT_MODELS_DIR", str(OUT / "models"))  # one assembled judge model for every eval index

# Page furniture that must never be quoted as evidence.
FURNITURE = re.compile(r"^\s*(?:read more|related|sign up|subscribe|advertisement|photo|image|click here|share|"
                       r"follow us|newsletter|copyright|©)\b|\((?:photo|image|credit)[^)]*\)\s*$", re.I)


def split_of(row: dict) -> str:
    key = row.get("page") or row["id"]
    return "test" if int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 3 == 0 else "dev"


def load_rows(name: str) -> list[dict]:
    files = sorted(EVALSETS.glob("pages-*.jsonl")) if name == "pages" else [EVALSETS / f"{name}.jsonl"]
    rows = []
    for f in files:
        rows += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["split"] = split_of(r)
        r["set"] = name
    return rows


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def build(name: str, rows: list[dict], embedder, reader: str | None):
    """An Assistant over the set's articles, and a map from the rows' article keys to article ids."""
    from assistant import Assistant

    folder = OUT / f"index-{name}"
    fresh = not folder.exists()
    kwargs = {"reader": reader} if reader else {}
    a = Assistant(index_dir=folder, embedder=embedder, load_samples=False, **kwargs)
    if name == "pages":
        paths = sorted((PAGES / "html").glob("*.html.gz"))
    else:
        paths = sorted({ROOT / r["article"] for r in rows} | (set((ROOT / "tests/fixtures/news").glob("*.txt"))
                                                              if name == "fixtures" else set()))
    if a.judge is not None and not a.judge.wait(600):  # measure the judge, not its loading
        print(f"the LLM judge did not load: {a.judge.error}", file=sys.stderr)
    report = a.ingest(paths)
    if fresh and report.failed:
        print(f"{name}: {len(report.failed)} files failed to ingest: {report.failed[:3]}", file=sys.stderr)
    by_path = {}
    for info in a.articles():
        by_path[Path(info.path).name if info.path else info.id] = info.id
    keys = {}
    for r in rows:
        fname = f"{r['page']}.html.gz" if "page" in r else Path(r["article"]).name
        keys[r["id"]] = by_path.get(fname)
    return a, keys


def score(row: dict, answer, expected_id: str | None) -> dict:
    golds = [norm(g) for g in row.get("answers", [])]
    right_quotes = [c for c in answer.citations if c.article_id == expected_id]
    correct = (row["answerable"] and not answer.refused
               and any(g in norm(c.quote) for c in right_quotes for g in golds))
    cited_ok = sum(1 for c in answer.citations if any(g in norm(c.quote) for g in golds))
    furniture = sum(1 for c in answer.citations if FURNITURE.search(c.quote))
    if row["answerable"]:
        verdict = "false_refusal" if answer.refused else ("correct" if correct else "wrong_answer")
    else:
        verdict = "correct_refusal" if answer.refused else "false_answer"
    short = norm(answer.short or "") if correct else ""
    return {"correct": correct, "cited_ok": cited_ok, "n_citations": len(answer.citations), "furniture": furniture,
            "verdict": verdict, "short": bool(short), "short_ok": bool(short) and any(g in short or short in g
                                                                                    for g in golds)}


def summarize(results: list[dict]) -> dict:
    ans = [r for r in results if r["answerable"]]
    una = [r for r in results if not r["answerable"]]
    answered = [r for r in ans if not r["refused"]]
    lat = sorted(r["ms"] for r in results)

    def pct(n, d):
        return round(100 * n / d, 1) if d else None

    return {
        "n": len(results), "answerable": len(ans), "unanswerable": len(una),
        "accuracy": pct(sum(r["correct"] for r in ans), len(ans)),
        "correct_refusal": pct(sum(r["refused"] for r in una), len(una)),
        "false_refusal": pct(sum(r["refused"] for r in ans), len(ans)),
        "citation_precision": pct(sum(r["cited_ok"] for r in answered), sum(r["n_citations"] for r in answered)),
        "furniture_quotes": sum(r["furniture"] for r in results),
        # of the right answers: how many lead with a short answer, and how many of those hold a gold answer
        "short_given": pct(sum(r["short"] for r in ans), sum(r["correct"] for r in ans)),
        "short_right": pct(sum(r["short_ok"] for r in ans), sum(r["short"] for r in ans)),
        "judged": pct(sum(r.get("judged", False) for r in results), len(results)),
        "p50_ms": round(statistics.median(lat), 1) if lat else None,
        "p95_ms": round(lat[min(len(lat) - 1, int(0.95 * (len(lat) - 1) + 0.5))], 1) if lat else None,
    }


def run(sets: list[str], split: str, reader: str | None, failures: Path | None) -> dict:
    from assistant.embeddings import load_embedder

    embedder = load_embedder("all-MiniLM-L6-v2")
    table, bad = {}, []
    for name in sets:
        if name == "pages" and not PAGES.is_dir():
            print(f"skipping pages: {PAGES} is absent", file=sys.stderr)
            continue
        rows = [r for r in load_rows(name) if split == "all" or r["split"] == split]
        a, keys = build(name, rows, embedder, reader)
        a.ask("warm-up question about anything?")
        results = []
        for row in rows:
            t = time.perf_counter()
            answer = a.ask(row["question"])
            ms = (time.perf_counter() - t) * 1000
            s = score(row, answer, keys[row["id"]])
            results.append({**s, "answerable": row["answerable"], "refused": answer.refused, "ms": ms,
                            "judged": answer.judge in ("picked", "none", "kept")})  # the model was called
            if s["verdict"] not in ("correct", "correct_refusal"):
                bad.append({"id": row["id"], "split": row["split"], "verdict": s["verdict"], "question": row["question"],
                            "answers": row.get("answers"), "evidence": row.get("evidence"), "answer": answer.text,
                            "confidence": answer.confidence,
                            "cited_right_article": any(c.article_id == keys[row["id"]] for c in answer.citations)})
        table[name] = summarize(results)
        table[name]["verdicts"] = dict(Counter(r["verdict"] for r in results))
    if failures:
        failures.parent.mkdir(parents=True, exist_ok=True)
        failures.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bad))
    return table


def markdown(tables: dict[str, dict], reader: str) -> str:
    lines = [f"## Reader evaluation on the project's question sets (reader: {reader})", "",
             "Questions written for this project (evalsets/, see its README): real news pages (ingested from their "
             "HTML), the sample article, the news fixtures. Dev = tuned on; test = reported, never tuned on. "
             "Right = a citation of the expected article quotes a gold answer.", "",
             "| set | split | questions (answerable / not) | answered right | correct refusal | false refusal "
             "| citation precision | furniture quotes | short answer given / matches gold | judged | p50 / p95 ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for split, table in tables.items():
        for name, m in table.items():
            lines.append(f"| {name} | {split} | {m['n']} ({m['answerable']} / {m['unanswerable']}) | {m['accuracy']}% "
                         f"| {m['correct_refusal']}% | {m['false_refusal']}% | {m['citation_precision']}% "
                         f"| {m['furniture_quotes']} | {m['short_given']}% / {m['short_right']}% "
                         f"| {m.get('judged')}% | {m['p50_ms']} / {m['p95_ms']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=["dev", "test", "all", "both"])
    ap.add_argument("--sets", default="pages,sample,fixtures")
    ap.add_argument("--reader", default=None)
    ap.add_argument("--failures", type=Path, default=None)
    ap.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = ap.parse_args()
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    tables = {}
    for split in splits:
        tables[split] = run(args.sets.split(","), split, args.reader,
                            args.failures if split != "test" else None)  # test failures are never looked at
    print(json.dumps(tables, indent=1))
    from assistant.config import Settings

    md = markdown(tables, args.reader or Settings().reader)
    print(md)
    if args.write:
        from _results import update_section

        update_section(f"reader-eval-{args.reader or Settings().reader}", md)


if __name__ == "__main__":
    main()
