"""The path of one question, as a pipeline of small stages passing typed records (``records``):

``understand`` (Query) -> ``retrieve`` (Candidates) -> ``read`` (scored sentences) -> ``select_evidence``
(Evidence) -> ``compose`` or the generator (Draft) -> ``finish`` (verified ``Answer``).

``answer`` owns the answer text and the citations; this module only wires the stages together.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from .answer import (
    check_generated,
    cite_sentence,
    closest_refusal,
    compose,
    evidence_for_generator,
    refusal_text,
    select_evidence,
    verify,
)
from .collection import Collection, answer_collection, detect
from .dates import long_date
from .generation import REFUSAL_PHRASE, STOP, GeneratorError, Prompt, load_prompt, render
from .models import Answer, Article, TimeScope
from .news import TimeFilter, parse_time
from .question import analyze, resolve_followup
from .records import Draft, Evidence, Query, ScoredSentence

if TYPE_CHECKING:
    from .config import Settings
    from .embeddings import Embedder
    from .generation import Generator
    from .index import Index
    from .reader import Reader
    from .retrieval import Retriever

log = logging.getLogger(__name__)

History = Sequence[tuple[str, str]] | None
# share of the question's (IDF-weighted) terms the closest article must hold to be pointed at by a refusal (it
# must also hold one of the names asked about, see _refusal): a little above the reader's off-topic floor
# (features.MIN_ARTICLE_COVERAGE). In a one-article index, a question about the article with two common words it
# lacks ("Roughly how many Kurds live in Syria?") covers about 0.45.
ON_TOPIC = 0.3
OnToken = Callable[[str], None] | None


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def _and(*filters: dict | None) -> dict | None:
    present = [f for f in filters if f]
    if not present:
        return None
    return present[0] if len(present) == 1 else {"$and": present}


def _names_period(period: TimeFilter) -> Callable[[ScoredSentence], bool]:
    """Whether a sentence can speak of the period: its article is dated in it, or the sentence or its article's
    title names the year the question gave. For "Who won Wimbledon in 2019?" an undated snippet saying "Elena
    Rybakina won the final ... since 2018" cannot; "Bianca Andreescu ... won the title at the 2019 US Open" can."""
    def names(s: ScoredSentence) -> bool:
        return period.contains(s.published) or period.named_in(f"{s.span.text} {s.meta.get('title') or ''}")

    return names


def understand(question: str, history: History, today: date) -> Query:
    """Resolve a follow-up against the history, parse the period, and analyse what is asked for."""
    resolved, kind = resolve_followup(question, history)
    time_filter = parse_time(resolved, today)
    search_text = resolved
    if time_filter and time_filter.phrase:  # the period filters by date; its words and numbers are not evidence
        search_text = re.sub(re.escape(time_filter.phrase), " ", resolved, flags=re.I).strip() or resolved
    return Query(question, resolved, search_text, analyze(search_text, kind), time_filter)


@dataclass
class Generated:
    """What the generator stage produced: its verified draft (None: use the extractive one) and why not."""

    draft: Draft | None = None
    dropped: list[str] = field(default_factory=list)
    fallback: str | None = None


