"""Ingest throughput vs raw encoding, warm ask latency, index size, cold start (real packaged model, CPU).

Articles: the RGB dev passages (en_fact positives + negatives and the negative-rejection passages), each one
small article (≥ 900 articles), and, for ingest, also 30 real news articles (the true bodies of the first 30
pages of the article-extraction set, 1-15 chunks each, 141 in all). Questions: the 121 RGB dev queries. Raw encode: the
default embedder's ``encode`` on exactly the texts ingest embeds (each chunk's sentences, a sentence shared by
two chunks once).
Cold: a new process, for ``import`` + ``Assistant(...)``, the first answer in Python, and ``assistant ask`` on
the command line.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The retrieval stack is measured here; the LLM judge (its own speed in judge_eval.py) would add 1-3 s to
# unsure questions (its memory: scaling.py). ASSISTANT_JUDGE=auto in the environment measures with it.
os.environ.setdefault("ASSISTANT_JUDGE", "off")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import folder_mb, pct  # noqa: E402
RGB = ROOT.parent / "shared" / "datasets" / "rgb"
PAGES = ROOT.parent / "shared" / "datasets" / "article-extraction" / "ground-truth-dev.json"
N_PAGES = 30


def news_articles() -> list[dict]:
    """Real news articles: the true bodies of the first pages of the article-extraction set."""
    truth = json.loads(PAGES.read_text())
    return [{"text": page["articleBody"], "path": f"{key}.txt", "url": page.get("url")}
            for key, page in sorted(truth.items())[:N_PAGES] if page.get("articleBody")]


def ingest_vs_raw(embedder, docs: list[dict]) -> dict:
    """Best of two ``add_documents`` into a fresh index against best of two raw ``encode`` calls on exactly the
    sentences ingest embeds (alternated, so that neither side gets only the noisy moments)."""
    from assistant import Assistant
    from assistant.chunking import chunk_article
    from assistant.errors import IngestError
    from assistant.ingest import to_article
    from assistant.models import RawDocument
    from assistant.sentence_vectors import split

    texts, seen = [], set()
    for d in docs:
        try:
            article = to_article(RawDocument(**d))
        except IngestError:  # a few passages are only page furniture; ingest reports them as failed too
            continue
        if article.id not in seen:  # duplicates are skipped by ingest
            seen.add(article.id)
            texts += list(dict.fromkeys(s.text for c in chunk_article(article) for s in split(c)))
    raw_runs, ingest_runs = [], []
    for _ in range(2):
        t = time.perf_counter()
        embedder.encode(texts)
        raw_runs.append(time.perf_counter() - t)
        index = Path(tempfile.mkdtemp()) / "index"
        a = Assistant(index_dir=index, embedder=embedder)
        t = time.perf_counter()
        a.add_documents(docs)
        ingest_runs.append(time.perf_counter() - t)
    n_articles, n_chunks = a.index.store.count()
    raw_s, ingest_s = min(raw_runs), min(ingest_runs)
    return {"assistant": a, "index": index, "articles": n_articles, "chunks": n_chunks, "texts": len(texts),
            "raw_s": raw_s, "ingest_s": ingest_s, "ratio": raw_s / ingest_s}


def main() -> None:
    from assistant.embeddings import load_embedder
    from assistant.evaluation import load_rgb_fact, load_rgb_negative

    fact, neg = load_rgb_fact(RGB / "en_fact_dev.jsonl"), load_rgb_negative(RGB / "negative_rejection_dev.jsonl")
    docs = fact.documents + neg.documents
    questions = [i.question for i in fact.items + neg.items]
    embedder = load_embedder("all-MiniLM-L6-v2")
    embedder.encode(["warm up"])
    news = ingest_vs_raw(embedder, news_articles())
    rgb = ingest_vs_raw(embedder, docs)
    a, index = rgb["assistant"], rgb["index"]
    n_articles, n_chunks, raw_s, ingest_s = rgb["articles"], rgb["chunks"], rgb["raw_s"], rgb["ingest_s"]

    for q in questions[:5]:
        a.ask(q)
    latencies = []
    for q in questions:
        t = time.perf_counter()
        a.ask(q)
        latencies.append((time.perf_counter() - t) * 1000)
    stages = {k: statistics.median(a.ask(q).timings.get(k, 0) for q in questions[:40]) for k in ("embed", "retrieve", "rerank", "answer")}
    size = folder_mb(index) * 2**20

    code = "import time; t=time.perf_counter(); from assistant import Assistant; a=Assistant(index_dir=%r); " \
           "t1=time.perf_counter(); a.ask('How many refugees does Turkey shelter?'); t2=time.perf_counter(); " \
           "print(t1-t, t2-t1)" % str(index)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cold = [list(map(float, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                          cwd=ROOT).stdout.split())) for _ in range(3)]
    cold_open = statistics.median(c[0] for c in cold)
    cold_first = statistics.median(c[1] for c in cold)
    cli = [str(Path(sys.executable).parent / "assistant"), "ask", "How many refugees does Turkey shelter?",
           "--index-dir", str(index)]
    cli_runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cli, capture_output=True, env=env, cwd=ROOT)
        cli_runs.append(time.perf_counter() - t)
    cold_cli = statistics.median(cli_runs)

    result = {
        "articles": n_articles, "chunks": n_chunks, "ingest_s": ingest_s, "raw_encode_s": raw_s,
        "articles_per_s": n_articles / ingest_s, "chunks_per_s": n_chunks / ingest_s, "raw_texts": rgb["texts"],
        "ratio": rgb["ratio"], "news": {k: v for k, v in news.items() if k not in ("assistant", "index")}, "embedder": type(embedder).__name__, "cold_cli_s": cold_cli, "p50_ms": pct(latencies, 0.5), "p95_ms": pct(latencies, 0.95),
        "questions": len(latencies), "size_mb": size / 2**20, "mb_per_1000_chunks": size / 2**20 / n_chunks * 1000,
        "cold_open_s": cold_open, "cold_first_answer_s": cold_first, "stages_ms": stages,
    }
    print(json.dumps(result, indent=2))
    body = f"""## Speed and size (real model: all-MiniLM-L6-v2 on CPU)

