"""Questions about the collection rather than one passage, detected by simple rules (no language model):

- "Which articles mention Jordan?"            -> the articles whose text names it, each cited where it does
- "What sources do I have about Syria?"      -> the outlets covering it, with their articles cited
- "How many articles are from October 2012?" -> a count from the published dates, each article cited
- "Give me a timeline of the refugee numbers" -> dated figures on the topic, oldest first, each cited
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .answer import cite, compose, units
from .chunking import sentences
from .dates import long_date
from .models import Citation
from .news import TimeFilter, parse_time
from .question import analyze
from .records import Draft
from .textutil import numbers, terms

if TYPE_CHECKING:
    from .embeddings import Embedder
    from .index import Index
    from .models import Article
    from .reader import Reader
    from .retrieval import Retriever

MAX_LISTED = 12

_MENTION = re.compile(r"^(?:which|what) (?:articles|stories|reports|pieces)\s+(?:mention|mentions|talk about|cover|are about|"
                      r"discuss|say anything about|name)\s+(?P<topic>.+?)\s*\??$", re.I)
_SOURCES = re.compile(r"^(?:what|which) (?:sources|outlets|publications)\s+(?:do i have|have i got|are there|cover|covered|"
                      r"wrote|write|reported)?\s*(?:about|on|covering|for|regarding)?\s*(?P<topic>.+?)\s*\??$", re.I)
_COUNT = re.compile(r"^how many (?:articles|stories|reports)\s+(?:are|were|do i have|did i get)?\s*(?:there\b\s*)?"
                    r"(?P<rest>.*?)\s*\??$", re.I)
_TIMELINE = re.compile(r"\btimeline\b(?:\s+(?:of|for|on))?\s*(?:the\s+)?(?P<topic>.*?)\s*\??$", re.I)


@dataclass
class Collection:
    """What collection questions read: the index, search, the reader (for timelines) and today's date."""

    index: Index
    retriever: Retriever
    reader: Reader
    embedder: Embedder
    threshold: float
    clock: Callable[[], date]


@dataclass
class CollectionRequest:
    kind: str  # mention | sources | count | timeline
    topic: str


def detect(question: str) -> CollectionRequest | None:
    q = question.strip()
    for kind, pattern in (("mention", _MENTION), ("sources", _SOURCES), ("timeline", _TIMELINE)):
        m = pattern.search(q)
        if m:
            return CollectionRequest(kind, _clean_topic(m.group("topic")))
    m = _COUNT.match(q)
    if m:
        return CollectionRequest("count", _clean_topic(m.group("rest")))
    return None


def _clean_topic(topic: str) -> str:
    topic = re.sub(r"^(?:about|on|of|from|in|published in|dated|mentioning)\s+", "", topic.strip(), flags=re.I)
    return topic.strip(" ?.!\"'")


def _mention_span(article: Article, topic: str) -> tuple[int, int] | None:
    """The first sentence of the article that names the topic (all its words, as whole words)."""
    words = [w for w in re.findall(r"\w+", topic.lower()) if len(w) > 2] or re.findall(r"\w+", topic.lower())
    if not words:
        return None
    for span in sentences(article.text):
        low = span.text.lower()
        if all(re.search(rf"\b{re.escape(w)}", low) for w in words):
            return span.start, span.end
    return None


def _articles_about(c: Collection, topic: str, time_filter: TimeFilter | None) -> list[tuple[Article, tuple[int, int]]]:
    """Articles that name the topic, newest first, with the sentence that does."""
    hits = c.index.keyword.search(topic, 500)
    chunk_ids = [cid for cid, _ in hits]
    article_ids = list(OrderedDict.fromkeys(h.chunk.article_id for h in c.index.store.get_chunks(chunk_ids)))
    found = []
    for article in c.index.get_articles(article_ids).values():
        if time_filter is not None and not time_filter.contains(article.published):
            continue
        span = _mention_span(article, topic)
        if span:
            found.append((article, span))
    return sorted(found, key=lambda x: (x[0].published or date.min, x[0].title), reverse=True)


def _cite(number: int, article: Article, span: tuple[int, int]) -> Citation:
    start, end = span
    return cite(number, article.id, start, end, article.text[start:end], article.model_dump())


def _first_sentence(article: Article) -> tuple[int, int]:
    spans = sentences(article.text)
    return (spans[0].start, spans[0].end) if spans else (0, min(len(article.text), 200))


def _label(article: Article) -> str:
    when = long_date(article.published) if article.published else "undated"
    return f"“{article.title}” ({article.source + ', ' if article.source else ''}{when})"


def answer_collection(c: Collection, request: CollectionRequest, time_filter: TimeFilter | None) -> Draft:
    """A cited answer about the collection; ``draft.extra_numbers`` are the numbers it may state beyond its
    quotes (counts, periods)."""
    draft, extra = _answer(c, request, time_filter)
    draft.extra_numbers = set(extra)
    return draft