class QuestionPipeline:
    """Answers one question at a time from an ``Index``, with a retriever, a reader and an optional generator."""

    def __init__(self, index: Index, embedder: Embedder, retriever: Retriever, reader: Reader, settings: Settings,
                 clock: Callable[[], date], generator: Generator | None = None):
        self.index = index
        self.embedder = embedder
        self.retriever = retriever
        self.reader = reader
        self.settings = settings
        self.clock = clock
        self.generator = generator
        self._prompt: Prompt | None = None
        # the refusal threshold: the setting when given, else the reader's own
        self.threshold = settings.refusal_threshold if settings.refusal_threshold is not None else reader.threshold

    def run(self, question: str, history: History = None, where: dict | None = None, on_token: OnToken = None) -> Answer:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        query = understand(question, history, self.clock())
        if self.index.is_empty():
            return Answer(question=question, resolved_question=self._resolved(query),
                          text=refusal_text(question, empty_index=True), refused=True, kind="refusal")
        request = detect(query.resolved)
        if request is not None:
            pieces = Collection(self.index, self.retriever, self.reader, self.embedder,
                                self.threshold, self.clock)
            draft = answer_collection(pieces, request, query.time_filter)
            return self._finish(query, draft, "collection", query.scope(None), timings, t0)
        date_where = query.time_filter.where() if query.time_filter else None
        evidence = self.find_evidence(query.search_text, query, _and(where, date_where), timings)
        applied: bool | None = bool(date_where) if query.time_filter else None
        if not evidence.sentences and date_where:
            # "in 2019" may date the event rather than the article ("Who won Wimbledon in 2019?"): look again in
            # every article, with the period kept as words the evidence must contain
            retry = Query(query.question, query.resolved, query.resolved, analyze(query.resolved, query.info.kind),
                          query.time_filter)
            # outside the period's articles, only sentences that name its year are evidence for it
            evidence = self.find_evidence(retry.resolved, retry, where, timings,
                                          admit=_names_period(query.time_filter))
            applied = False
        # full texts of the articles the answer quotes (or, for a refusal, of the closest one): one read
        articles = self._articles(evidence.sentences or evidence.scored[:1])
        if evidence.sentences:
            draft = compose(query.info, evidence, articles, self.index.syndicated_by(
                articles[ev.article_id] for ev in evidence.sentences if ev.article_id in articles))
        else:
            draft = self._refusal(query, evidence, articles)
        generated = Generated()
        if self.generator is not None and not draft.refused:
            generated = self.generate(query.search_text, evidence, articles, on_token, timings)
        kind = "conflict" if evidence.conflict and generated.draft is None else "answer"
        answer = self._finish(query, generated.draft or draft, kind, query.scope(applied), timings, t0, articles)
        if evidence.scored and "judge" in evidence.scored[0].features:
            best = evidence.scored[0].features
            answer.judge = ("picked" if best["judge"] else "kept" if best.get("judge_kept")
                            else "skipped" if best.get("judge_skipped") else "none")
            answer.timings["judge"] = best["judge_ms"]
        answer.generator = self.generator.name if generated.draft is not None else "none"
        answer.dropped_sentences = generated.dropped
        answer.fallback = generated.fallback
        return answer

    def find_evidence(self, text: str, query: Query, where: dict | None, timings: dict[str, float],
                      admit: Callable[[ScoredSentence], bool] | None = None) -> Evidence:
        """Retrieve, read and select the evidence for one formulation of the question (among the sentences
        ``admit`` lets through, when given; the refusal still points at the best of all)."""
        t = time.perf_counter()
        q_vec = self.embedder.encode_one(text)
        timings["embed"] = _ms(t)
        t = time.perf_counter()
        cands = self.retriever.retrieve(text, q_vec, where=where)
        timings["retrieve"] = _ms(t)
        t = time.perf_counter()
        scored = self.reader.read(query.info, q_vec, cands)
        timings["rerank"] = _ms(t)
        s = self.settings
        if admit and scored and scored[0].features.get("judge") and not admit(scored[0]):
            # the judge picked a sentence that may not answer here: the next one was not its choice, so refuse
            scored = [replace(x, score=0.0) for x in scored]
        evidence = select_evidence([x for x in scored if admit(x)] if admit else scored, self.threshold,
                                   s.max_citations, query.info, prefer_recent=query.prefer_recent,
                                   margin=self.reader.margin, conflict_margin=self.reader.conflict_margin)
        return replace(evidence, scored=scored) if admit else evidence

    def generate(self, question: str, evidence: Evidence, articles: Mapping[str, Article], on_token: OnToken,
                 timings: dict[str, float]) -> Generated:
        """Let the generator write from the best evidence; keep only what verification accepts."""
        t = time.perf_counter()
        shown = evidence_for_generator(evidence.scored, self.threshold)
        articles = {**articles, **self._articles([ev for ev in shown if ev.article_id not in articles])}
        labels = []
        for n, ev in enumerate(shown, start=1):
            when = long_date(ev.published) if ev.published else "undated"
            labels.append((n, f"{ev.meta.get('title') or 'untitled'}, {when}", ev.span.text))
        if self._prompt is None:  # read once, not on every question
            self._prompt = load_prompt(self.settings.prompt_version)
        system, user = render(self._prompt, question, labels)
        pieces: list[str] = []
        try:
            for piece in self.generator.generate(system, user, STOP, self.settings.llm_max_tokens):
                pieces.append(piece)
                if on_token:
                    on_token(piece)
        except GeneratorError as exc:
            log.warning("generator failed, using the extractive answer: %s", exc)
            timings["generate"] = _ms(t)
            return Generated(fallback=f"generator failed: {exc}")
        timings["generate"] = _ms(t)
        checked = check_generated("".join(pieces), shown, REFUSAL_PHRASE, articles)
        if checked.refused:
            return Generated(fallback="the generator said the articles don't answer; the extractive answer is shown")
        if not checked.citations:
            return Generated(dropped=checked.dropped,
                             fallback="no generated sentence passed verification; the extractive answer is shown")
        return Generated(Draft(checked.text, checked.citations, False, evidence.confidence), checked.dropped)

    def _articles(self, sentences) -> dict[str, Article]:
        ids = list(dict.fromkeys(ev.article_id for ev in sentences))
        return self.index.get_articles(ids) if ids else {}

    @staticmethod
    def _refusal(query: Query, evidence: Evidence, articles: Mapping[str, Article]) -> Draft:
        """'The articles don't say', pointing at the closest article when an on-topic one was found."""
        best = evidence.scored[0] if evidence.scored else None
        coverage = best.features.get("overlap_article", best.features.get("context", 0.0)) if best else 0.0
        # an article that names none of the names asked about is not on topic ("the capital of Australia" in an
        # article that mentions Damascus as "the capital")
        unnamed = best is not None and best.features.get("names_article", 1.0) == 0.0
        if best is None or coverage < ON_TOPIC or unnamed or best.article_id not in articles:
            return Draft(refusal_text(query.question), [], True, evidence.confidence)
        closest = cite_sentence(1, best, articles)
        return Draft(closest_refusal(closest), [closest], True, evidence.confidence)

    @staticmethod
    def _resolved(query: Query) -> str | None:
        return query.resolved if query.resolved != query.question else None

    def _finish(self, query: Query, draft: Draft, kind: str, scope: TimeScope | None, timings: dict[str, float],
                t0: float, articles: Mapping[str, Article] | None = None) -> Answer:
        """Check every citation against the stored articles and build the Answer (a refusal if a check fails)."""
        t = time.perf_counter()
        articles = dict(articles or {})
        missing = [c.article_id for c in draft.citations if c.article_id not in articles]
        if missing:
            articles.update(self.index.get_articles(missing))
        problems = verify(draft, articles)
        if problems:  # never show an answer that fails verification
            log.warning("answer failed verification, refusing: %s", problems)
            draft = Draft(refusal_text(query.question), [], True, draft.confidence)
        timings["answer"] = _ms(t)
        timings["total"] = _ms(t0)
        short = draft.short if not draft.refused and draft.citations and draft.short in draft.citations[0].quote else ""
        return Answer(
            question=query.question, resolved_question=self._resolved(query), text=draft.text, short=short or None,
            citations=draft.citations, refused=draft.refused, kind="refusal" if draft.refused else kind,
            time_filter=scope, confidence=round(draft.confidence, 4), timings=timings,
        )
