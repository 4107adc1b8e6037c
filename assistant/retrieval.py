"""Hybrid retrieval (dense Chroma + BM25, reciprocal rank fusion) and sentence-level reranking."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .chunking import sentences
from .embeddings import Embedder
from .keyword import KeywordIndex
from .models import Chunk, Span
from .question import QueryInfo, answers_kind
from .store import ChromaStore
from .textutil import numbers, terms

RRF_K = 60

# Weights of the sentence score, tuned on the RGB dev sets (benchmarks/eval_rgb.py).
W_COS = 0.60
W_OVERLAP = 0.10
W_CONTEXT = 0.10
W_KIND = 0.0  # the kind still gates the answer (answer.select_evidence); as a score term it did not help
MISSING_NUMBER_PENALTY = 0.10  # a number of the question (year, quarter) missing from the chunk
SENTENCE_NUMBER_PENALTY = 0.20  # ... missing from the sentence itself


@dataclass
class Candidate:
    chunk: Chunk
    meta: dict
    rrf: float = 0.0
    dense: float = 0.0
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass
class ScoredSentence:
    span: Span
    chunk: Chunk
    meta: dict
    score: float
    features: dict[str, float] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank + 1)
    return fused


class Retriever:
    def __init__(self, store: ChromaStore, keyword: KeywordIndex, embedder: Embedder, top_k_dense: int = 20,
                 top_k_bm25: int = 20, top_k_rerank: int = 8):
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self.top_k_dense = top_k_dense
        self.top_k_bm25 = top_k_bm25
        self.top_k_rerank = top_k_rerank

    def retrieve(self, query: str, q_vec: np.ndarray, where: dict | None = None, limit: int | None = None) -> list[Candidate]:
        """Chunks from both retrievers, fused by reciprocal rank, best first (``top_k_rerank`` of them)."""
        dense = self.store.query(q_vec, self.top_k_dense, where=where)
        bm25 = self.keyword.search(query, self.top_k_bm25)
        fused = reciprocal_rank_fusion([[h.chunk.id for h in dense], [cid for cid, _ in bm25]])
        cands: dict[str, Candidate] = {}
        for rank, hit in enumerate(dense):
            cands[hit.chunk.id] = Candidate(hit.chunk, hit.meta, dense=hit.score, dense_rank=rank)
        missing = [cid for cid, _ in bm25 if cid not in cands]
        for hit in self.store.get_chunks(missing):
            if where is None or _matches(hit.meta, where):
                cands[hit.chunk.id] = Candidate(hit.chunk, hit.meta)
        for rank, (cid, _) in enumerate(bm25):
            if cid in cands:
                cands[cid].bm25_rank = rank
        for cid, cand in cands.items():
            cand.rrf = fused.get(cid, 0.0)
        ranked = sorted(cands.values(), key=lambda c: c.rrf, reverse=True)
        return ranked[: limit or self.top_k_rerank]

    def rerank_sentences(self, info: QueryInfo, q_vec: np.ndarray, cands: list[Candidate]) -> list[ScoredSentence]:
        """Score every sentence of the candidate chunks for how well it answers the question."""
        items: list[tuple[Span, Candidate]] = []
        seen: set[tuple[str, int]] = set()
        for cand in cands:
            for span in sentences(cand.chunk.text, offset=cand.chunk.start):
                key = (cand.chunk.article_id, span.start)
                if key in seen or len(span.text) < 3:
                    continue
                seen.add(key)
                items.append((span, cand))
        if not items:
            return []
        vecs = self.embedder.encode([span.text for span, _ in items])
        cos = vecs @ q_vec
        q_terms = info.terms
        weights = {t: self.keyword.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        context_terms = {c.chunk.id: set(terms(f"{c.meta.get('title', '')} {c.chunk.text}")) for c in cands}
        scored = []
        for (span, cand), c in zip(items, cos):
            s_terms = set(terms(span.text))
            overlap = sum(w for t, w in weights.items() if t in s_terms) / total
            context = sum(w for t, w in weights.items() if t in context_terms[cand.chunk.id]) / total
            kind_ok = answers_kind(span.text, info)
            context_numbers = set(numbers(f"{cand.meta.get('title', '')} {cand.chunk.text}"))
            missing = [n for n in info.numbers if n not in context_numbers]
            sentence_numbers = set(numbers(span.text))
            missing_here = [n for n in info.numbers if n not in sentence_numbers]
            score = W_COS * float(c) + W_OVERLAP * overlap + W_CONTEXT * context + W_KIND * float(kind_ok)
            score -= MISSING_NUMBER_PENALTY * (len(missing) / max(len(info.numbers), 1)) if missing else 0.0
            score -= SENTENCE_NUMBER_PENALTY * (len(missing_here) / max(len(info.numbers), 1)) if missing_here else 0.0
            scored.append(
                ScoredSentence(
                    span, cand.chunk, cand.meta, score,
                    {"cos": float(c), "overlap": overlap, "context": context, "kind": float(kind_ok),
                     "missing_numbers": float(len(missing)), "missing_here": float(len(missing_here)),
                     "n_numbers": float(len(info.numbers)), "rrf": cand.rrf},
                )
            )
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored


def _matches(meta: dict, where: dict) -> bool:
    """Minimal evaluation of a Chroma ``where`` filter for chunks fetched by id (equality and ranges)."""
    for key, cond in where.items():
        if key == "$and":
            if not all(_matches(meta, c) for c in cond):
                return False
            continue
        value = meta.get(key)
        if isinstance(cond, dict):
            for op, target in cond.items():
                if not _compare(op, value, target):
                    return False
        elif value != cond:
            return False
    return True


def _compare(op: str, value, target) -> bool:
    if op == "$eq":
        return value == target
    if op == "$ne":
        return value != target
    if op in ("$in", "$nin"):
        return (value in target) == (op == "$in")
    if value is None:
        return False
    return {"$gt": value > target, "$gte": value >= target, "$lt": value < target, "$lte": value <= target}.get(op, True)
