"""Hybrid retrieval: dense vectors in Chroma and BM25 keywords, fused by reciprocal rank (sentences are scored
afterwards by a ``reader``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .records import Candidate

if TYPE_CHECKING:
    from .keyword import KeywordIndex
    from .store import ChromaStore

RRF_K = 60


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank + 1)
    return fused


class Retriever:
    """Dense and keyword search over the same chunks, fused by reciprocal rank."""

    def __init__(self, store: ChromaStore, keyword: KeywordIndex, top_k_dense: int = 20, top_k_bm25: int = 20,
                 top_k_rerank: int = 8):
        self.store = store
        self.keyword = keyword
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
