"""Evidence sentences -> an answer with numbered citations, verified before it is returned, or a refusal.

Extractive by design: the answer text is made of the cited sentences themselves, each followed by its
``[n]`` marker, so every claim is a verbatim quote. Verification still runs on every answer (quotes equal
``article.text[start:end]``, every number in the text appears in a cited quote), so a future generator that
writes its own text is held to the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import DATE_EXPRESSION, long_date, stored_date
from .features import dateline_end, term_set
from .models import Article, Citation
from .news import as_of
from .question import QueryInfo
from .records import Draft, Evidence, ScoredSentence
from .short import short_answer
from .textutil import normalize_space, numbers, sentence_spans, terms

MARKER = re.compile(r"\s?\[(\d+)\]")


def refusal_text(question: str, empty_index: bool = False) -> str:
    if empty_index:
        return (
            "No articles are indexed yet, so I can't answer. Add articles first "
            "(assistant ingest PATH on the command line, or the Add articles tab in the app)."
        )
    return (
        "The articles don't say. I found nothing in the indexed articles that answers this question. "
        "Try rephrasing it, or add articles that cover the topic."
    )


def closest_refusal(closest: Citation) -> str:
    """A refusal that points at the on-topic article it found, which does not state the fact."""
    when = long_date(closest.published) if closest.published else "undated"
    source = f"{closest.source}, " if closest.source else ""
    return (f"The articles don't say. The closest one I found, “{closest.title}” ({source}{when}) "
            f"[{closest.number}], is on this topic but doesn't state it.")


def _with_marker(sentence: str, number: int) -> str:
    """The sentence followed by its [n]; bracketed numbers already in the article text become (n), so a
    fake "[1]" planted in an article can never pass for one of our citation markers."""
    body = re.sub(r"\[(\d+)\]", r"(\1)", sentence.rstrip())
    match = re.search(r"([.!?]+[\"'”’)]*)$", body)
    if match:
        return f"{body[: match.start()]} [{number}]{match.group()}"
    return f"{body} [{number}]"


def figures(sentence: str, info: QueryInfo) -> list[tuple[str, frozenset[str]]]:
    """(number, words of what it counts) pairs beyond the question's own numbers and dates:
    "more than 50,000 registered Syrian refugees" -> ("50000", {"regist", "syrian", "refuge"})."""
    text = DATE_EXPRESSION.sub(" ", sentence)
    out = []
    for m in re.finditer(r"(\d[\d,.]*\d|\d)((?:\s+[A-Za-z]+){1,3})", text):
        number = m.group(1).replace(",", "")
        if number not in info.numbers:
            out.append((number, frozenset(terms(m.group(2)))))
    return out


def units(sentence: str, info: QueryInfo) -> set[str]:
    return {u for _, words in figures(sentence, info) for u in words}


def _same_quantity(a: ScoredSentence, b: ScoredSentence, info: QueryInfo) -> bool:
    """Two sentences report a figure for the same thing: a shared unit word and similar wording."""
    units_a, units_b = units(a.span.text, info), units(b.span.text, info)
    ta, tb = set(terms(a.span.text)) - set(numbers(a.span.text)), set(terms(b.span.text)) - set(numbers(b.span.text))
    return bool(units_a & units_b) and len(ta & tb) / max(len(ta | tb), 1) >= 0.3


def _same_words(a: ScoredSentence, b: ScoredSentence) -> bool:
    """The same statement: the same content words and numbers (one changed name or figure is a different fact)."""
    return set(terms(a.span.text)) == set(terms(b.span.text)) and set(numbers(a.span.text)) == set(numbers(b.span.text))


def select_evidence(
    scored: Sequence[ScoredSentence], threshold: float, max_citations: int, info: QueryInfo | None = None,
    prefer_recent: bool = False, margin: float = 0.07, conflict_margin: float = 0.2,
) -> Evidence:
    """The evidence sentences, and whether they report conflicting figures.

    The best sentence must clear the threshold and be of the asked kind. Near-equal sentences from other
    articles join it; one sentence per near-duplicate group (syndicated copies are cited once). With
    ``prefer_recent`` the newest of the near-equal sentences leads. For a how-many question, sentences giving a
    *different* figure for the same thing are all kept, newest first: the conflict is shown, never hidden.

    ``margin`` and ``conflict_margin`` are fractions of the best score (each reader has its own).
    """
    scored = list(scored)
    if not scored or scored[0].score < threshold or not scored[0].features.get("kind", 1.0):
        return Evidence([], False, scored)
    best = scored[0]
    eligible: list[ScoredSentence] = []
    seen_text: set[str] = set()
    by_group: dict[str, list[ScoredSentence]] = {}
    for cand in scored:
        # the best sentence cleared the threshold; a rival figure only needs to be close to it
        if cand.score < best.score * (1 - conflict_margin):
            break
        key = normalize_space(cand.span.text).lower()
        group = cand.meta.get("group") or cand.chunk.article_id
        if not cand.features.get("kind", 1.0) or key in seen_text:
            continue
        # a syndicated copy saying the same thing is cited once; a copy that changes the facts is kept (a conflict)
        if any(c.chunk.article_id != cand.chunk.article_id and _same_words(c, cand) for c in by_group.get(group, [])):
            continue
        seen_text.add(key)
        by_group.setdefault(group, []).append(cand)
        eligible.append(cand)
    if prefer_recent:
        # the newest sentence that says the same kind of thing (for a figure: a figure of the same quantity)
        close = [c for c in eligible if c is best or info is None or info.kind != "number"
                 or _same_quantity(best, c, info)]
        best = max(close, key=lambda c: (c.published or date.min, c.score))
    if info is not None and info.kind == "number":
        best_figures = {n for n, _ in figures(best.span.text, info)}
        # a rival figure is about the same thing: it names whatever the best sentence names of the question
        # ("rain at Kilis", not rain at another station; "rain at station 7", not at station 3)
        named = [n for n in (term_set(x) for x in info.names) if n and n <= term_set(best.span.text)]
        asked = set(info.numbers) & set(numbers(best.span.text))
        rivals = [c for c in eligible if c is not best and _same_quantity(best, c, info)
                  and {n for n, _ in figures(c.span.text, info)} - best_figures
                  and all(n <= term_set(c.span.text) for n in named) and asked <= set(numbers(c.span.text))]
        if rivals:
            chosen = [best]
            for c in rivals:
                if len(chosen) < max(max_citations, 3):
                    chosen.append(c)
            if prefer_recent:
                return Evidence([best], False, scored)
            return Evidence(sorted(chosen, key=lambda c: c.published or date.min, reverse=True), True, scored)
    chosen = [best]
    for cand in eligible:
        if len(chosen) >= max_citations:
            break
        if cand is best or cand.score < max(threshold, best.score * (1 - margin)):
            continue
        chosen.append(cand)
    return Evidence(chosen, False, scored)


def cite(number: int, article_id: str, start: int, end: int, quote: str, meta: Mapping[str, Any],
         score: float = 0.0) -> Citation:
    """Citation [number]: the verbatim quote ``article.text[start:end]`` and the article's metadata (``meta``:
    title, source, url, published as stored; ``also_reported_by`` when the article has syndicated copies)."""
    return Citation(
        number=number, article_id=article_id, title=meta.get("title") or "Untitled article",
        source=meta.get("source") or None, url=meta.get("url") or None, published=stored_date(meta.get("published")),
        quote=quote, start=start, end=end, score=round(score, 4),
        also_reported_by=list(meta.get("also_reported_by") or []),
    )


def cite_sentence(number: int, ev: ScoredSentence, articles: Mapping[str, Article] | None = None,
                  also: Mapping[str, list[str]] | None = None) -> Citation:
    """Citation [number] for an evidence sentence, with its stored article's metadata when given."""
    article = (articles or {}).get(ev.article_id)
    meta = article.model_dump(include={"title", "source", "url", "published"}) if article else dict(ev.meta)
    meta["also_reported_by"] = (also or {}).get(ev.article_id, [])
    start = ev.span.start + dateline_end(ev.span.text)  # "DUBAI, United Arab Emirates (AP) — " is not the quote
    return cite(number, ev.article_id, start, ev.span.end, ev.span.text[start - ev.span.start :], meta, ev.score)