def _answer(c: Collection, request: CollectionRequest, time_filter: TimeFilter | None) -> tuple[Draft, set[str]]:
    if request.kind == "timeline":
        return _timeline(c, request.topic, time_filter)
    if request.kind == "count":
        period = parse_time(request.topic, c.clock()) if request.topic else None
        if period and (period.start or period.end) or not request.topic:
            infos = [i for i in c.index.articles() if period is None or period.contains(i.published)]
            # counted from the metadata; only the articles listed are read in full
            texts = c.index.get_articles([i.id for i in infos[:MAX_LISTED]])
            listed = [(texts[i.id], _first_sentence(texts[i.id])) for i in infos[:MAX_LISTED] if i.id in texts]
            n = len(infos)
            where = f"from {period.phrase}" if period else "in the library"
            head = f"{n} article{'s' if n != 1 else ''} {'are' if n != 1 else 'is'} {where}"
            return _listing(head, listed, extra={str(n), *numbers(request.topic)}, total=n)
        listed = _articles_about(c, request.topic, time_filter)
        head = f"{len(listed)} article{'s' if len(listed) != 1 else ''} mention{'s' if len(listed) == 1 else ''} {request.topic}"
        return _listing(head, listed, extra={str(len(listed)), *numbers(request.topic)})
    found = _articles_about(c, request.topic, time_filter)
    if request.kind == "mention":
        head = f"{len(found)} article{'s' if len(found) != 1 else ''} mention{'s' if len(found) == 1 else ''} {request.topic}"
        return _listing(head, found, extra={str(len(found)), *numbers(request.topic)})
    # sources
    by_source: OrderedDict[str, list[int]] = OrderedDict()
    citations = []
    for number, (article, span) in enumerate(found[:MAX_LISTED], start=1):
        citations.append(_cite(number, article, span))
        by_source.setdefault(article.source or "unknown source", []).append(number)
    if not citations:
        return Draft(f"No article mentions {request.topic}.", [], True, 0.0), set()
    parts = [f"{src} ({len(nums)} article{'s' if len(nums) != 1 else ''}) {''.join(f'[{n}]' for n in nums)}"
             for src, nums in by_source.items()]
    text = f"Sources about {request.topic}: " + "; ".join(parts) + "."
    counts = {str(len(n)) for n in by_source.values()}
    return Draft(text, citations, False, 1.0), counts | set(numbers(request.topic)) | _title_numbers(found)


def _title_numbers(found) -> set[str]:
    return {n for article, _ in found for n in numbers(article.title)}


def _listing(head: str, found, extra: set[str], total: int | None = None) -> tuple[Draft, set[str]]:
    if not found:
        return Draft(f"{head}.", [], True, 0.0), extra
    shown = found[:MAX_LISTED]
    citations = [_cite(n, a, span) for n, (a, span) in enumerate(shown, start=1)]
    items = "; ".join(f"{_label(a)} [{n}]" for n, (a, _) in enumerate(shown, start=1))
    more = f" (the first {len(shown)} are listed)" if (total or len(found)) > len(shown) else ""
    extra = extra | {str(len(shown))} | _title_numbers(shown)
    return Draft(f"{head}, newest first{more}: {items}.", citations, False, 1.0), extra


def _timeline(c: Collection, topic: str, time_filter: TimeFilter | None) -> tuple[Draft, set[str]]:
    """Dated figures about the topic, oldest first, one per article."""
    query = f"how many {topic}" if topic else "how many"
    info = analyze(query, kind="number")
    q_vec = c.embedder.encode_one(query)
    cands = c.retriever.retrieve(query, q_vec, where=time_filter.where() if time_filter else None, limit=30)
    scored = c.reader.read(info, q_vec, cands)
    # figures well below the best one still belong on a timeline: each is one article's report
    threshold = min(c.threshold * 0.8, scored[0].score * 0.05) if scored else c.threshold
    topic_terms = set(terms(topic))
    # keep figures that count something the topic names ("refugee numbers" -> refugees, not dollars), if any do
    on_topic = any(units(s.span.text, info) & topic_terms for s in scored)
    per_article: dict[str, list] = {}
    for s in scored:
        counted = units(s.span.text, info)
        if on_topic and not counted & topic_terms:
            continue
        group = per_article.setdefault(s.meta.get("group") or s.chunk.article_id, [])
        # the best two figures of each article (one story may give a stock and a flow: 120,000 shelter, 8,000 crossed)
        if s.score >= threshold and s.features.get("kind_match", s.features.get("kind")) and counted and len(group) < 2:
            group.append(s)
    chosen = [s for group in per_article.values() for s in group]
    picked = sorted(chosen, key=lambda s: (s.meta.get("published") or "9999", s.span.start))[:MAX_LISTED]
    if not picked:
        return Draft(f"I found no dated figures about {topic or 'this'} in the articles.", [], True, 0.0), set()
    articles = c.index.get_articles([s.article_id for s in picked])
    # each figure carries its date and source
    return compose(info, picked, articles, prefix=f"Timeline of {topic or 'the figures'}, oldest first: "), set()

