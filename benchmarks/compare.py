"""Side by side on the RGB dev sets: this assistant vs a plain LlamaIndex baseline (same machine, embedder, data).

Baseline, as a developer would build it in an afternoon: `VectorStoreIndex` over `ChromaVectorStore`, the
default `SentenceSplitter`, top-k dense retrieval, answer = the top retrieved chunk (no LLM), refusal = a plain
similarity threshold tuned on the same dev sets (the best accuracy + correct refusal with false refusal ≤ 10%).
Both are scored by the same code (assistant.evaluation). Tuning used only ../shared/datasets/rgb dev files.

RGB: Chen et al., "Benchmarking Large Language Models in Retrieval-Augmented Generation", AAAI 2024;
data licence CC BY-NC-SA 4.0 (evaluation only, not shipped).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RGB = ROOT.parent / "shared" / "datasets" / "rgb"
OUT = ROOT / "benchmarks" / "out"


class Baseline:
    def __init__(self, embedder, documents, folder: Path, threshold: float = 0.0):
        import chromadb
        from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
        from llama_index.core.embeddings import BaseEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        class Adapter(BaseEmbedding):  # the same MiniLM model object as the assistant uses
            def _get_query_embedding(self, query):
                return embedder.encode_one(query).tolist()

            def _get_text_embedding(self, text):
                return embedder.encode_one(text).tolist()

            def _get_text_embeddings(self, texts):
                return embedder.encode(texts).tolist()

            async def _aget_query_embedding(self, query):
                return self._get_query_embedding(query)

        Settings.embed_model = Adapter(model_name="minilm", embed_batch_size=64)
        Settings.llm = None
        client = chromadb.PersistentClient(str(folder), settings=chromadb.Settings(anonymized_telemetry=False))
        collection = client.get_or_create_collection("baseline", embedding_function=None,
                                                     configuration={"hnsw": {"space": "cosine"}})
        store = ChromaVectorStore(chroma_collection=collection)
        self.docs = {}
        li_docs = []
        for i, d in enumerate(documents):
            doc_id = f"doc{i}"
            self.docs[doc_id] = d
            li_docs.append(Document(text=d["text"], doc_id=doc_id, metadata={"title": d.get("title", "")}))
        t = time.perf_counter()
        self.index = VectorStoreIndex.from_documents(li_docs, storage_context=StorageContext.from_defaults(vector_store=store))
        self.ingest_s = time.perf_counter() - t
        self.retriever = self.index.as_retriever(similarity_top_k=5)
        self.threshold = threshold

    def nodes(self, question: str):
        return self.retriever.retrieve(question)

    def ask(self, question: str):
        from assistant.models import Answer, Citation

        nodes = self.nodes(question)
        if not nodes or (nodes[0].score or 0.0) < self.threshold:
            return Answer(question=question, text="The articles don't say.", refused=True)
        top = nodes[0]
        doc_id = top.node.ref_doc_id
        return Answer(
            question=question, text=top.node.get_content(), confidence=top.score or 0.0,
            citations=[Citation(number=1, article_id=doc_id, title=self.docs[doc_id].get("title", ""),
                                quote=top.node.get_content(), start=top.node.start_char_idx or 0,
                                end=top.node.end_char_idx or 0)],
        )

    def articles(self, ids):
        from assistant.models import Article

        return {i: Article(id=i, title=self.docs[i].get("title", ""), text=self.docs[i]["text"]) for i in ids if i in self.docs}

    def search(self, question, k):
        return [(n.node.ref_doc_id, n.node.get_content()) for n in self.nodes(question)[:k]]


def tune_threshold(systems) -> float:
    """Best plain threshold for the baseline on the dev sets (acc + refusal, false refusal ≤ 10%)."""
    from assistant.evaluation import contains_gold

    rows = []
    for base, ds in systems:
        for item in ds.items:
            nodes = base.nodes(item.question)
            score = nodes[0].score if nodes else 0.0
            hit = bool(nodes) and item.answerable and contains_gold(nodes[0].node.get_content(), item.answers)
            rows.append((item.answerable, score, hit))
    best = (-1.0, 0.0)
    for t in [x / 100 for x in range(0, 100)]:
        ans = [r for r in rows if r[0]]
        un = [r for r in rows if not r[0]]
        acc = sum(1 for r in ans if r[1] >= t and r[2]) / len(ans)
        ref = sum(1 for r in un if r[1] < t) / len(un)
        fref = sum(1 for r in ans if r[1] < t) / len(ans)
        if fref <= 0.10 and acc + ref > best[0]:
            best = (acc + ref, t)
    return best[1]


def main() -> None:
    from assistant import Assistant
    from assistant.embeddings import load_embedder
    from assistant.evaluation import System, assistant_system, load_rgb_fact, load_rgb_negative, run_eval, write_failures

    OUT.mkdir(parents=True, exist_ok=True)
    embedder = load_embedder("all-MiniLM-L6-v2")
    sets = [load_rgb_fact(RGB / "en_fact_dev.jsonl"), load_rgb_negative(RGB / "negative_rejection_dev.jsonl"),
            load_rgb_fact(RGB / "en_fact_dev.jsonl", counterfactual=True)]
    reports, started = {}, time.perf_counter()
    baselines = []
    for ds in sets:
        a = Assistant(index_dir=Path(tempfile.mkdtemp()) / "index", embedder=embedder)
        t = time.perf_counter()
        a.add_documents(ds.documents)
        ingest_s = time.perf_counter() - t
        rep = run_eval(assistant_system(a), ds)
        write_failures(rep, OUT / f"failures-assistant-{ds.name}.jsonl")
        reports[("assistant", ds.name)] = (rep, ingest_s)
        baselines.append((Baseline(embedder, ds.documents, Path(tempfile.mkdtemp())), ds))
    eval_seconds = time.perf_counter() - started
    threshold = tune_threshold(baselines[:2])
    for base, ds in baselines:
        base.threshold = threshold
        rep = run_eval(System(ask=base.ask, search=base.search, articles=base.articles, name="baseline"), ds)
        write_failures(rep, OUT / f"failures-baseline-{ds.name}.jsonl")
        reports[("baseline", ds.name)] = (rep, base.ingest_s)

    lines = [
        "## Evaluation: RGB dev sets, this assistant vs plain LlamaIndex",
        "",
        "Data: RGB (Chen et al., *Benchmarking Large Language Models in Retrieval-Augmented Generation*, AAAI 2024), "
        "English dev files in ../shared/datasets/rgb, licence CC BY-NC-SA 4.0 (used for evaluation only, not shipped). "
        "Each passage is one small article in a fresh index per set. Same embedder (all-MiniLM-L6-v2), same machine. "
        f"Baseline: VectorStoreIndex + ChromaVectorStore, default SentenceSplitter, answer = top chunk, similarity "
        f"threshold {threshold:.2f} tuned on these dev sets. No generative model in either.",
        "",
        "| set | system | accuracy | correct refusal | false refusal | citation precision | numeric exactness | Hits@5 | MRR@5 | p50 / p95 ms | ingest s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (system, name), (r, ingest_s) in sorted(reports.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        mrr = "n/a" if r.mrr_at_k is None else f"{r.mrr_at_k:.3f}"
        lines.append(f"| {name} | {system} | {r.accuracy} | {r.correct_refusal} | {r.false_refusal} | {r.citation_precision} "
                     f"| {r.numeric_exactness} | {r.hits_at_k} | {mrr} | {r.latency_p50_ms:.0f} / {r.latency_p95_ms:.0f} | {ingest_s:.1f} |")
    lines += ["", "Counterfactual set (true and altered passages both indexed; answers classified by which answer they contain):", ""]
    for system in ("assistant", "baseline"):
        r = reports[(system, sets[2].name)][0]
        lines.append(f"- {system}: {json.dumps(r.counterfactual, sort_keys=True)}")
    lines += ["", f"Full eval of the assistant on all three sets (index + ask): {eval_seconds:.0f} s.",
              "Latency here is per question inside the eval loop; idle figures are in the speed section.",
              "Per-question failures: `benchmarks/out/failures-*.jsonl` (not committed; rerun `python benchmarks/compare.py`)."]
    body = "\n".join(lines)
    print(body)
    from _results import update_section

    update_section("rgb-eval", body)


if __name__ == "__main__":
    main()
