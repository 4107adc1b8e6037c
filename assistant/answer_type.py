"""What kind of answer a question asks for, and whether a sentence, or the words a judge names in it, can be one.

Hard checks, used where a model or a soft score could be fooled by a sentence that restates the question:
"How much revenue did Lowe's report?" is not answered by "-1.41%", "What is the name of the sergeant?" not by
"a Forest Hill police sergeant searched the room", "How many seats?" not by the year "2018", "On what date?"
not by "October" or "2019", "What is the population?" not by "375 miles", "How many years is his contract?" not
by "the 23-year-old", "How many refugees does Jordan shelter?" not by the number "in neighbouring countries". Each
rule was kept only when it rejected wrong answers without costing right ones on the project's dev questions
(``benchmarks/judge_eval.py``, ``benchmarks/reader_eval.py``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .dates import DATE_EXPRESSION, MONTH_RE
from .question import names_in
from .textutil import STOPWORDS, name_words

_CURRENCY_WORD = r"\b(?:usd|eur|gbp|rs\.?|inr|dollars?|euros?|pounds?|yuan|yen|rupees?|lakh|crore)\b"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|bn|mn|m|k)\b"
CURRENCY = re.compile(rf"[$€£¥₹]|{_CURRENCY_WORD}", re.IGNORECASE)
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|"
                 r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|"
                 r"several|a few|a couple")
NUMBER_WORD = re.compile(rf"\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)

_MONEY_NOUN = r"(?:money|revenue|cash|funding|profit|sales|income|debt|compensation|fine|bail|damages)"
_MONEY_Q = re.compile(
    rf"\bhow much (?:[\w-]+ ){{0,4}}{_MONEY_NOUN}\b"
    r"|\bhow much (?:did|does|do|will|would) .{0,40}\b(?:cost|pay|raise|sell|spend|earn|charge)"
    r"|\bhow much (?:is|was|are|were) .{0,40}\b(?:worth|ticket|fee|fine|price|cost)"
    r"|\b(?:what|at what) (?:[\w-]+ ){0,3}(?:price|cost|fee|fine|salary|revenue|sales|valuation)\b"
    r"|\bwhat (?:will|would|does|did|do) .{0,60}\b(?:cost|pay|charge|sell for)\b", re.IGNORECASE)
# A share price or an index level: "At what price did Coty shares close?" is not answered by the "$600 million" of a
# deal, "At what level did the Kospi close?" not by the "0.5%" it fell
_SHARE_PRICE_Q = re.compile(r"\b(?:shares?|stocks?)\b.{0,60}\b(?:close|closed|trade|traded|open|opened|end|ended)\b"
                            r"|\b(?:share|stock) price\b", re.IGNORECASE)
_LEVEL_Q = re.compile(r"\b(?:what|which) level\b", re.IGNORECASE)
# An amount: "What discount did Emirates negotiate?" is not answered by "steep" (a stake or a margin may well be: "a
# majority stake", "a wide margin")
_AMOUNT_Q = re.compile(r"\b(?:what|which) (?:[\w-]+ ){0,2}(?:discount|percentage|rate|amount|total)\b", re.IGNORECASE)
_SCALED_SUM = r"\s*(?:million|billion|trillion|bn|mn|m)\b"
# Words that say the article does not state it: "an undisclosed injury" does not answer "What injury ...?"
_UNSTATED_WORDS = re.compile(r"\b(?:undisclosed|unspecified|unrevealed"
                             r"|not (?:been )?(?:disclosed|revealed|specified))\b", re.IGNORECASE)
_SHARE_Q = re.compile(r"\b(?:percent|per cent|percentage|share)\b|%", re.IGNORECASE)
_NAME_Q = re.compile(r"\b(?:what is|what was|what's) the (?:[\w-]+ )?(?:name|title)\b|\bname of\b"
                     r"|\bwhat (?:is|was|will) .{0,60}\b(?:called|named)\b", re.IGNORECASE)
_DAY_Q = re.compile(r"\bwhat (?:date|day)\b|\bwhich day\b", re.IGNORECASE)
_DAY_WORD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tomorrow|yesterday|tonight"
_YEAR_Q = re.compile(r"\b(?:which|what) year\b", re.IGNORECASE)  # "In what year did he join?", "Since what year ...?"
# a year, or one said relative to another ("next year", "two years later")
_A_YEAR = re.compile(r"(?<![\d.,$£€])(?:1[6-9]|20)\d\d(?![\d,]|\.\d)"
                     r"|\b(?:next|last|this|that|the same|the following|the previous) year\b"
                     r"|\b(?:a|one|two|three|four|five|\d+) years? (?:ago|earlier|later|before|after)\b", re.IGNORECASE)
_DAY_NUMBER = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY = re.compile(rf"\d|\b(?:{_DAY_WORD})\b", re.IGNORECASE)  # in a judge's words: a figure or a day's name
_A_DAY = re.compile(rf"\b(?:(?:{MONTH_RE})\.?\s+{_DAY_NUMBER}\b|{_DAY_NUMBER}\s+(?:{MONTH_RE})\b|\d{{4}}-\d{{2}}-\d{{2}}"
                    rf"|{_DAY_WORD})\b", re.IGNORECASE)  # in a sentence: a calendar day or a day's name
_DAY_OR_MONTH = re.compile(rf"\b(?:{_DAY_WORD}|{MONTH_RE})\b", re.IGNORECASE)
_POPULATION = re.compile(r"\bpopulation\b", re.IGNORECASE)
_HOW_MANY = re.compile(r"\bhow many\b", re.IGNORECASE)
_COUNTS_MONEY_OR_YEARS = re.compile(r"\b(?:dollars|euros|percent|per cent|money|years)\b", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_MONEY_FIGURE = re.compile(r"[$€£¥₹]\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?%")
# "375 miles from Damascus": the place a distance is measured from
_FROM_PLACE = re.compile(r"\s*(?:away\s+)?(?:from|of|to)\s+((?:[A-Z][\w'-]*\s?)+)")
# Kinds of places, from small to large: "Which town lies opposite Ras al-Ain?" is not answered by "Urfa province"
_PLACE_KINDS = ("village", "town", "city", "county", "district", "province", "state", "region", "country")
_ASKS_PLACE_KIND = re.compile(rf"\b(?:which|what) (?:[\w-]+ ){{0,2}}({'|'.join(_PLACE_KINDS)})\b", re.IGNORECASE)
_PLACE_KIND_WORD = re.compile(rf"\b(?:{'|'.join(_PLACE_KINDS)})\b", re.IGNORECASE)  # "Urfa province"
_PLACE_KIND_AFTER = re.compile(rf"\s*(?:,\s*(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}})?({'|'.join(_PLACE_KINDS)})\b",
                               re.IGNORECASE)  # "Urfa" followed by " province" or ", a border town"
# A total over several places: "bringing the number of Syrian refugees in neighbouring countries to more than
# 400,000" does not say how many are in Jordan, one of them
_SEVERAL_PLACES = re.compile(r"\b(?:in|across|among|to|from)\s+(?:the\s+)?(?:neighbou?ring|other|several|surrounding|"
                             r"nearby|various)\s+(?:countries|nations|states|provinces|regions|territories)\b",
                             re.IGNORECASE)


# Units a figure can measure, by dimension: a figure followed by one is a measurement, not a count of things
_UNITS = {
    "distance": r"miles?|mi|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|ft|yards?|inch(?:es)?|light[- ]years?",
    "time": r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|yrs?|decades?|centuries",
    "weight": r"pounds|lbs?|kilo(?:gram)?s?|kg|grams?|tonnes?|tons?|ounces?|oz",
    "power": r"horsepower|hp|kilowatts?|kw|megawatts?|mw|watts?|w",
    "speed": r"mph|km/h|kph|knots?",
    "temperature": r"degrees?",
}
_UNIT_AFTER = {dim: re.compile(rf"\s*-?\s*(?:{alt})\b", re.IGNORECASE) for dim, alt in _UNITS.items()}
_ASKS_UNIT = {dim: re.compile(rf"\bhow (?:many|much) (?:[\w-]+ )?(?:{alt})\b", re.IGNORECASE)
              for dim, alt in _UNITS.items()}
_ASKS_UNIT["distance"] = re.compile(rf"\bhow far\b|{_ASKS_UNIT['distance'].pattern}", re.IGNORECASE)
# "What wattage does the pad deliver?", "What speed ...", "What distance ...": a measurement named by its kind
for _dim, _kind in (("power", "wattage|horsepower|power output"), ("speed", "speed|top speed"),
                    ("distance", "distance"), ("temperature", "temperature"), ("weight", "weight")):
    _ASKS_UNIT[_dim] = re.compile(rf"\b(?:what|which) (?:[\w-]+ )?(?:{_kind})\b|{_ASKS_UNIT[_dim].pattern}",
                                  re.IGNORECASE)
# "How long is the guarantee?", "How long did people wait?" ask for a time; not "How long is the bridge?"
_ASKS_UNIT["time"] = re.compile(rf"\bhow long\b(?!.*\b(?:bridge|tunnel|road|runway|border|river|wall|coast|track|"
                                rf"line|pipeline|fence|route)\b)|\b(?:what|which) (?:[\w-]+ )?(?:period|duration)\b"
                                rf"|{_ASKS_UNIT['time'].pattern}", re.IGNORECASE)
_UNIT_WORD = {dim: re.compile(rf"(?:(?<=\d)|\b)(?:{alt})\b", re.IGNORECASE) for dim, alt in _UNITS.items()}
_BEFORE_UNIT = re.compile(rf"(?:\d|\b(?:a|an|{_NUMBER_WORDS}))\s*-?\s*$", re.IGNORECASE)
_AGE = re.compile(r"\s*-?\s*years?[- ]old\b", re.IGNORECASE)
_ASKS_AGE = re.compile(r"\bhow old\b|\bage\b|\baged\b", re.IGNORECASE)


def measured_as(number: str, sentence: str) -> str | None:
    """The dimension of the unit that follows ``number`` in the sentence ("375 miles": distance), or None when it
    is not a measurement there (or only in some of its places: "10 people were killed over 10 days")."""
    dims = set()
    for m in re.finditer(rf"(?<![\d.,]){re.escape(number)}(?!\d|[.,]\d)", sentence):
        rest = sentence[m.end():]
        dim = "age" if _AGE.match(rest) else next((d for d, unit in _UNIT_AFTER.items() if unit.match(rest)), None)
        if dim is None:
            return None
        dims.add(dim)
    return min(dims) if dims else None


def asked_unit(question: str) -> str | None:
    """The dimension a question measures ("how far": distance, "how much horsepower": power), or None."""
    if _ASKS_AGE.search(question):
        return "age"
    return next((dim for dim, pattern in _ASKS_UNIT.items() if pattern.search(question)), None)


def asks_money(question: str) -> bool:
    """A sum of money: "How much revenue did ...", "What price ...", "How much does a ticket cost?"."""
    return bool(_MONEY_Q.search(question)) and not _SHARE_Q.search(question)


def asks_name(question: str) -> bool:
    """A name: "What is the name of ...", "What is the title of the song ...", "What will it be called?"."""
    return bool(_NAME_Q.search(question))


def asks_day(question: str) -> bool:
    """A day, not just a month or a year: "On what date ...", "Which day ..."."""
    return bool(_DAY_Q.search(question))


def asks_count(question: str) -> bool:
    """A count of things ("How many seats"), not of money, shares or years."""
    return bool(_HOW_MANY.search(question)) and not _COUNTS_MONEY_OR_YEARS.search(question)


# Nouns that count people: "How many fans attended?" is not answered by "15 games", nor "How many people
# subscribed?" by "22 games"
_PEOPLE = frozenset("""people persons men women children kids adults babies teens teenagers students pupils fans
spectators viewers listeners readers visitors tourists guests attendees participants delegates passengers travellers
travelers residents citizens inhabitants locals voters members subscribers users customers clients shoppers buyers
consumers employees workers staff staffers officers officials police policemen soldiers troops civilians
refugees migrants immigrants asylum deportees prisoners inmates detainees hostages captives victims casualties
dead deaths injured wounded survivors patients cases infections contacts doctors nurses protesters demonstrators
activists rebels fighters militants journalists reporters players athletes runners riders competitors candidates
lawmakers senators legislators representatives judges lawyers executives leaders volunteers individuals
families households americans""".split())
_COUNTED_THING = re.compile(r"\s+(?:(?:new|more|other|straight|consecutive|extra|additional|different|free|"
                            r"exclusive|launch|total)\s+)?([a-z]{3,}s)\b")

_SCALE_OR_UNIT = re.compile(rf"(?:{_SCALE}|{'|'.join(_UNITS.values())}|dollars|euros|pounds)")
_AUXILIARY = frozenset("do does did is are was were has have had will would can could may might must should".split())


def counts_people(question: str) -> bool:
    """A count of people: "How many fans attended ...", "How many people had subscribed ...", "How many of the
    hunter's close contacts ..."."""
    m = re.search(r"\bhow many\b(.*)", question, re.IGNORECASE)
    if not m:
        return False
    for w in re.findall(r"[\w-]+", m.group(1).lower())[:6]:
        if w in _PEOPLE:
            return True
        if w in _AUXILIARY:
            return False
    return False


