"""What a question asks for (a number, a date, a person, a place ...) and follow-up resolution from history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .dates import DATE_EXPRESSION, DATE_PATTERN, MONTH_RE, MONTHS
from .textutil import STOPWORDS, numbers, terms, words

# a capitalised word, then more of them or a particle that joins a name ("Ras al-Ain", "Lopez de Vega"): a
# particle counts only when a capitalised part follows, so "Nasa launch" does not end in "la"
_NAME = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|(?:de|van|von|al|bin|la|del)"
                   r"(?:-[A-Z][\w'’.-]+|(?=\s+[A-Z]))))*")
# words that start a question capitalised without being a name ("Roughly how many ...", "Besides Turkey, ...")
_LEADING = frozenset({"roughly", "approximately", "exactly", "nearly", "almost", "around", "apart", "besides", "via",
                      "since", "following", "despite", "unlike", "including", "excluding", "aside", "overall"})
_NUMBER_WORDS = re.compile(
    r"\b(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|trillions?|dozens?|several|few)\b",
    re.IGNORECASE,
)

_FOLLOWUP_START = re.compile(r"^\s*(?:and|but|also|what about|how about|what of|and what about|same for|or)\b", re.I)
_PRONOUN = re.compile(r"\b(?:it|its|they|them|their|he|she|his|her|that|this|those|these|there)\b", re.I)
_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b", re.I)


@dataclass
class QueryInfo:
    text: str
    kind: str  # number | date | person | place | other
    terms: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # numbers the question itself contains (years, quarters ...)
    names: list[str] = field(default_factory=list)


# a wh-word that opens the question proper, after a context clause ("According to DigiTimes, when does Apple ...")
_CLAUSE_WH = re.compile(r"(?:^|[,;:]\s*)((?:who|whom|whose|what|when|where|which|how)\b.*)", re.S)
# a question that asks for a date: "when ...", "what year ...", "what is the release date of ..."
_DATE_QUESTION = re.compile(
    r"^\s*when\b|\bwhat (?:year|date|day|month|time)\b|\bwhich (?:year|date|day|month)\b|\bin what year\b"
    r"|^(?:what|which)\b.*\b(?:release|premiere|launch|air|opening|closing|start|end|expiry|expiration|due|kickoff|"
    r"kick-off|publication|filing|election|wedding|birth)\s+(?:date|day)\b"
    r"|^what (?:is|was|will be) the date\b"
)


# "which [up to three words] <noun>": "Which frontier town", "Which two federal prison officers" (not "which of the
# town's schools")
_WHICH = r"\bwhich (?:(?!of\b)[\w'-]+ ){0,3}"
_PERSON = (r"(?:person|people|player|team|company|companies|actor|actress|artist|band|club|firm|officers?|"
           r"officials?|trainer|coach|author|writer|director|singer|songwriters?|minister|president|leader|"
           r"spokes(?:man|woman|person)|lawyer|researchers?|scientists?|founder|owner|candidate|senator|governor|"
           r"mayor|manager|rapper|musician|chef|executive|ceo)\b")
_PLACE = (r"(?:country|countries|city|cities|state|town|village|province|county|district|region|place|venue|"
          r"stadium|capital|port|island|neighbou?rhood|suburb|airport)\b")


def question_kind(question: str) -> str:
    """number | date | person | place | other, read from the question proper: a leading context clause
    ("According to the Amman Times on 20 November 2012, how many ...") is left out."""
    q = question.lower().strip()
    wh = _CLAUSE_WH.search(q)
    q = wh.group(1) if wh else q
    if re.search(r"\bhow (?:many|much)\b|\bwhat (?:percentage|percent|number|share|amount)\b|\bhow (?:old|long|far|big|large|tall)\b", q):
        return "number"
    if re.search(r"\b(?:number|figure|count|total|tally) of\b", q) and re.match(r"^(?:what|how|and)", q):
        return "number"
    if re.search(r"\b(?:revenue|price|cost|score|population|salary|budget|gdp|rate|death toll|toll)\b", q) and re.match(
        r"^(?:what|how)", q
    ):
        return "number"
    if _DATE_QUESTION.search(q):
        return "date"
    if re.search(r"^\s*(?:who|whom)\b|\bwho\b|" + _WHICH + _PERSON, q):
        return "person"
    if re.search(r"^\s*where\b|" + _WHICH + _PLACE + r"|\blocation\b|\bwhere\b", q):
        return "place"
    return "other"


def names_in(text: str) -> list[str]:
    """Capitalised word groups, without the words that only start a question or clause ("Which White House"
    -> "White House"; "Roughly", "On", "What" alone are no names)."""
    out = []
    for m in _NAME.finditer(text):
        parts = m.group().strip(".").split()
        while parts and (parts[0].lower() in STOPWORDS or parts[0].lower() in _LEADING or _WH.fullmatch(parts[0])):
            parts = parts[1:]  # "Which White House" -> "White House", "Roughly" -> nothing
        if parts:
            out.append(" ".join(parts))
    return out


def analyze(question: str, kind: str | None = None) -> QueryInfo:
    return QueryInfo(
        text=question,
        kind=kind or question_kind(question),
        terms=list(dict.fromkeys(terms(question))),
        numbers=numbers(question),
        names=names_in(question),
    )


def answers_kind(sentence: str, info: QueryInfo) -> bool:
    """Does the sentence contain the kind of thing the question asks for (beyond what the question says)?"""
    if info.kind == "number":
        undated = DATE_EXPRESSION.sub(" ", sentence)  # "Jul 21, 2020 ..." is when, not how much
        new = [n for n in numbers(undated) if n not in info.numbers]
        return bool(new) or bool(_NUMBER_WORDS.search(undated) and not numbers(undated))
    if info.kind == "date":
        asked = {n for n in info.numbers}
        for m in DATE_PATTERN.finditer(sentence):
            if m.group() not in asked:
                return True
        return False
    if info.kind in ("person", "place"):
        asked = {w for n in info.names for w in words(n)} | set(words(info.text))
        return any(not set(words(n)) <= asked for n in names_in(sentence))
    return True


def is_followup(question: str) -> bool:
    content = [w for w in words(question) if w not in STOPWORDS]
    if _FOLLOWUP_START.match(question):
        return True
    if not _WH.search(question) and len(content) <= 3:
        return True
    return bool(_PRONOUN.search(question)) and len(content) <= 3


_PERIOD = re.compile(rf"\b(?:in|during|before|after|since|until|from|for)\s+(?:{MONTH_RE})?\.?\s*(?:\d{{4}})\b|"
                     r"\b(?:last|this|past)\s+(?:week|month|year)\b", re.I)


def _is_date(name: str) -> bool:
    return bool(DATE_PATTERN.fullmatch(name)) or name.lower().rstrip(".") in MONTHS


def _is_own_question(text: str) -> bool:
    """A wh-question with a content word of its own beyond names: a complete new question."""
    if not re.match(r"^\s*(?:who|whom|whose|what|when|where|which|why|how)\b", text, re.I):
        return False
    names = {w for n in names_in(text) for w in words(n)}
    content = [w for w in words(text) if w not in STOPWORDS and w not in names
               and not _WH.fullmatch(w) and w not in {"about", "many", "much"}]
    return len(content) >= 1


def resolve_followup(question: str, history: Sequence[tuple[str, str]] | None) -> tuple[str, str | None]:
    """(question to search with, the previous question's kind) for a follow-up; unchanged otherwise."""
    previous = [text for role, text in (history or []) if role == "user" and text.strip()]
    if not previous or not is_followup(question):
        return question, None
    prev = previous[-1]
    prev_kind = question_kind(prev)
    new_names = [n for n in names_in(question) if n.lower() not in {"and", "what", "how"} and not _is_date(n)]
    old_names = [n for n in names_in(prev) if not _is_date(n)]
    rest = _FOLLOWUP_START.sub("", question).strip(" ?.!")
    if _is_own_question(rest):
        # "and how many crossed in one day?" asks something new about the same subject: keep its words, and
        # carry over only the names of the previous question it does not repeat ("... (Turkey)")
        carried = [n for n in old_names if n.lower() not in rest.lower()]
        resolved = rest[0].upper() + rest[1:]
        return f"{resolved} ({', '.join(carried)})?" if carried else f"{resolved}?", question_kind(rest)
    new_period, old_period = _PERIOD.search(question), _PERIOD.search(prev)
    if new_period and old_period and not new_names:
        # "what about in December 2012?" after "... in October 2012?": the new period replaces the old one
        return prev.replace(old_period.group(), new_period.group(), 1), prev_kind
    if new_names and old_names:
        resolved = prev
        for old, new in zip(old_names[::-1], new_names[::-1]):
            resolved = resolved.replace(old, new, 1)
        if resolved == prev:
            resolved = f"{prev.rstrip(' ?')} {rest}?"
    else:
        resolved = f"{prev.rstrip(' ?')} {rest}?" if rest else prev
    own_kind = question_kind(question) if _WH.search(question) else None
    return resolved, own_kind if own_kind not in (None, "other") else prev_kind
