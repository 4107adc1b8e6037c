"""Example questions made from an article's own sentences (for an empty chat), no language model needed.

Candidates come from two sentence shapes; ``Assistant.suggest_questions`` keeps only those it can answer.
"""

from __future__ import annotations

import re

from .chunking import sentences

_QUANT = r"(?:more than |about |at least |nearly |over |some |almost |around |up to )?"
# "Turkey already shelters more than 120,000 Syrian refugees" -> How many Syrian refugees does Turkey shelter?
_ACTIVE = re.compile(
    rf"^(?:The )?([A-Z][\w'-]+(?: [A-Z][\w'-]+){{0,3}}) (?:already |now |still |currently )?([a-z]{{3,}}?)(?:es|s) "
    rf"{_QUANT}\d[\d,.]* ((?:[A-Z][a-z]+ )?[a-z]{{3,}}s)\b"
)
# "at least 12 people were killed by army shelling" -> How many people were killed by army shelling?
_PASSIVE = re.compile(
    rf"{_QUANT}\d[\d,.]* ((?:[A-Z][a-z]+ )?(?:[a-z]{{3,}}s|people|children|men|women)) (were|have been|had been|are) "
    rf"([a-z]{{3,}}ed)((?: [a-z]+){{0,3}})"
)
_UNITS = {"miles", "years", "months", "weeks", "days", "hours", "minutes", "seconds", "percent", "dollars", "times"}


def questions_from(text: str, limit: int = 3) -> list[str]:
    out: list[str] = []
    for span in sentences(text):
        candidate = None
        m = _ACTIVE.search(span.text)
        if m and m.group(3).split()[-1] not in _UNITS:
            candidate = f"How many {m.group(3)} does {m.group(1)} {m.group(2)}?"
        m = _PASSIVE.search(span.text) if candidate is None else None
        if m and m.group(1).split()[-1] not in _UNITS:
            tail = m.group(4).rstrip()
            tail = re.sub(r" (?:the|a|an|of|in|on|at|by|to|and)$", "", tail)
            candidate = f"How many {m.group(1)} {m.group(2)} {m.group(3)}{tail}?"
        if candidate and candidate not in out:
            out.append(candidate)
        if len(out) >= limit:
            break
    return out