def counted_thing(number: str, sentence: str) -> str | None:
    """The plural noun that ``number`` counts in the sentence when it is not people ("22 games", "15 straight
    wins"), or None (no noun there, people, or a unit or scale: "8,000 refugees", "3 million users")."""
    m = _whole(number, sentence)
    if not m:
        return None
    thing = _COUNTED_THING.match(sentence[m.end():])
    if not thing:
        return None
    noun = thing.group(1).lower()
    return None if noun in _PEOPLE or _SCALE_OR_UNIT.fullmatch(noun) else noun


def new_names(text: str, question: str) -> list[str]:
    """Capitalised names in ``text`` that share no word with the question ("Julian Assange" is not new to a
    question about Assange)."""
    asked = name_words(question)
    return [n for n in names_in(text) if not name_words(n) & asked]


def distance_from(number: str, sentence: str) -> str | None:
    """The place a distance is measured from ("375 miles from Damascus": "Damascus"), None when the sentence does
    not say."""
    m = _whole(number, sentence)
    unit = _UNIT_AFTER["distance"].match(sentence[m.end():]) if m else None
    place = _FROM_PLACE.match(sentence[m.end() + unit.end():]) if unit else None
    return place.group(1).strip() if place else None


_DEMONYM = re.compile(r"(?:ian|ean|an|ish|ese|i)$")  # "the Syrian capital" names no place: it may be Damascus