def marker(citation: Citation) -> str:
    """``[n]``, followed by the outlets that carried the same story: ``[1] (also reported by Reuters)``."""
    if citation.also_reported_by:
        return f"[{citation.number}] (also reported by {', '.join(citation.also_reported_by)})"
    return f"[{citation.number}]"


def compose(info: QueryInfo, evidence: Evidence | Sequence[ScoredSentence], articles: Mapping[str, Article] | None = None,
            also: Mapping[str, list[str]] | None = None, prefix: str = "") -> Draft:
    """The answer text, written here and nowhere else: the quoted sentences with their ``[n]`` (and the outlets
    that carried the same story); figures carry their article's date and source."""
    if not isinstance(evidence, Evidence):
        evidence = Evidence(list(evidence))
    if not evidence.sentences:
        return Draft(refusal_text(info.text), [], True, evidence.confidence)
    citations, parts = [], []
    numbers_by_article: dict[str, int] = {}
    dated: set[str] = set()  # articles whose "As of <date> (<source>)" was already said
    for ev in evidence.sentences:
        # quotes from the same article share one citation number
        first_quote = ev.article_id not in numbers_by_article
        number = numbers_by_article.setdefault(ev.article_id, len(numbers_by_article) + 1)
        citation = cite_sentence(number, ev, articles, also)
        citations.append(citation)
        sentence = _with_marker(citation.quote, number)
        if first_quote:  # "(also reported by ...)" once per article
            sentence = sentence.replace(f"[{number}]", marker(citation), 1)
        if info.kind == "number" and ev.article_id not in dated:
            sentence = f"{as_of(citation.published, citation.source)}: {sentence}"
            dated.add(ev.article_id)
        parts.append(sentence)
    text = " ".join(parts)
    if evidence.conflict:
        text = f"The articles give different figures, newest first. {text}"
    if prefix:
        text = f"{prefix}{text}"
    first = evidence.sentences[0]
    # conflicting figures have no one short answer
    short = "" if evidence.conflict else short_answer(citations[0].quote, info, first.answer)
    return Draft(text, citations, False, first.score, short=short)


