"""Readers: score how well each sentence of the retrieved chunks answers the question.

The ``Reader`` seam is where answering quality lives. A reader gets the question (``QueryInfo``), its vector and
the candidate chunks, and returns every sentence scored, best first; the answer stage then takes the best ones
(or refuses when the best is not good enough). Readers are chosen by name (``ASSISTANT_READER``) from a registry,
so tests and users plug in their own with :func:`register_reader`.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from .answer_type import other_edition
from .errors import ConfigError
from .features import (
    ANSWERABILITY,
    FEATURES,
    Context,
    add_article_coverage,
    add_local_coverage,
    add_ranks,
    answerability,
    is_furniture,
    linear,
    logistic,
    off_topic,
    sentence_features,
    term_set,
)
from .models import Span
from .question import QueryInfo, answers_kind
from .records import Candidate, ScoredSentence
from .sentence_vectors import for_chunks, split
from .textutil import numbers, terms

if TYPE_CHECKING:
    from .embeddings import Embedder
    from .keyword import KeywordIndex


class Reader(ABC):
    """Scores candidate sentences for a question; ``read`` returns them best first."""

    name: str = "reader"
    threshold: float = 0.5  # below this best score the answer stage refuses (ASSISTANT_REFUSAL_THRESHOLD overrides)
    margin: float = 0.07  # another sentence within this fraction of the best score is cited too
    conflict_margin: float = 0.2  # ... or within this one, when it gives a different figure for the same thing

    @abstractmethod
    def read(self, info: QueryInfo, q_vec: np.ndarray, candidates: Sequence[Candidate]) -> list[ScoredSentence]:
        """Every sentence of the candidates, scored, best first."""


@dataclass
class CandidateSentences:
    """The sentences of the candidate chunks, each once (overlapping chunks share sentences), with their vectors:
    ``items`` holds (sentence, its candidate, its index in the chunk); ``spans`` every sentence of each chunk (for
    neighbours); ``vectors`` each chunk's sentence vectors (stored at ingest, or embedded now)."""

    items: list[tuple[Span, Candidate, int]]
    spans: dict[str, list[Span]]
    vectors: dict[str, np.ndarray]

    @classmethod
    def of(cls, candidates: Sequence[Candidate], embedder: Embedder | None = None, keyword: KeywordIndex | None = None,
           keep: Callable[[str], bool] = lambda text: True) -> CandidateSentences:
        """Without an embedder: the sentences only (``vectors`` empty), for readers that do not use vectors."""
        chunks = [c.chunk for c in candidates]
        if embedder is None:
            found = {c.id: (split(c), None) for c in chunks}
        else:
            found = for_chunks(embedder, chunks, keyword.sentence_vectors([c.id for c in chunks]) if keyword else {},
                               save=keyword.save_sentence_vectors if keyword else None)
        items: list[tuple[Span, Candidate, int]] = []
        seen: set[tuple[str, int]] = set()
        for cand in candidates:
            for i, span in enumerate(found[cand.chunk.id][0]):
                key = (cand.chunk.article_id, span.start)
                if key in seen or len(span.text) < 3 or not keep(span.text):
                    continue
                seen.add(key)
                items.append((span, cand, i))
        return cls(items, {k: v[0] for k, v in found.items()},
                   {k: v[1] for k, v in found.items() if v[1] is not None})

    def cosines(self, q_vec: np.ndarray) -> np.ndarray:
        """Cosine of each sentence to the question."""
        if not self.items:
            return np.zeros(0, dtype=np.float32)
        return np.array([float(self.vectors[cand.chunk.id][i] @ q_vec) for _, cand, i in self.items], dtype=np.float32)


# Weights of the sentence score, fitted on the RGB dev sets (benchmarks/tune.py).
W_COS = 0.60
W_OVERLAP = 0.10
W_CONTEXT = 0.10
MISSING_NUMBER_PENALTY = 0.10  # a number of the question (year, quarter) missing from the chunk
SENTENCE_NUMBER_PENALTY = 0.20  # ... missing from the sentence itself


