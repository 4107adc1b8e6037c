"""The typed records one question passes through, stage by stage (see ``pipeline``):

``Query`` (what was asked, as understood) -> ``Candidate`` chunks (retrieval) -> ``ScoredSentence`` (the reader)
-> ``Evidence`` (the sentences chosen) -> ``Draft`` (answer text with citations) -> ``models.Answer``.

Plain dataclasses: they live only inside one question; what leaves the library is a pydantic model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .dates import stored_date
from .models import Chunk, Citation, Span, TimeScope
from .news import TimeFilter
from .question import QueryInfo


@dataclass
class Query:
    """A question as understood: follow-ups resolved, its period parsed, what it asks for."""

    question: str  # as typed (cleaned of control characters)
    resolved: str  # after follow-up resolution
    search_text: str  # what retrieval searches with (the period's words removed: they filter by date instead)
    info: QueryInfo
    time_filter: TimeFilter | None = None

    @property
    def prefer_recent(self) -> bool:
        return bool(self.time_filter and self.time_filter.prefer_recent)

    def scope(self, applied: bool | None) -> TimeScope | None:
        """The period as the answer reports it (``applied``: whether the date filter was kept)."""
        tf = self.time_filter
        if tf is None:
            return None
        return TimeScope(start=tf.start, end=tf.end, prefer_recent=tf.prefer_recent, phrase=tf.phrase,
                         applied=applied)


@dataclass
class Candidate:
    """A chunk found by retrieval, with its ranks in each retriever and their fused score."""

    chunk: Chunk
    meta: dict
    rrf: float = 0.0
    dense: float = 0.0
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass
class ScoredSentence:
    """A sentence of a candidate chunk and the reader's score for how well it answers the question."""

    span: Span
    chunk: Chunk
    meta: dict
    score: float
    features: dict[str, float] = field(default_factory=dict)
    answer: str = ""  # the words that answer, as the judge named them ("" when it did not)

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    @property
    def published(self) -> date | None:
        return stored_date(self.meta.get("published"))


@dataclass
class Evidence:
    """The sentences an answer is built on, best first, and whether they report conflicting figures."""

    sentences: list[ScoredSentence]
    conflict: bool = False
    scored: list[ScoredSentence] = field(default_factory=list)  # everything the reader scored, best first

    @property
    def confidence(self) -> float:
        return self.scored[0].score if self.scored else 0.0


@dataclass
class Draft:
    """Answer text with its citations, before the citations are checked against the stored articles."""

    text: str
    citations: list[Citation]
    refused: bool
    confidence: float
    extra_numbers: set[str] = field(default_factory=set)  # numbers it may state beyond its quotes (counts)
    short: str = ""  # the words of the first quote that answer ("more than 120,000"), when they are clear
