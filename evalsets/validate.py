"""Check the question sets in this folder: every line well-formed, every gold answer and evidence in its article.

Usage: python evalsets/validate.py [FILE ...]   (default: every *.jsonl here)
Pages of the article-extraction benchmark are read from ../shared/datasets/article-extraction (skipped with a
message when absent); fixture articles are read from the repository.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGES = ROOT.parent / "shared" / "datasets" / "article-extraction" / "ground-truth-dev.json"
KINDS = {"number", "person", "org", "place", "date", "who_said", "according_to", "long", "paraphrase", "other"}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def body_for(row: dict, pages: dict | None) -> str | None:
    if "page" in row:
        if pages is None:
            return None
        return pages[row["page"]]["articleBody"]
    return (ROOT / row["article"]).read_text(encoding="utf-8")


def check(path: Path, pages: dict | None) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: bad JSON ({exc})")
            continue
        for key in ("id", "question", "answers", "answerable", "kind"):
            if key not in row:
                errors.append(f"{where}: missing {key!r}")
        if ("page" in row) == ("article" in row):
            errors.append(f"{where}: needs exactly one of 'page' or 'article'")
            continue
        if row.get("id") in seen:
            errors.append(f"{where}: duplicate id {row.get('id')}")
        seen.add(row.get("id"))
        if row.get("kind") not in KINDS:
            errors.append(f"{where}: kind {row.get('kind')!r} not in {sorted(KINDS)}")
        body = body_for(row, pages)
        if body is None:
            continue
        nbody = norm(body)
        if row.get("answerable"):
            if not row.get("answers"):
                errors.append(f"{where}: answerable but no answers")
            evidence = row.get("evidence", "")
            if not evidence or norm(evidence) not in nbody:
                errors.append(f"{where}: evidence is not a substring of the article body")
            for ans in row.get("answers", []):
                if norm(ans) not in norm(evidence):
                    errors.append(f"{where}: answer {ans!r} not in the evidence sentence")
        else:
            if row.get("answers"):
                errors.append(f"{where}: unanswerable but has answers")
            if not row.get("why"):
                errors.append(f"{where}: unanswerable needs 'why'")
    return errors


def main(argv: list[str]) -> int:
    pages = json.loads(PAGES.read_text(encoding="utf-8")) if PAGES.exists() else None
    if pages is None:
        print(f"note: {PAGES} not found; page questions are checked for form only")
    files = [Path(a) for a in argv] or sorted(HERE.glob("*.jsonl"))
    total = 0
    for f in files:
        errs = check(f, pages)
        rows = [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
        ans = sum(1 for r in rows if r.get("answerable"))
        print(f"{f.name}: {len(rows)} questions ({ans} answerable, {len(rows) - ans} unanswerable), {len(errs)} errors")
        for e in errs:
            print("  " + e)
        total += len(errs)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