def asked_from(question: str) -> set[str]:
    """For "how far ... from <place>", the words of the names in the place ("the Turkish capital, Ankara":
    {"ankara"}); empty when the question does not name it ("from the Syrian capital") or asks no distance."""
    m = re.search(r"\bfrom\s+([^?]+)", question) if asked_unit(question) == "distance" else None
    names = [n for n in names_in(m.group(1)) if not _DEMONYM.search(n.split()[-1])] if m else []
    return set().union(*(name_words(n) for n in names))


def other_place_kind(answer: str, sentence: str, question: str) -> tuple[str, str] | None:
    """(the kind of place the answer is, the kind asked for) when they differ ("Urfa province" or "Urfa, a
    province" for "which town": ("province", "town")), None when it is the kind asked or does not say."""
    asked = _ASKS_PLACE_KIND.search(question)
    if not asked:
        return None
    i = sentence.lower().find(answer.lower())
    said = _PLACE_KIND_AFTER.match(sentence[i + len(answer):]) if i >= 0 else None
    kinds = _PLACE_KIND_WORD.findall(answer)
    kind = kinds[-1].lower() if kinds else said.group(1).lower() if said else None
    return (kind, asked.group(1).lower()) if kind and kind != asked.group(1).lower() else None


def totals_several_places(number: str, sentence: str, question: str) -> bool:
    """The figure is a total over several places ("the number of Syrian refugees in neighbouring countries to more
    than 400,000": its clause, between commas, names them), and the question does not ask for that total."""
    if _SEVERAL_PLACES.search(question):
        return False
    found = _whole(number, sentence)
    if found is None:
        return False
    start = max(sentence.rfind(c, 0, found.start()) for c in ",;:(")
    ends = [i for i in (sentence.find(c, found.end()) for c in ",;:)") if i >= 0]
    return bool(_SEVERAL_PLACES.search(sentence[start + 1 : min(ends) if ends else len(sentence)]))


