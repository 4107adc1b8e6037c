"""Evidence sentences -> an answer with numbered citations, verified before it is returned, or a refusal.

Extractive by design: the answer text is made of the cited sentences themselves, each followed by its
``[n]`` marker, so every claim is a verbatim quote. Verification still runs on every answer (quotes equal
``article.text[start:end]``, every number in the text appears in a cited quote), so a future generator that
writes its own text is held to the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .models import Article, Citation
from .question import QueryInfo
from .retrieval import ScoredSentence
from .textutil import normalize_space, numbers

MARKER = re.compile(r"\s?\[(\d+)\]")


@dataclass
class Draft:
    text: str
    citations: list[Citation]
    refused: bool
    confidence: float


def refusal_text(question: str, empty_index: bool = False) -> str:
    if empty_index:
        return (
            "No articles are indexed yet, so I can't answer. Add articles first "
            "(`assistant ingest PATH` on the command line, or the Add articles tab in the app)."
        )
    return (
        "The articles don't say. I found nothing in the indexed articles that answers this question. "
        "Try rephrasing it, or add articles that cover the topic."
    )


def _with_marker(sentence: str, number: int) -> str:
    """The sentence followed by its [n]; bracketed numbers already in the article text become (n), so a
    fake "[1]" planted in an article can never pass for one of our citation markers."""
    body = re.sub(r"\[(\d+)\]", r"(\1)", sentence.rstrip())
    match = re.search(r"([.!?]+[\"'”’)]*)$", body)
    if match:
        return f"{body[: match.start()]} [{number}]{match.group()}"
    return f"{body} [{number}]"


def select_evidence(
    scored: Sequence[ScoredSentence], threshold: float, max_citations: int, margin: float = 0.04
) -> list[ScoredSentence]:
    """The best sentence if it clears the threshold and is of the asked kind, plus near-equal ones."""
    if not scored:
        return []
    best = scored[0]
    if best.score < threshold or not best.features.get("kind", 1.0):
        return []
    chosen = [best]
    seen_text = {normalize_space(best.span.text).lower()}
    for cand in scored[1:]:
        if len(chosen) >= max_citations or cand.score < max(threshold, best.score - margin):
            break
        key = normalize_space(cand.span.text).lower()
        if key in seen_text or not cand.features.get("kind", 1.0):
            continue
        seen_text.add(key)
        chosen.append(cand)
    return chosen


def compose(info: QueryInfo, evidence: Sequence[ScoredSentence]) -> Draft:
    if not evidence:
        return Draft(refusal_text(info.text), [], True, 0.0)
    citations, parts = [], []
    for number, ev in enumerate(evidence, start=1):
        meta = ev.meta
        citations.append(
            Citation(
                number=number,
                article_id=ev.chunk.article_id,
                title=meta.get("title") or "Untitled article",
                source=meta.get("source") or None,
                url=meta.get("url") or None,
                published=meta.get("published") or None,
                quote=ev.span.text,
                start=ev.span.start,
                end=ev.span.end,
                score=round(ev.score, 4),
            )
        )
        parts.append(_with_marker(ev.span.text, number))
    return Draft(" ".join(parts), citations, False, evidence[0].score)


def verify(draft: Draft, articles: Mapping[str, Article]) -> list[str]:
    """Problems found in a draft: quotes that are not in their article, numbers without a cited source."""
    problems: list[str] = []
    if draft.refused:
        return problems
    numbers_cited: set[str] = set()
    for cit in draft.citations:
        article = articles.get(cit.article_id)
        if article is None:
            problems.append(f"[{cit.number}] cites an unknown article {cit.article_id}")
            continue
        if article.text[cit.start : cit.end] != cit.quote:
            problems.append(f"[{cit.number}] quote is not at {cit.start}:{cit.end} of its article")
        elif normalize_space(cit.quote) not in normalize_space(article.text):
            problems.append(f"[{cit.number}] quote is not in its article")
        numbers_cited.update(numbers(cit.quote))
    used = {int(n) for n in MARKER.findall(draft.text)}
    known = {c.number for c in draft.citations}
    if used - known:
        problems.append(f"markers {sorted(used - known)} have no citation")
    if not used:
        problems.append("the answer cites nothing")
    for number in numbers(MARKER.sub("", draft.text)):
        if number not in numbers_cited:
            problems.append(f"the number {number} is in no cited quote")
    return problems
