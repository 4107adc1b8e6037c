"""Scaling measurements for docs/SCALING.md: embedding speed per core, and query latency vs index size.

Index sizes of 1k, 10k and 100k chunks are built from synthetic news-like chunks. Embedding 100k chunks with the
real model would take about half an hour on this machine, so each chunk's vector is the normalised mean of the
real-model vectors of its sentences (drawn from a pool of 3,000 embedded sentences): realistic vectors for
measuring Chroma and BM25 at size. Queries then run the real pipeline (real model for the question and the
sentence reranking).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import folder_mb, pct  # noqa: E402
SIZES = [1_000, 10_000, 100_000]
CHUNKS_PER_ARTICLE = 5

TOWNS = ["Aleppo", "Hasaka", "Urfa", "Raqqa", "Idlib", "Homs", "Hama", "Daraa", "Latakia", "Tartus", "Amman",
         "Beirut", "Mosul", "Erbil", "Gaziantep", "Kilis", "Zarqa", "Irbid", "Tripoli", "Sidon"]
SUBJECTS = ["refugees", "families", "aid trucks", "doctors", "schools", "tents", "volunteers", "patients",
            "soldiers", "journalists", "farmers", "students"]
VERBS = ["arrived in", "left", "were counted in", "were reported in", "reached", "were registered in"]
SOURCES = ["UNHCR", "the Red Crescent", "local officials", "the ministry", "activists", "a spokesman"]


def sentence_pool(rng: random.Random, n: int) -> list[str]:
    return [
        f"{rng.randint(10, 99_999):,} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TOWNS)} "
        f"on day {rng.randint(1, 30)}, {rng.choice(SOURCES)} said." for _ in range(n)
    ]


def embed_speed(embedder, texts: list[str]) -> dict[str, float]:
    import torch

    out = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        embedder.encode(texts[:32])
        t = time.perf_counter()
        embedder.encode(texts)
        out[f"{threads}_core"] = len(texts) / (time.perf_counter() - t)
    torch.set_num_threads(2)
    return out


def main() -> None:
    from assistant import Assistant
    from assistant.chunking import chunk_article
    from assistant.embeddings import load_embedder
    from assistant.ingest import article_id
    from assistant.models import Article

    rng = random.Random(11)
    embedder = load_embedder("all-MiniLM-L6-v2")
    pool = sentence_pool(rng, 3000)
    pool_vecs = embedder.encode(pool)

    chunk_texts = [" ".join(rng.sample(pool, 12)) for _ in range(256)]  # ~900-character chunks, as ingested
    speed = embed_speed(embedder, chunk_texts)
    print("embedding chunks/s", speed)

    rows = []
    for size in SIZES:
        index = Path(tempfile.mkdtemp()) / "index"
        a = Assistant(index_dir=index, embedder=embedder)
        t = time.perf_counter()
        batch: list[tuple[Article, list]] = []
        vecs: list[np.ndarray] = []
        total, i = 0, -1
        while total < size:
            i += 1
            picks = [rng.randrange(len(pool)) for _ in range(CHUNKS_PER_ARTICLE * 4)]
            text = "\n".join(" ".join(pool[p] for p in picks[k * 4 : k * 4 + 4]) for k in range(CHUNKS_PER_ARTICLE))
            art = Article(id=article_id(f"{i} {text}"), title=f"Dispatch {i} from {rng.choice(TOWNS)}", text=text,
                          source="synthetic", published=date(2012, 1 + i % 12, 1 + i % 28), path=f"synthetic#{i}")
            chunks = chunk_article(art, chunk_size=400)[: size - total]
            total += len(chunks)
            for c in chunks:
                v = pool_vecs[[p for p in picks if pool[p] in c.text]].mean(axis=0)
                vecs.append(v / np.linalg.norm(v))
            art.n_chunks = len(chunks)
            batch.append((art, chunks))
            if len(batch) >= 1000:
                a.index.store.add_articles(batch, np.asarray(vecs, dtype=np.float32))
                batch, vecs = [], []
        if batch:
            a.index.store.add_articles(batch, np.asarray(vecs, dtype=np.float32))
        store_s = time.perf_counter() - t
        n_articles = i + 1
        t = time.perf_counter()
        a._rebuild_keyword()
        bm25_s = time.perf_counter() - t
        n_chunks = a.index.store.count()[1]
        t = time.perf_counter()
        reopened = Assistant(index_dir=index, embedder=embedder)
        open_s = time.perf_counter() - t

        questions = [f"How many {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TOWNS)}?" for _ in range(40)]
        for q in questions[:5]:
            reopened.ask(q)
        lat, dense, keyword, answered = [], [], [], 0
        for q in questions:
            t = time.perf_counter()
            answered += not reopened.ask(q).refused
            lat.append((time.perf_counter() - t) * 1000)
            vec = embedder.encode_one(q)
            t = time.perf_counter()
            reopened.index.store.query(vec, 20)
            dense.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            reopened.index.keyword.search(q, 20)
            keyword.append((time.perf_counter() - t) * 1000)
        row = {
            "chunks": n_chunks, "articles": n_articles, "store_write_s": store_s, "bm25_build_s": bm25_s,
            "open_s": open_s, "p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95),
            "dense_p50_ms": statistics.median(dense), "bm25_p50_ms": statistics.median(keyword),
            "disk_mb": folder_mb(index), "answered": answered,
        }
        print(json.dumps(row))
        rows.append(row)

    Path(ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "benchmarks" / "out" / "scaling.json").write_text(json.dumps({"embed": speed, "rows": rows}, indent=2))
    lines = [
        "## Scaling: query latency vs index size",
        "",
        "Synthetic news-like chunks (vectors: mean of real-model sentence vectors, see benchmarks/scaling.py); "
        "queries run the real pipeline. Embedding speed on ~900-character chunks: "
        f"**{speed['1_core']:.1f} chunks/s on 1 core**, {speed['2_core']:.1f} chunks/s on 2 cores.",
        "",
        "| chunks | articles | write to Chroma | BM25 build | open index | ask p50 / p95 | dense query p50 | BM25 query p50 | disk |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| {r['chunks']:,} | {r['articles']:,} | {r['store_write_s']:.1f} s | {r['bm25_build_s']:.1f} s | "
                     f"{r['open_s']:.1f} s | {r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms | {r['dense_p50_ms']:.1f} ms | "
                     f"{r['bm25_p50_ms']:.1f} ms | {r['disk_mb']:.0f} MB |")
    from _results import update_section

    update_section("scaling", "\n".join(lines))


if __name__ == "__main__":
    main()