def _whole(number: str, sentence: str) -> re.Match | None:
    """``number`` in the sentence as a whole number: "10" is not in "107" nor "1" in "1,000"."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?!\d|[.,]\d)", sentence)


def _is_sum(number: str, sentence: str) -> bool:
    """``number`` is a sum of money in the sentence: "$9.99", "7.9 million dollars"."""
    n = re.escape(number)
    return bool(re.search(rf"[$€£¥₹]\s?{n}(?!\d)|(?<![\d.,]){n}\s*(?:{_SCALE}\s*)?{_CURRENCY_WORD}", sentence,
                          re.IGNORECASE))


def _scaled(number: str, sentence: str) -> bool:
    """``number`` is followed by a scale in the sentence: "$600 million", "$2.8bn"."""
    m = _whole(number, sentence)
    return bool(m and re.match(_SCALED_SUM, sentence[m.end():], re.IGNORECASE))


def _is_money_or_share(number: str, sentence: str) -> bool:
    return _is_sum(number, sentence) or bool(re.search(rf"(?<![\d.,]){re.escape(number)}\s?%", sentence))


def words_misfit(answer: str, sentence: str, question: str) -> str | None:
    """Why the words a judge named in ``sentence`` cannot answer ``question`` (None when they can)."""
    figures = _FIGURE.findall(answer)
    if any(not _whole(n, sentence) for n in figures):
        return "a number that is only part of a number in the sentence"
    if _UNSTATED_WORDS.search(answer):
        return "words that say it is not disclosed"
    if _AMOUNT_Q.search(question) and not figures and not NUMBER_WORD.search(answer) and not re.search(
            r"\b(?:half|quarter|third|twice|double|triple)\b", answer, re.IGNORECASE):
        return "no figure for an amount"
    if figures and asks_count(question) and all(totals_several_places(n, sentence, question) for n in figures):
        return "a total over several places"
    if figures and (asked := asked_from(question)) and all(
            (place := distance_from(n, sentence)) and not name_words(place) & asked for n in figures):
        return "a distance from another place"
    if kinds := other_place_kind(answer, sentence, question):
        return "a {} for a {}".format(*kinds)
    if (asks_money(question) or _LEVEL_Q.search(question)) and re.search(r"%|\bpercent\b", answer) \
            and not CURRENCY.search(answer):
        return "a percentage for a sum of money" if asks_money(question) else "a change in percent for a level"
    if asks_money(question):
        if not CURRENCY.search(answer) and not any(_is_sum(n, sentence) for n in figures):
            return "no sum of money"
        if _SHARE_PRICE_Q.search(question) and figures and all(_scaled(n, sentence) for n in figures):
            return "a sum in millions for a share price"
    if asks_count(question) and figures:
        if all(_YEAR.fullmatch(n) for n in figures):
            return "a year for a count"
        if CURRENCY.search(answer) or "%" in answer or any(_is_money_or_share(n, sentence) for n in figures):
            return "a sum of money or a percentage for a count"
        things = {counted_thing(n, sentence) for n in figures}
        if counts_people(question) and None not in things:
            return f"a count of {', '.join(sorted(things))} for a count of people"
    if _YEAR_Q.search(question) and not _A_YEAR.search(answer):
        return "no year"
    if asks_day(question):
        if not _DAY.search(answer):
            return "no day"
        if figures and all(_YEAR.fullmatch(n) for n in figures) and not _DAY_OR_MONTH.search(answer):
            return "a year for a day"
    if figures:  # a measurement for a count or a sum ("375 miles" for a population), or of another kind ("277 miles"
        # of range for horsepower, "the 23-year-old" for the years of a contract)
        wanted = asked_unit(question)
        got = {measured_as(n, sentence) for n in figures} - {None}
        counted = asks_count(question) or asks_money(question) or _POPULATION.search(question)
        if got and (wanted is None and counted or wanted and wanted not in got):
            return f"a measurement ({', '.join(sorted(got))}) for {wanted or 'a count or a sum'}"
    if asks_name(question) and not new_names(answer + " .", question) and not re.search(r"\d", answer):
        return "no name beyond the question's"
    return None


_FUTURE_Q = re.compile(r"\b(?:will|due|set to|expected to|scheduled|planned|upcoming|next)\b", re.IGNORECASE)


def past_for_future(words: str, question: str, published_year: int | None) -> bool:
    """The words give only years before the article's own for a question about what is to come: "When is the fourth
    Star Trek film due in cinemas?" is not answered by the "2016" of "the most recent film was 2016's ..." in a
    2019 article."""
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", words)]
    return bool(published_year and years and _FUTURE_Q.search(question) and all(y < published_year for y in years))


_UNSTATED = re.compile(
    r"\b(?:undisclosed|unspecified|unclear|(?:is|are|was|were|remains?|it's|it’s) not (?:yet )?(?:clear|known)"
    r"|not (?:been )?(?:disclosed|revealed|made public|specified)"
    r"|(?:did|does|do|would) not (?:say|disclose|specify|reveal|give details)"
    r"|(?:declined|refused) to (?:say|disclose|comment|specify|reveal|give details))\b", re.IGNORECASE)


_ACRONYM_Q = re.compile(r"\b(?i:what (?:does|do|did) (?:the )?(?:abbreviation |acronym |initials |letters )?)"
                        r"[\"'“‘]?([A-Z][A-Za-z&]{1,9})[\"'”’]? (?i:stand for)\b"
                        r"|\b(?i:what is )[\"'“‘]?([A-Z][A-Za-z&]{1,9})[\"'”’]? (?i:short for)\b")
_CONNECTOR = {"for", "of", "and", "the", "on", "in", "de", "du", "des", "la", "le", "&"}


def acronym_expansion(sentence: str, question: str) -> str:
    """What the acronym a question asks about stands for, as the sentence spells it out: "UN High Commissioner for
    Refugees" of "The UN High Commissioner for Refugees (UNHCR) said ..." for "What does UNHCR stand for?" (or of
    "UNHCR (UN High Commissioner for Refugees)"); "" when the sentence does not define it. The spelled-out name
    must begin with the acronym's first letter."""
    m = _ACRONYM_Q.search(question)
    if not m:
        return ""
    acronym = m.group(1) or m.group(2)
    after = re.search(rf"\b{re.escape(acronym)}\s*\(([A-Z][^()]{{2,80}})\)", sentence)
    if after and after.group(1)[0].upper() == acronym[0].upper():
        return after.group(1).strip()
    before = re.search(rf"\(\s*{re.escape(acronym)}\s*\)", sentence)
    if not before:
        return ""
    tokens = sentence[: before.start()].split()
    run: list[str] = []
    for token in reversed(tokens):
        if token[:1].isupper() or (run and token.lower() in _CONNECTOR):
            run.insert(0, token)
        else:
            break
    while run and (run[0].lower() in _CONNECTOR or run[0] in ("The", "A", "An")):
        run.pop(0)  # "The UN High Commissioner ..." -> "UN High Commissioner ..."
    expansion = " ".join(run).strip(",;:")
    return expansion if len(run) >= 2 and expansion[0].upper() == acronym[0].upper() else ""