def citable_numbers(citations: Iterable[Citation]) -> set[str]:
    """Numbers an answer may state: those in its cited quotes, and in what it says about each cited article
    (its date, "As of 9 November 2012", and its source's and syndicating outlets' names)."""
    out: set[str] = set()
    for cit in citations:
        out.update(numbers(cit.quote))
        if cit.published:
            out.update(numbers(long_date(cit.published)))
        for name in [cit.source or "", *cit.also_reported_by]:
            out.update(numbers(name))
    return out


def verify(draft: Draft, articles: Mapping[str, Article]) -> list[str]:
    """Problems found in a draft: quotes that are not in their article, numbers without a cited source.

    A number in the text must come from a cited quote, or from a cited article's own metadata shown with it
    (its date, its source's name), or from ``extra_numbers`` (counts and periods of a collection answer).
    """
    problems: list[str] = []
    numbers_cited = citable_numbers(draft.citations) | set(draft.extra_numbers)
    for cit in draft.citations:  # a refusal that points at the closest article is checked the same way
        article = articles.get(cit.article_id)
        if article is None:
            problems.append(f"[{cit.number}] cites an unknown article {cit.article_id}")
            continue
        if article.text[cit.start : cit.end] != cit.quote:
            problems.append(f"[{cit.number}] quote is not at {cit.start}:{cit.end} of its article")
        elif normalize_space(cit.quote) not in normalize_space(article.text):
            problems.append(f"[{cit.number}] quote is not in its article")
    if draft.refused:
        return problems
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


@dataclass
class CheckedDraft:
    text: str
    citations: list[Citation]
    dropped: list[str]
    refused: bool


def evidence_for_generator(scored: Sequence[ScoredSentence], threshold: float, limit: int = 6) -> list[ScoredSentence]:
    """The sentences shown to a generator: the best few, near the refusal threshold or above, no repeats."""
    out, seen = [], set()
    for s in scored:
        if s.score < threshold - 0.1 or len(out) >= limit:
            break
        key = normalize_space(s.span.text).lower()
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def check_generated(draft: str, evidence: Sequence[ScoredSentence], refusal_phrase: str,
                    articles: Mapping[str, Article] | None = None) -> CheckedDraft:
    """Keep the generated sentences that cite existing evidence which supports them; drop the rest.

    A kept sentence cites at least one [n] that exists, every number in it appears in a cited sentence (or the
    cited article's date), and most of its content words are in the cited sentences. Citations are renumbered
    in order of first use and point at the verbatim evidence sentences.
    """
    draft = draft.strip()
    if not draft or refusal_phrase.lower().rstrip(".") in draft.lower():
        return CheckedDraft(refusal_text(""), [], [], True)
    kept: list[tuple[str, list[int]]] = []
    dropped: list[str] = []
    for start, end in sentence_spans(draft):
        sentence = draft[start:end].strip()
        sentence = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", sentence)  # a list bullet copied from the prompt
        refs = [int(n) for n in MARKER.findall(sentence)]
        body = MARKER.sub("", sentence).strip()
        if not re.search(r"\w", body):
            continue
        if not refs:
            dropped.append(f"{sentence} (cites nothing)")
            continue
        if any(r < 1 or r > len(evidence) for r in refs):
            dropped.append(f"{sentence} (cites evidence that does not exist)")
            continue
        cited = [evidence[r - 1] for r in refs]
        allowed = {n for ev in cited for n in numbers(ev.span.text)}
        for ev in cited:
            published = ev.published
            if published:
                allowed.update(numbers(long_date(published)))
        unsupported = [n for n in numbers(body) if n not in allowed]
        if unsupported:
            dropped.append(f"{sentence} (the number {unsupported[0]} is not in the cited evidence)")
            continue
        words = set(terms(body))
        evidence_words = {t for ev in cited for t in terms(ev.span.text)}
        if words and len(words & evidence_words) / len(words) < 0.6:
            dropped.append(f"{sentence} (not supported by the cited evidence)")
            continue
        kept.append((body, refs))
    if not kept:
        return CheckedDraft("", [], dropped, False)
    renumber: dict[int, int] = {}
    for _, refs in kept:
        for r in refs:
            renumber.setdefault(r, len(renumber) + 1)
    citations = [cite_sentence(new, evidence[old - 1], articles) for old, new in renumber.items()]
    parts = []
    for body, refs in kept:
        markers = "".join(f"[{renumber[r]}]" for r in dict.fromkeys(refs))
        match = re.search(r"([.!?]+)$", body)
        parts.append(f"{body[: match.start()]} {markers}{match.group()}" if match else f"{body} {markers}.")
    return CheckedDraft(" ".join(parts), citations, dropped, False)