class SimilarityReader(Reader):
    """Embedding similarity of sentence and question, plus IDF-weighted term overlap in the sentence and its
    chunk, minus penalties when a number the question names is missing. ``features["kind"]`` says whether the
    sentence holds the kind of thing asked for (a number for "how many", a name for "who")."""

    name = "similarity"
    threshold = 0.54  # fitted on the RGB dev sets

    def __init__(self, embedder: Embedder, keyword: KeywordIndex):
        self.embedder = embedder
        self.keyword = keyword

    def read(self, info: QueryInfo, q_vec: np.ndarray, candidates: Sequence[Candidate]) -> list[ScoredSentence]:
        found = CandidateSentences.of(candidates, self.embedder, self.keyword)
        items = [(span, cand) for span, cand, _ in found.items]
        if not items:
            return []
        cos = found.cosines(q_vec)
        weights = {t: self.keyword.idf(t) for t in info.terms}
        total = sum(weights.values()) or 1.0
        context_terms = {c.chunk.id: set(terms(f"{c.meta.get('title', '')} {c.chunk.text}")) for c in candidates}
        context_numbers = {c.chunk.id: set(numbers(f"{c.meta.get('title', '')} {c.chunk.text}")) for c in candidates}
        n_asked = max(len(info.numbers), 1)
        scored = []
        for (span, cand), c in zip(items, cos):
            s_terms = set(terms(span.text))
            overlap = sum(w for t, w in weights.items() if t in s_terms) / total
            context = sum(w for t, w in weights.items() if t in context_terms[cand.chunk.id]) / total
            missing = [n for n in info.numbers if n not in context_numbers[cand.chunk.id]]
            sentence_numbers = set(numbers(span.text))
            missing_here = [n for n in info.numbers if n not in sentence_numbers]
            score = W_COS * float(c) + W_OVERLAP * overlap + W_CONTEXT * context
            score -= MISSING_NUMBER_PENALTY * len(missing) / n_asked
            score -= SENTENCE_NUMBER_PENALTY * len(missing_here) / n_asked
            year = other_edition(span.text, info.text)  # a sentence about another year's edition: never evidence
            if year:
                score = 0.0
            features = {"cos": float(c), "overlap": overlap, "context": context,
                        "kind": float(answers_kind(span.text, info)), "missing_numbers": float(len(missing)),
                        "missing_here": float(len(missing_here)), "n_numbers": float(len(info.numbers)),
                        "rrf": cand.rrf, "other_edition": float(bool(year))}
            scored.append(ScoredSentence(span, cand.chunk, cand.meta, score, features))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored


WEIGHTS_FILE = "reader_weights.json"  # package data, written by benchmarks/train_reader.py


@dataclass
class Model:
    """Two linear models: ``weights`` rank a question's candidate sentences (a logit each, fitted listwise);
    ``answerable`` gives P(the best sentence states the answer) from ``features.ANSWERABILITY``."""

    weights: list[float]
    answerable: list[float]
    answerable_bias: float
    threshold: float  # the refusal threshold fitted with the weights
    note: str = ""

    @classmethod
    def packaged(cls) -> Model:
        try:
            data = json.loads((resources.files("assistant") / WEIGHTS_FILE).read_text(encoding="utf-8"))
            return cls([float(data["weights"][f]) for f in FEATURES],
                       [float(data["answerable"][f]) for f in ANSWERABILITY], float(data["answerable_bias"]),
                       float(data["threshold"]), data.get("note", ""))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"the reader's weights ({WEIGHTS_FILE}) are missing or incomplete ({exc}); reinstall the "
                              "package or rebuild them with benchmarks/train_reader.py --write") from exc


