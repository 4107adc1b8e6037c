"""Sentence vectors, computed once at ingest and kept with their chunk, so a question embeds only itself.

Each chunk's metadata holds the vectors of its sentences (:func:`chunk_sentences`, in order) as base64 float16
(768 bytes a sentence for a 384-d model). A reader takes them from there; a chunk stored without them (an index
built before they existed) has its sentences embedded at question time instead, with the same result.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .chunking import sentences
from .models import Chunk, Span

if TYPE_CHECKING:
    from .embeddings import Embedder

META_KEY = "sentence_vectors"


def chunk_sentences(chunk: Chunk) -> list[Span]:
    """The sentences of a chunk, with article offsets: the unit that gets a vector, at ingest and when read."""
    return sentences(chunk.text, offset=chunk.start)


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


def encode_chunks(embedder: Embedder, chunks: Sequence[Chunk]) -> list[np.ndarray]:
    """The sentence vectors of each chunk; a sentence shared by overlapping chunks is embedded once."""
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
    return [vectors[[keys[(c.article_id, s.start, s.end)] for s in chunk_spans]].reshape(len(chunk_spans), -1)
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