def states_unstated(sentence: str) -> bool:
    """The sentence says that something is not disclosed: "to an undisclosed injury", "helped by unspecified
    investment", "it is not clear how many", "declined to say". It looks like an answer to a question about that
    very thing, and is the article saying it does not state it."""
    return bool(_UNSTATED.search(sentence))


def lacks_sum(sentence: str, question: str) -> bool:
    """A money question, and no currency in the sentence: no words of it can pass ``words_misfit``."""
    return asks_money(question) and not CURRENCY.search(sentence)


def sentence_misfit(sentence: str, question: str, given_numbers: frozenset[str] = frozenset()) -> str | None:
    """Why ``sentence`` cannot answer ``question`` whatever its score (None when it may): no sum of money for a
    money question, only money, percentages and years for a count, no day for "on what date", no year for "in
    which year"."""
    if lacks_sum(sentence, question):
        return "no sum of money"
    if asks_day(question) and not _A_DAY.search(sentence):
        return "no day"
    if _YEAR_Q.search(question) and not _A_YEAR.search(sentence):
        return "no year"  # "SPACE VIZZION may only be a concept today" for "In which year does VW hope ...?"
    if _LEVEL_Q.search(question) and not _levels(sentence):
        return "only changes in percent for a level"  # "the Kospi fell 0.5%" for "At what level did it close?"
    if (dim := asked_unit(question)) in _UNIT_WORD and not _states_unit(dim, sentence):
        return f"no {dim}"  # "How long is the guarantee?" and no days, months or years in the sentence
    if asks_count(question):
        undated = DATE_EXPRESSION.sub(" ", sentence)
        money = {n for pair in _MONEY_FIGURE.findall(undated) for n in pair if n}
        plain = [n for n in _FIGURE.findall(undated)
                 if n not in money and not _YEAR.fullmatch(n) and n.replace(",", "") not in given_numbers]
        if not plain and not NUMBER_WORD.search(undated):
            return "no count"
        counts = [n for n in plain if not measured_as(n, undated)]  # not the "24" of "the same 24-hour period"
        if counts and all(totals_several_places(n, undated, question) for n in counts):
            return "only a total over several places"
    return None


