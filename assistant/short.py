"""The words of a quote that answer the question: "more than 120,000" of "Turkey already shelters more than 120,000
Syrian refugees". Shown before the quote, so that a reader sees the answer first and the sentence as its proof.

Taken from the judge when it named them (verbatim in the quote), else picked out of the quote by the kind of
thing asked for, and only when the quote holds exactly one such thing that the question does not already give:
one new figure (of the right sort: a sum for "how much money", a share for "what percentage", a distance for "how
far"), one new date, one new name. When that is not clear the answer has no short form; the quote still answers.
"""

from __future__ import annotations

import re

from .answer_type import _SHARE_Q, _UNITS, asked_unit, asks_count, asks_money, measured_as, words_misfit
from .dates import DATE_EXPRESSION, DATE_PATTERN, MONTHS
from .features import focus_terms
from .question import QueryInfo, names_in
from .textutil import _stem, name_words, numbers, words

_QUALIFIER = (r"(?:about|around|roughly|nearly|almost|approximately|an estimated|some|more than|over|under|"
              r"less than|fewer than|at least|at most|up to|as many as|as much as|just over|just under)")
_CURRENCY = r"(?:US\$|[$€£¥₹]|Rs\.?|INR)"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|bn|mn|m|k|lakh|crore)"
_MONEY_WORD = r"(?:dollars?|euros?|pounds?|yuan|yen|rupees?)"
_UNIT = "|".join([*_UNITS.values(), r"gigawatts?|gw|gigabytes?|gb|terabytes?|tb|megabytes?|mb|carats?"])
# what may stand before and after the digits of a figure: "up to $12.9bn", "more than 120,000", "3.8 percent"
_HEAD = rf"(?:\b{_QUALIFIER}\s+)?(?:{_CURRENCY}\s?)?"
_SUFFIX = rf"(?:\s?{_SCALE}\b)?(?:\s?(?:%|percent\b|per cent\b)|\s{_MONEY_WORD}\b|[\s-](?:{_UNIT})\b)?"
_FIGURE = re.compile(rf"{_HEAD}(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\d,]*\.\d){_SUFFIX}", re.IGNORECASE)
_MONEY = re.compile(rf"{_CURRENCY}|\b{_SCALE}\b|\b{_MONEY_WORD}\b", re.IGNORECASE)
_SHARE = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_HOW_MUCH = re.compile(r"\bhow much\b", re.IGNORECASE)
_ASKS_WHERE = re.compile(r"^\s*where\b|\b(?:in|at|from|near|into) (?:which|what)\b", re.IGNORECASE)
_AT = r"\b(?:in|at|near|from|into|outside|inside)\s+(?:the\s+)?"
_SPELLED = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|a|an|half|a few|several|dozens?)\b"
_LEAD = re.compile(rf"{_HEAD}$", re.IGNORECASE)  # what stands before a judge's figure
_TAIL = re.compile(_SUFFIX, re.IGNORECASE)  # and after it
_SAID = r"(?:said|says|told|added|tweeted|wrote|testified|explained)\b"
_ASKS_SPEAKER = re.compile(rf"\b(?:who|which\b.{{0,60}}?)\s+(?:[a-z]+\s+)?{_SAID}", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$")
_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")
_CALENDAR = {*MONTHS, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
             "yesterday", "tomorrow"}
NEAR = 8  # words between a figure and what the question counts
MAX_WORDS = 10  # a judge's words longer than this are a clause, not a short answer
_MEASURE = re.compile(rf"[\s-](?:{_UNIT})$", re.IGNORECASE)


def short_answer(sentence: str, info: QueryInfo, judged: str = "") -> str:
    """The words of ``sentence`` that answer the question, verbatim; "" when they are not clear. ``judged``: the
    words the judge named, used when the sentence holds them."""
    if judged:
        return _verbatim(sentence, judged) if len(judged.split()) <= MAX_WORDS else ""
    if info.kind == "number":
        found = _one_figure(sentence, info)
    elif info.kind == "date":
        found = _only([m for m in DATE_PATTERN.finditer(sentence) if not _given(m.group(), info)])
    elif info.kind in ("person", "place"):
        found = _one_name(sentence, info)
    else:
        return ""
    # the hard checks of the judge's words hold here too: no "375 miles" for a population
    return "" if found and words_misfit(found, sentence, info.text) else found


def _verbatim(sentence: str, words_: str) -> str:
    """``words_`` as the sentence writes them (case and all), without quotes and end punctuation; "" if absent."""
    wanted = words_.strip().strip("\"'“”‘’.,;:").strip()
    # whole words: "Syria" is not in "Syrian refugees"
    m = re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", sentence, re.IGNORECASE) if wanted else None
    if not m:
        m = _loosely(sentence, wanted)
    if not m:
        return ""
    # a figure with what the sentence says just before it: "$78,770" for "78,770", "up to two days" for "two days"
    figure = re.match(r"\d|" + _SPELLED, m.group(), re.IGNORECASE)
    before = _LEAD.search(sentence[: m.start()]) if figure else None
    after = _TAIL.match(sentence, m.end()) if figure and m.group()[-1].isdigit() else None
    return sentence[before.start() if before else m.start() : after.end() if after else m.end()]


def _loosely(sentence: str, wanted: str) -> re.Match | None:
    """The judge's words written a little differently in the sentence: other spaces, hyphens and apostrophes
    ("£71.6million" for "£71.6 million", "55-year old" for "55-year-old", "Takin’ It" for "Takin' It"), a singular
    ("180-day" for "180 days"), "and" in a list ("Lebanon and Jordan" for "Lebanon, Jordan")."""
    tokens = re.findall(r"\w+", wanted)
    if not tokens:
        return None
    parts = [re.escape(t[:-1]) + "s?" if len(t) > 3 and t.lower().endswith("s") else re.escape(t) for t in tokens]
    pattern = r"(?:\W+(?:and|or)\W+|\W*)".join(parts)
    return re.search(rf"(?<!\w){pattern}(?!\w)", sentence, re.IGNORECASE)


def _given(text: str, info: QueryInfo) -> bool:
    return text.lower() in info.text.lower() or bool(set(numbers(text)) & set(info.numbers))


def _only(matches: list[re.Match]) -> str:
    found = list(dict.fromkeys(m.group().strip() for m in matches))
    return found[0] if len(found) == 1 else ""


def _one_figure(sentence: str, info: QueryInfo) -> str:
    dates = [m.span() for m in DATE_EXPRESSION.finditer(sentence)]
    unit = asked_unit(info.text)
    counts = not unit and asks_count(info.text)
    found = []
    for m in _FIGURE.finditer(sentence):
        text = m.group()
        if any(a <= m.start() < b for a, b in dates) or _given(text, info):
            continue
        if _YEAR.fullmatch(text):  # a bare year is a date, not a quantity
            continue
        if asks_money(info.text) and not _MONEY.search(text):
            continue
        if _SHARE_Q.search(info.text) and not _SHARE.search(text):
            continue
        if unit and measured_as(numbers(text)[0], sentence) != unit:
            continue
        if counts and _MEASURE.search(text):  # "how many refugees": not the "24" of "a 24-hour period"
            continue
        if found and sentence[found[-1].end() : m.start()] in (" (", "("):  # "$12.9bn (£10bn)": the same sum
            continue
        found.append(m)
    if len(found) > 1 and _HOW_MUCH.search(info.text) and not unit:  # "how much could it raise": the sum
        found = [m for m in found if _MONEY.search(m.group())]
    if len(found) > 1:  # several figures: the one followed by what the question counts
        focus = set(focus_terms(info.text))
        found = [m for m in found if focus and focus & {_stem(w) for w in words(sentence[m.end():])[:NEAR]}]
    return _only(found)


def _one_name(sentence: str, info: QueryInfo) -> str:
    asked = name_words(info.text)
    # names the question does not give; a possessive ("President Bashar al Assad's troops") names someone else's
    # thing; a day or a month ("said Tuesday") names no one and nowhere
    found = [n for n in names_in(sentence) if not name_words(n) & asked and not _POSSESSIVE.search(n)
             and not set(words(n)) <= _CALENDAR and not DATE_PATTERN.fullmatch(n)]
    if info.kind == "person" and _ASKS_SPEAKER.search(info.text):
        # "which Thunder player said ...?": the one name the sentence attributes words to ("..., Schröder said")
        speakers = [n for n in found if re.search(rf"{re.escape(n)},?\s+{_SAID}|{_SAID}\s+{re.escape(n)}\b", sentence)]
        if len(set(speakers)) == 1:
            return speakers[0]
    # a person's name has two words at least: "Rebels" or "Turkey" is no person
    if info.kind == "person":
        found = [n for n in found if len(n.split()) >= 2]
    found = list(dict.fromkeys(found))
    if info.kind == "place" and len(found) > 1 and _ASKS_WHERE.search(info.text):
        # "in which province did it crash?" of "the Taliban said it crashed in Logar province": where it happened
        found = [n for n in found if re.search(rf"{_AT}{re.escape(n)}", sentence)]
    return found[0] if len(found) == 1 else ""
