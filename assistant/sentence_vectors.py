"""Sentence vectors, computed once at ingest and kept beside their chunk, so a question embeds only itself.

For each chunk the local keyword database (``keyword.KeywordIndex``) keeps its sentence boundaries ("start:end"
pairs relative to the chunk) and the vectors of those sentences (float16 bytes, 768 a sentence for a 384-d
model), written in the same transaction as the chunk's keyword row. They are a cache, like the keyword index:
a chunk without them (synced from a Chroma server that another process wrote to, or after the keyword file was
rebuilt) has its sentences split and embedded the first time a question reads it, and stored then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .chunking import sentences
from .models import Chunk, Span

if TYPE_CHECKING:
    from .embeddings import Embedder

Stored = tuple[str, bytes]  # (packed boundaries, packed vectors) of one chunk


def split(chunk: Chunk) -> list[Span]:
    """The sentences of a chunk, with article offsets: the unit that gets a vector."""
    return sentences(chunk.text, offset=chunk.start)


def pack(chunk: Chunk, spans: Sequence[Span], vectors: np.ndarray) -> Stored:
    bounds = ",".join(f"{s.start - chunk.start}:{s.end - chunk.start}" for s in spans)
    return bounds, np.ascontiguousarray(vectors, dtype=np.float16).tobytes()


def unpack(chunk: Chunk, stored: Stored | None, dim: int) -> tuple[list[Span], np.ndarray] | None:
    """A chunk's stored sentences and vectors, or None when there are none or they do not fit the chunk (another
    model's vectors, a damaged row)."""
    if not stored or not isinstance(stored[0], str) or not isinstance(stored[1], (bytes, memoryview)):
        return None
    try:
        pairs = [tuple(map(int, pair.split(":"))) for pair in stored[0].split(",")] if stored[0] else []
    except ValueError:
        return None
    n = len(chunk.text)
    if not pairs or not all(0 <= s < e <= n for s, e in pairs) or len(stored[1]) != len(pairs) * dim * 2:
        return None
    spans = [Span(text=chunk.text[s:e], start=chunk.start + s, end=chunk.start + e) for s, e in pairs]
    return spans, np.frombuffer(stored[1], dtype=np.float16).reshape(len(pairs), dim).astype(np.float32)


def encode_chunks(embedder: Embedder, chunks: Sequence[Chunk]) -> tuple[list[list[Span]], list[np.ndarray]]:
    """The sentences of each chunk and their vectors; a sentence shared by overlapping chunks is embedded once."""
    spans = [split(c) for c in chunks]
    keys: dict[tuple[str, int, int], int] = {}
    texts: list[str] = []
    for chunk, chunk_spans in zip(chunks, spans):
        for span in chunk_spans:
            key = (chunk.article_id, span.start, span.end)
            if key not in keys:
                keys[key] = len(texts)
                texts.append(span.text)
    vectors = embedder.encode(texts)
    return spans, [vectors[[keys[(c.article_id, s.start, s.end)] for s in chunk_spans]] if chunk_spans
                   else np.zeros((0, embedder.dim), dtype=np.float32) for c, chunk_spans in zip(chunks, spans)]


def chunk_vector(sentence_vectors: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
    """A chunk's vector from its sentences' vectors: their mean weighted by length, normalised (mean pooling over
    the chunk's tokens, approximately)."""
    weights = np.array([max(len(s.text), 1) for s in spans], dtype=np.float32)
    v = (sentence_vectors * weights[:, None]).sum(axis=0)
    return v / (float(np.linalg.norm(v)) or 1.0)


def for_chunks(embedder: Embedder, chunks: Sequence[Chunk], stored: dict[str, Stored],
               save=None) -> dict[str, tuple[list[Span], np.ndarray]]:
    """Sentences and their vectors for each chunk: from ``stored`` where they fit, the rest split and embedded
    now (in one call) and handed to ``save({chunk id: Stored})`` so the next question finds them."""
    out: dict[str, tuple[list[Span], np.ndarray]] = {}
    missing: list[Chunk] = []
    for chunk in {c.id: c for c in chunks}.values():  # each chunk once
        found = unpack(chunk, stored.get(chunk.id), embedder.dim)
        if found is None:
            missing.append(chunk)
        else:
            out[chunk.id] = found
    if missing:
        spans, vectors = encode_chunks(embedder, missing)
        for chunk, s, v in zip(missing, spans, vectors):
            out[chunk.id] = (s, v)
        if save is not None:
            save({c.id: pack(c, s, v) for c, s, v in zip(missing, spans, vectors)})
    return out