def _levels(sentence: str) -> list[str]:
    """The figures that may be a level: not a percentage, a date, nor part of a name ("Nikkei 225", "N225")."""
    undated = DATE_EXPRESSION.sub(" ", sentence)
    return [m.group() for m in _FIGURE.finditer(undated)
            if not re.match(r"\s?%", undated[m.end():]) and not re.search(r"(?:[A-Za-z]|\b[A-Z][a-z]* )$",
                                                                          undated[:m.start()])]


def _states_unit(dim: str, sentence: str) -> bool:
    """The sentence gives an amount of the dimension: a figure or number word before a unit ("a 90-day warranty",
    "three months"), or a unit in the plural ("for hours"); not an age ("the 23-year-old") nor "the day"."""
    for m in _UNIT_WORD[dim].finditer(sentence):
        if re.match(r"[- ]old\b", sentence[m.end():]):  # "23-year-old", "a day-old"
            continue
        if m.group().lower().endswith("s") or _BEFORE_UNIT.search(sentence[:m.start()]):
            return True
    return False


# A year as a token of its own (not 2077, not part of a longer figure); years after these words open a range
# ("CEO of Tesla since 2008" may well answer "... in 2021")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_YEAR_TOKEN = re.compile(r"19\d\d|20[0-3]\d")
_RANGE_WORDS = frozenset({"since", "from", "until", "till", "through", "before", "after", "by", "between", "to", "and"})
# Words that name a period rather than a thing: "revenue in Q3 2019" may be answered by "rose to $6.3 billion, up
# from $5.3 billion in Q3 2018", which names the quarter only beside last year
_PERIOD_WORD = re.compile(rf"(?:q[1-4]|h[12]|fy\d*|quarter|half|season|week|month|year|spring|summer|autumn|fall|"
                          rf"winter|{MONTH_RE})", re.IGNORECASE)


