"""Example questions made from an article's own sentences (for an empty chat), no language model needed.

Candidates come from two sentence shapes; ``Assistant.suggest_questions`` keeps only those it can answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .chunking import sentences

_QUANT = r"(?:more than |about |at least |nearly |over |some |almost |around |up to )?"
_WORDS = r"(?:[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|[Nn]ine|[Tt]en|[Ee]leven|[Tt]welve|[Tt]wenty)"
_NUMBER = rf"(?:\d[\d,.]*|{_WORDS})"
# "Turkey already shelters more than 120,000 Syrian refugees" -> How many Syrian refugees does Turkey shelter?
_ACTIVE = re.compile(
    rf"^(The )?([A-Z][\w'-]+(?: [A-Z][\w'-]+){{0,3}}) (?:already |now |still |currently )?([a-z]{{2,}}s) "
    rf"{_QUANT}\d[\d,.]* ((?:[A-Z][a-z]+ )?[a-z]{{3,}}s)\b"
)
# "at least 12 people were killed by army shelling" -> How many people were killed by army shelling?
# "26 Syrian military officers had also arrived in Turkey" -> How many Syrian military officers arrived in Turkey?
_PASSIVE = re.compile(
    rf"(?<![\w,.]){_QUANT}{_NUMBER} ((?:[A-Z][a-z]+ )?(?:[a-z]{{3,}} )?(?:[a-z]{{3,}}s|people|children|men|women)) "
    rf"(were|have been|had been|are|had|have|has)(?: also| already| now)? "
    rf"([a-z]{{3,}}ed)((?: [A-Za-z][\w'-]*){{0,3}})"
)
_UNITS = {"miles", "years", "months", "weeks", "days", "hours", "minutes", "seconds", "percent", "dollars", "times"}
_LOOSE_END = re.compile(r" (?:the|a|an|of|in|on|at|by|to|and|as|with|for|after|when|while|from|that|which|their|his|"
                        r"her|its|who|but|or)$")


def _base_form(verb: str) -> str:
    """shelters -> shelter, operates -> operate, reaches -> reach, carries -> carry."""
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|z|o)es$", verb):
        return verb[:-2]
    return verb[:-1]


def questions_from(text: str, limit: int = 3, max_sentences: int = 300) -> list[str]:
    """Candidate questions, "does X <verb>" shapes first (the surest), then the others, in article order."""
    active: list[str] = []
    other: list[str] = []
    for span in sentences(text[:100_000])[:max_sentences]:
        m = _ACTIVE.search(span.text)
        if m and m.group(4).split()[-1] not in _UNITS:
            who = f"the {m.group(2)}" if m.group(1) else m.group(2)
            candidate = f"How many {m.group(4)} does {who} {_base_form(m.group(3))}?"
            if candidate not in active:
                active.append(candidate)
            if len(active) >= limit:
                break
            continue
        m = _PASSIVE.search(span.text)
        if m and m.group(1).split()[-1] not in _UNITS:
            tail = m.group(4).rstrip()
            while _LOOSE_END.search(tail):
                tail = _LOOSE_END.sub("", tail)
            verb = f"{m.group(2)} {m.group(3)}" if m.group(2) in ("were", "have been", "had been", "are") else m.group(3)
            candidate = f"How many {m.group(1)} {verb}{tail}?"
            if candidate not in other:
                other.append(candidate)
    return (active + other)[:limit]


def pick_examples(articles: Sequence[tuple[str, str]], answerable: Callable[[str, str], bool], n: int = 4,
                  per_article: int = 3) -> list[str]:
    """Up to ``n`` example questions from ``(article_id, text)`` pairs (newest first): the first candidate of each
    article, then the second ones, and so on, each kept only if ``answerable(question, article_id)``."""
    candidates = [questions_from(text, limit=per_article) for _, text in articles]
    out: list[str] = []
    for rank in range(per_article):
        for (article_id, _), questions in zip(articles, candidates):
            if rank < len(questions) and questions[rank] not in out and answerable(questions[rank], article_id):
                out.append(questions[rank])
                if len(out) >= n:
                    return out
    return out