class FeatureReader(Reader):
    """Scores each candidate sentence with a logistic model over features of the sentence, its neighbours, its
    article's title and the question (``features``): embedding similarity, IDF-weighted term coverage, whether
    it holds the kind of thing asked for (a figure of what is counted, a new name, a date), who is quoted,
    and how the sentence ranks among the candidates. Page furniture is never evidence, nor a sentence about another
    year's edition of what the question dates.

    The score is a probability; the answer stage refuses below the model's fitted threshold."""

    name = "features"

    def __init__(self, embedder: Embedder, keyword: KeywordIndex, model: Model | None = None):
        self.embedder = embedder
        self.keyword = keyword
        self.model = model or Model.packaged()
        self.threshold = self.model.threshold
        # scores fall off as exp(logit difference): a second sentence within ~0.3 logits is cited too, and a
        # different figure for the same thing within ~2.3 logits is shown as a conflict
        self.margin, self.conflict_margin = 0.25, 0.9

    def featurize(self, info: QueryInfo, q_vec: np.ndarray, candidates: Sequence[Candidate]):
        """(sentences with their candidate, feature rows), furniture left out."""
        found = CandidateSentences.of(candidates, self.embedder, self.keyword, keep=lambda text: not is_furniture(text))
        if not found.items:
            return [], []
        items = [(span, cand) for span, cand, _ in found.items]
        neighbours = []
        for _, cand, i in found.items:
            spans = found.spans[cand.chunk.id]
            neighbours.append((spans[i - 1].text if i else "", spans[i + 1].text if i + 1 < len(spans) else ""))
        cos = found.cosines(q_vec)
        chunk_cos: dict[str, list[float]] = {}
        for (span, cand), c in zip(items, cos):
            chunk_cos.setdefault(cand.chunk.id, []).append(float(c))
        ctx = Context.build(info, self.keyword.idf, self.keyword.n_docs)
        rrf_order = {c.chunk.id: r for r, c in enumerate(candidates)}
        rows = []
        by_article: dict[str, set[str]] = {}
        sentence_terms = [term_set(span.text) for span, _ in items]
        articles = [cand.chunk.article_id for _, cand in items]
        for (span, cand), c, (before, after), terms_ in zip(items, cos, neighbours, sentence_terms):
            chunk_score = cand.dense if cand.dense_rank is not None else max(chunk_cos[cand.chunk.id])
            rows.append(sentence_features(ctx, span.text, before, after, cand.meta.get("title", ""),
                                          float(c), float(chunk_score), rrf_order[cand.chunk.id]))
            if cand.chunk.article_id not in by_article:  # a question may name the article's author or outlet
                by_article[cand.chunk.article_id] = set(term_set(" ".join(
                    str(cand.meta.get(k) or "") for k in ("title", "author", "source"))))
            by_article[cand.chunk.article_id].update(terms_)
        add_ranks(rows)
        add_article_coverage(ctx, rows, [by_article[article] for article in articles])
        add_local_coverage(ctx, rows, sentence_terms, articles)
        return items, rows

    def read(self, info: QueryInfo, q_vec: np.ndarray, candidates: Sequence[Candidate]) -> list[ScoredSentence]:
        items, rows = self.featurize(info, q_vec, candidates)
        if not items:
            return []
        m = self.model
        logits = [linear(m.weights, 0.0, row) for row in rows]
        # a sentence about another year's edition of what the question dates ("won the 2019 Tour de France" for
        # "Who won the 2021 Tour de France?") is never evidence: it scores 0 and is kept, last, so that a refusal
        # still points at the closest article; the best is chosen among the others
        other = [other_edition(span.text, info.text) for span, _ in items]
        pool = [i for i, year in enumerate(other) if year is None] or list(range(len(rows)))
        top = max(pool, key=logits.__getitem__)
        p_answer = logistic(linear(m.answerable, m.answerable_bias,
                                   answerability([logits[i] for i in pool], rows[top], len(info.terms))))
        if off_topic(rows[top]) or other[top]:
            p_answer = 0.0
        scored = []
        for (span, cand), row, logit, year in zip(items, rows, logits, other):
            # the best sentence scores P(it states the answer); the others that, scaled by how far they trail it
            score = 0.0 if year else p_answer * math.exp(max(-30.0, logit - logits[top]))
            features = dict(zip(FEATURES, row))
            # the kind is one feature among the others here, not a gate
            features.update(kind=1.0, kind_match=features["kind"], logit=logit, other_edition=float(bool(year)))
            scored.append(ScoredSentence(span, cand.chunk, cand.meta, score, features))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored


ReaderFactory = Callable[..., Reader]
_READERS: dict[str, ReaderFactory] = {
    "similarity": lambda embedder, keyword, **_: SimilarityReader(embedder, keyword),
    "features": lambda embedder, keyword, **_: FeatureReader(embedder, keyword),
}


def register_reader(name: str, factory: ReaderFactory) -> None:
    """Make ``ASSISTANT_READER=name`` build a reader with ``factory(embedder=..., keyword=..., settings=...)``
    (a factory may ignore what it does not need)."""
    _READERS[name.lower()] = factory


def reader_names() -> list[str]:
    return sorted(_READERS)


def load_reader(name: str, **pieces) -> Reader:
    factory = _READERS.get((name or "").lower())
    if factory is None:
        raise ConfigError(f"unknown ASSISTANT_READER={name!r}: use one of {', '.join(reader_names())}")
    return factory(**pieces)
