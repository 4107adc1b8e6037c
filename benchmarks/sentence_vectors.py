"""Chunk vectors encoded from the chunk text vs built from the chunk's sentence vectors: retrieval quality.

Sentence vectors are computed at ingest either way (the reader needs them). This measures whether the chunk
vectors can be the length-weighted mean of their sentences' vectors (one encode pass over sentences instead of
two passes, sentences and chunks) without losing retrieval: Hits@5 on RGB en_fact dev (a top-5 chunk holds a
gold answer) and on the real-pages dev questions (a top-5 chunk is from the expected page), for hybrid retrieval
as the product runs it and for dense retrieval alone; plus the ingest time of each.

    python benchmarks/sentence_vectors.py          (rewrites its section of RESULTS.md)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The retrieval stack is measured here; the LLM judge (its own speed in judge_eval.py) would add 1-3 s to
# unsure questions and 1.6 GB to a process. ASSISTANT_JUDGE=auto in the environment measures with it.
os.environ.setdefault("ASSISTANT_JUDGE", "off")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import update_section  # noqa: E402
from reader_eval import PAGES, load_rows  # noqa: E402

RGB = ROOT.parent / "shared" / "datasets" / "rgb" / "en_fact_dev.jsonl"


def hits(assistant, questions, is_hit, dense_only: bool) -> tuple[int, int]:
    found = 0
    for q in questions:
        q_vec = assistant.embedder.encode_one(q["question"])
        if dense_only:
            chunks = [h.chunk for h in assistant.index.store.query(q_vec, 5)]
        else:
            chunks = [c.chunk for c in assistant.retriever.retrieve(q["question"], q_vec, limit=5)]
        found += any(is_hit(q, c) for c in chunks)
    return found, len(questions)


def run_mode(mode: str, embedder) -> dict:
    from assistant import Assistant
    from assistant.evaluation import contains_gold, load_rgb_fact

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        rgb = load_rgb_fact(RGB)
        a = Assistant(index_dir=Path(tmp) / "rgb", embedder=embedder, load_samples=False)
        a.index.chunk_vectors = mode
        t = time.perf_counter()
        a.add_documents(rgb.documents)
        out["rgb_ingest_s"] = time.perf_counter() - t
        qs = [{"question": i.question, "answers": i.answers} for i in rgb.items]
        for dense in (False, True):
            out[f"rgb_{'dense' if dense else 'hybrid'}"] = hits(
                a, qs, lambda q, c: contains_gold(c.text, q["answers"]), dense)
        if PAGES.is_dir():
            a = Assistant(index_dir=Path(tmp) / "pages", embedder=embedder, load_samples=False)
            a.index.chunk_vectors = mode
            t = time.perf_counter()
            a.ingest(sorted((PAGES / "html").glob("*.html.gz")))
            out["pages_ingest_s"] = time.perf_counter() - t
            by_name = {Path(i.path).name: i.id for i in a.articles() if i.path}
            rows = [r for r in load_rows("pages") if r["split"] == "dev" and r["answerable"]]
            for r in rows:
                r["expected"] = by_name.get(f"{r['page']}.html.gz")
            for dense in (False, True):
                out[f"pages_{'dense' if dense else 'hybrid'}"] = hits(
                    a, rows, lambda q, c: c.article_id == q["expected"], dense)
    return out


def main() -> None:
    if not RGB.exists():
        sys.exit(f"{RGB} is absent: this benchmark needs the RGB dev set")
    from assistant.embeddings import load_embedder

    embedder = load_embedder("all-MiniLM-L6-v2")
    embedder.encode(["warm up"])
    rows = []
    for mode, label in (("encode", "chunk text encoded (sentences encoded too)"),
                        ("sentences", "mean of its sentence vectors (sentences encoded only)")):
        r = run_mode(mode, embedder)

        def cell(key):
            n, d = r.get(key, (0, 0))
            return f"{100 * n / d:.1f}% ({n}/{d})" if d else "n/a"

        rows.append(f"| {label} | {cell('rgb_hybrid')} | {cell('rgb_dense')} | {cell('pages_hybrid')} | "
                    f"{cell('pages_dense')} | {r['rgb_ingest_s']:.1f} s | {r.get('pages_ingest_s', 0):.1f} s |")
        print(rows[-1], flush=True)
    body = "\n".join([
        "## Chunk vectors: encoded vs built from sentence vectors",
        "",
        "Sentence vectors are computed at ingest either way (the reader scores sentences with them, so a question "
        "embeds only itself). The default builds a chunk's vector as the length-weighted mean of its sentences' "
        "vectors.",
        "",
        f"Embedder: {type(embedder).__name__} (all-MiniLM-L6-v2). Hits@5: RGB en_fact dev (a top-5 chunk holds a gold "
        "answer) and real-pages dev answerable questions (a top-5 chunk is from the expected page).",
        "",
        "| chunk vector | RGB Hits@5 hybrid | RGB Hits@5 dense | pages Hits@5 hybrid | pages Hits@5 dense | "
        "RGB ingest | pages ingest |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ])
    print(body)
    update_section("sentence-vectors", body)


if __name__ == "__main__":
    main()
