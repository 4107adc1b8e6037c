"""HTML cleaning quality on ../shared/datasets/article-extraction (120 news pages with their true bodies).

Scoring as the article-extraction-benchmark does it: `\\w+` tokens, 4-token shingles; per page TP/FP/FN as
shares of their sum; averaged over pages; P = TP/(TP+FP), R = TP/(TP+FN). Compares trafilatura alone (default,
favor_precision) with the text the assistant stores (trafilatura + our cleaning).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "article-extraction"


def shingles(text: str, n: int = 4) -> Counter:
    tokens = re.findall(r"\w+", text.lower())
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def page_scores(pred: str, true: str) -> tuple[float, float, float]:
    p, t = shingles(pred), shingles(true)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def evaluate(extract) -> dict[str, float]:
    truth = json.loads((DATA / "ground-truth-dev.json").read_text())
    tp = fp = fn = 0.0
    started = time.perf_counter()
    for key, item in truth.items():
        html = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes())
        try:
            pred = extract(html) or ""
        except Exception:
            pred = ""
        a, b, c = page_scores(pred, item["articleBody"])
        tp, fp, fn = tp + a, fp + b, fn + c
    n = len(truth)
    tp, fp, fn = tp / n, fp / n, fn / n
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall),
            "pages": n, "seconds": time.perf_counter() - started}


def ours(html: bytes) -> str:
    from assistant.ingest import to_article
    from assistant.loaders import load_html

    return to_article(load_html("page.html", html).documents[0]).text


def main() -> None:
    import trafilatura

    rows = {
        "trafilatura 2.3.1 `extract()` default": evaluate(lambda h: trafilatura.extract(h)),
        "trafilatura `favor_precision=True`": evaluate(lambda h: trafilatura.extract(h, favor_precision=True)),
        "**assistant: stored article text** (trafilatura precision mode + metadata + junk-line cleaning)": evaluate(ours),
    }
    lines = [
        "## HTML cleaning: article-extraction benchmark (120 pages)",
        "",
        "Data: 120 pages of Scrapinghub's article-extraction-benchmark (MIT). Shingle scoring as in that benchmark.",
        "",
        "| extractor | precision | recall | F1 | seconds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['seconds']:.1f} |")
        print(name, {k: round(v, 4) for k, v in r.items()})
    from _results import update_section

    update_section("extraction", "\n".join(lines))


if __name__ == "__main__":
    main()
