"""Sentence vectors, computed once at ingest and kept with their chunk, so a question embeds only itself.

Each chunk's metadata holds its sentence boundaries (``SPANS_KEY``: "start:end" pairs relative to the chunk) and
the vectors of those sentences (``META_KEY``: base64 float16, 768 bytes a sentence for a 384-d model). A reader
takes both from there, so answering a question neither splits sentences nor embeds them; a chunk stored without
them (an index built before they existed) is split and embedded at question time instead, with the same result.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .chunking import sentences
from .models import Chunk, Span

if TYPE_CHECKING:
    from .embeddings import Embedder

META_KEY = "sentence_vectors"
SPANS_KEY = "sentence_spans"


def chunk_sentences(chunk: Chunk, meta: Mapping[str, object] | None = None) -> list[Span]:
    """The sentences of a chunk, with article offsets: the unit that gets a vector, at ingest and when read.
    Boundaries stored in the chunk's ``meta`` are used when they fit the chunk; otherwise the text is split."""
    stored = meta.get(SPANS_KEY) if meta else None
    if isinstance(stored, str) and stored:
        try:
            pairs = [tuple(map(int, pair.split(":"))) for pair in stored.split(",")]
        except ValueError:
            pairs = []
        n = len(chunk.text)
        if pairs and all(0 <= s < e <= n for s, e in pairs):
            return [Span(text=chunk.text[s:e], start=chunk.start + s, end=chunk.start + e) for s, e in pairs]
    return sentences(chunk.text, offset=chunk.start)


def pack_spans(chunk: Chunk, spans: Sequence[Span]) -> str:
    return ",".join(f"{s.start - chunk.start}:{s.end - chunk.start}" for s in spans)


def pack(vectors: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(vectors, dtype=np.float16).tobytes()).decode("ascii")


def unpack(text: object, n: int, dim: int) -> np.ndarray | None:
    """The ``n`` stored vectors, or None when there are none or they do not fit (another model, another split)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError:
        return None
    if len(raw) != n * dim * 2:
        return None
    return np.frombuffer(raw, dtype=np.float16).reshape(n, dim).astype(np.float32)


def encode_chunks(embedder: Embedder, chunks: Sequence[Chunk]) -> tuple[list[list[Span]], list[np.ndarray]]:
    """The sentences of each chunk and their vectors; a sentence shared by overlapping chunks is embedded once."""
    spans = [chunk_sentences(c) for c in chunks]
    keys: dict[tuple[str, int, int], int] = {}
    texts: list[str] = []
    for chunk, chunk_spans in zip(chunks, spans):
        for span in chunk_spans:
            key = (chunk.article_id, span.start, span.end)
            if key not in keys:
                keys[key] = len(texts)
                texts.append(span.text)
    vectors = embedder.encode(texts)
    return spans, [vectors[[keys[(c.article_id, s.start, s.end)] for s in chunk_spans]].reshape(len(chunk_spans), -1)
                   for c, chunk_spans in zip(chunks, spans)]


def chunk_vector(sentence_vectors: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
    """A chunk's vector from its sentences' vectors: their mean weighted by length, normalised (mean pooling over
    the chunk's tokens, approximately)."""
    weights = np.array([max(len(s.text), 1) for s in spans], dtype=np.float32)
    v = (sentence_vectors * weights[:, None]).sum(axis=0)
    return v / (float(np.linalg.norm(v)) or 1.0)


def cosines(embedder: Embedder, q_vec: np.ndarray, items: Sequence[tuple[Span, object, int]],
            stored: dict[str, np.ndarray | None]) -> np.ndarray:
    """Cosine of the question to each (sentence, candidate, index in its chunk): stored vectors where the chunk
    has them (``stored``: chunk id -> vectors or None), the rest embedded now in one call."""
    out = np.zeros(len(items), dtype=np.float32)
    missing = []
    for row, (span, cand, i) in enumerate(items):
        vectors = stored.get(cand.chunk.id)
        if vectors is not None:
            out[row] = float(vectors[i] @ q_vec)
        else:
            missing.append(row)
    if missing:
        out[missing] = embedder.encode([items[r][0].text for r in missing]) @ q_vec
    return out