def edition_words(question: str) -> dict[str, set[str]]:
    """The years the question names, each with the capitalised words within two words of it that it dates: "the
    2021 Tour de France" -> {"2021": {"tour"}}, "Super Bowl 2021 location" -> {"2021": {"super", "bowl"}}, "God of
    War (2018)" -> {"2018": {"war"}}. A quarter, season or month beside the year names a period, not a thing
    ("revenue in Q3 2019" -> {})."""
    return {year: set(near) for year, near in _edition_words(question)}


@lru_cache(maxsize=256)
def _edition_words(question: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """``edition_words``, read once per question (a reader asks about every candidate sentence)."""
    tokens = _TOKEN.findall(question)
    found: dict[str, set[str]] = {}
    for i, token in enumerate(tokens):
        if _YEAR_TOKEN.fullmatch(token):
            near = {w.lower() for w in tokens[max(0, i - 2): i] + tokens[i + 1: i + 3]
                    if w[0].isupper() and len(w) > 1 and w.lower() not in STOPWORDS and not _PERIOD_WORD.fullmatch(w)}
            if near:
                found.setdefault(token, set()).update(near)
    return tuple((year, frozenset(near)) for year, near in found.items())


def other_edition(sentence: str, question: str) -> str | None:
    """The other year of which ``sentence`` speaks when the question dates what it asks about and the sentence
    names that thing only with another year: "Egan Bernal officially won the 2019 Tour de France" says nothing
    about "the 2021 Tour de France", "The 2019 Sentra cost $17,990" nothing about the 2020 Sentra's price. None
    when the sentence names the question's year, or also names the thing without a year ("Star Trek Beyond was
    directed by Justin Lin; 2009's Star Trek ... by J.J. Abrams" answers "Who directed 2016's Star Trek Beyond?"),
    or gives a range ("CEO of Tesla since 2008")."""
    dated = _edition_words(question)
    if not dated:
        return None
    tokens = [t.lower() for t in _TOKEN.findall(sentence)]
    if any(year in tokens for year, _ in dated):
        return None
    things = set().union(*(near for _, near in dated))
    years = [i for i, t in enumerate(tokens) if _YEAR_TOKEN.fullmatch(t) and (i == 0 or tokens[i - 1] not in _RANGE_WORDS)]
    mentions = [i for i, t in enumerate(tokens) if t in things]
    if not years or not mentions or any(all(abs(i - y) > 2 for y in years) for i in mentions):
        return None
    return next(tokens[y] for y in years if any(abs(i - y) <= 2 for i in mentions))