Articles: {n_articles} RGB dev passages as small articles ({n_chunks} chunks). Questions: the {len(latencies)} RGB dev queries. Embedder: {result['embedder']} (all-MiniLM-L6-v2).

| measure | value | target |
| --- | --- | --- |
| ingest throughput (best of 2, fresh index each) | {result['articles_per_s']:.1f} articles/s, {result['chunks_per_s']:.1f} chunks/s ({ingest_s:.1f} s) | |
| raw `encode` of the same texts: {rgb['texts']} sentences (best of 2) | {raw_s:.1f} s | |
| ingest / raw encode (time of raw encode / time of ingest), RGB passages (one short chunk per article) | **{rgb['ratio']:.2f}×** | ≥ 0.95× |
| the same for {news['articles']} real news articles ({news['chunks']} chunks, {news['texts']} sentences): ingest {news['ingest_s']:.1f} s, raw encode {news['raw_s']:.1f} s | **{news['ratio']:.2f}×** | ≥ 0.95× |
| warm `ask` latency p50 / p95 | **{result['p50_ms']:.0f} ms** / {result['p95_ms']:.0f} ms | p50 ≤ 50 ms, p95 ≤ 100 ms |
| median per stage (embed / retrieve / rerank / answer) | {stages['embed']:.0f} / {stages['retrieve']:.0f} / {stages['rerank']:.0f} / {stages['answer']:.0f} ms | |
| index size on disk | {result['size_mb']:.1f} MB, **{result['mb_per_1000_chunks']:.1f} MB per 1,000 chunks** | |
| cold start: `import` + `Assistant(...)` on this index, new process | {cold_open:.2f} s | |
| cold start: first answer (loads the model) | {cold_first:.2f} s | open + first answer ≤ 2 s |
| cold `assistant ask` on the command line (whole process) | {cold_cli:.2f} s | ≤ 3 s |
"""
    from _results import update_section

    update_section("performance", body)


if __name__ == "__main__":
    main()
