"""The typed values that cross module boundaries: articles, chunks, citations, answers, reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class RawDocument(BaseModel):
    """What a loader read from one file or one JSON record, before cleaning."""

    text: str
    path: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None
    record: int | None = Field(None, description="Index of the record inside a JSON/JSONL file.")

    @property
    def source_key(self) -> str:
        """Where this document came from; a changed document under the same key replaces the old one."""
        return self.path if self.record is None else f"{self.path}#{self.record}"


class Article(BaseModel):
    id: str = Field(description="Hash of the normalised text: the same text always gets the same id.")
    title: str
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None
    text: str
    path: str | None = Field(None, description="The file (and record) it came from.")
    ingested_at: datetime | None = None
    n_chunks: int = 0
    group: str | None = Field(None, description="Near-duplicate group (syndicated copies share one).")


class ArticleInfo(BaseModel):
    """An article without its text, as listed by ``Assistant.articles()``."""

    id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None
    path: str | None = None
    ingested_at: datetime | None = None
    n_chunks: int = 0
    n_chars: int = 0
    group: str | None = None


class Span(BaseModel):
    """A sentence of an article: ``article.text[start:end] == text``."""

    text: str
    start: int
    end: int


class Chunk(BaseModel):
    id: str
    article_id: str
    text: str
    start: int
    end: int
    index: int = 0


class Citation(BaseModel):
    number: int
    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: date | None = None
    quote: str = Field(description="The cited sentence, verbatim: article.text[start:end].")
    start: int
    end: int
    score: float = 0.0
    also_reported_by: list[str] = Field(default_factory=list, description="Other outlets with a near-copy of the article.")


class TimeScope(BaseModel):
    """The period a question is about, as understood ("in October 2012", "latest")."""

    start: date | None = None
    end: date | None = None
    prefer_recent: bool = False
    phrase: str = ""
    applied: bool | None = Field(
        None, description="True: only articles dated in the period were searched; False: none of those answered, "
        "so every article was searched (the period may date the event); None: no date filter.")


class Answer(BaseModel):
    question: str
    resolved_question: str | None = Field(None, description="The question after follow-up resolution.")
    text: str
    short: str | None = Field(
        None, description="The words of the first quote that answer (\"more than 120,000\"), verbatim, when they are "
        "clear: named by the LLM judge, or the one figure, date or name of the kind asked for in the quote.")
    citations: list[Citation] = []
    refused: bool = False
    confidence: float = 0.0
    kind: Literal["answer", "conflict", "collection", "refusal"] = "answer"
    time_filter: TimeScope | None = Field(None, description="The time the question is about, as understood.")
    generator: str = Field("none", description="What wrote the text: none (extractive) or the generator's name.")
    dropped_sentences: list[str] = Field(default_factory=list, description="Generated sentences removed by verification.")
    fallback: str | None = Field(None, description="Why a generated draft was replaced by the extractive answer.")
    judge: Literal["picked", "none", "kept", "skipped"] | None = Field(
        None, description="What the LLM judge said of the best sentences: picked one, none answers, kept (it "
        "found none between a sure answer and a close runner-up, and the sure answer stands), skipped (a money "
        "question, and none of the sentences it would see holds a sum of money: refused without asking it), or "
        "(None) it was not asked (the fast reader was sure, or the judge is off or loading).")
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")


class StreamEvent(BaseModel):
    """One event of ``Assistant.stream``: text pieces first, then the citations, then the full answer."""

    type: Literal["token", "citations", "answer"]
    text: str | None = None
    citations: list[Citation] | None = None
    answer: Answer | None = None


class FileResult(BaseModel):
    path: str
    status: Literal["added", "updated", "skipped", "unsupported", "failed"] = Field(
        description="skipped: already in the library (same text); unsupported: a file type (or link) not read")
    reason: str | None = None
    article_id: str | None = None
    title: str | None = None


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    skipped: int = Field(0, description="Already in the library (same text).")
    unsupported: int = Field(0, description="Files not read: unsupported types, links out of the folder, ...")
    failed: list[tuple[str, str]] = Field(default_factory=list, description="(path, reason) for each failure.")
    files: list[FileResult] = Field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    def record(self, result: FileResult) -> None:
        self.files.append(result)
        if result.status == "failed":
            self.failed.append((result.path, result.reason or "unknown error"))
        else:
            setattr(self, result.status, getattr(self, result.status) + 1)
