"""Sentence-aware chunking that keeps character offsets into the article text.

Invariant: for every chunk, ``article.text[chunk.start:chunk.end] == chunk.text``; the same holds for every
sentence span returned by :func:`sentences`.
"""

from __future__ import annotations

from .models import Article, Chunk, Span
from .textutil import sentence_spans


def _split_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut a span longer than ``limit`` at whitespace (a 'sentence' with no punctuation, e.g. a data dump)."""
    pieces = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def sentences(text: str, offset: int = 0, max_len: int = 1000) -> list[Span]:
    """Sentences of ``text`` with offsets (plus ``offset``), long ones cut to ``max_len`` characters."""
    spans: list[Span] = []
    for start, end in sentence_spans(text):
        for s, e in _split_long(text, start, end, max_len) if end - start > max_len else [(start, end)]:
            spans.append(Span(text=text[s:e], start=s + offset, end=e + offset))
    return spans


def chunk_article(article: Article, chunk_size: int = 900, overlap: int = 1) -> list[Chunk]:
    """Group consecutive sentences into chunks of about ``chunk_size`` characters, ``overlap`` sentences shared."""
    spans = sentences(article.text, max_len=chunk_size)
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1].end - spans[i].start <= chunk_size:
            j += 1
        start, end = spans[i].start, spans[j].end
        chunks.append(
            Chunk(
                id=f"{article.id}-{len(chunks):05d}",
                article_id=article.id,
                text=article.text[start:end],
                start=start,
                end=end,
                index=len(chunks),
            )
        )
        if j + 1 >= len(spans):
            break
        i = max(j + 1 - overlap, i + 1)
    return chunks
