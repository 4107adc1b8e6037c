"""Features of a (question, sentence) pair for the reader: does this sentence state what the question asks?

Pure functions over text (and two cosine similarities computed by the reader), so every rule can be tested on
its own. The reader combines them with weights fitted on the project's dev questions (``reader``).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .answer_type import CURRENCY, NUMBER_WORD
from .dates import DATE_EXPRESSION, DATE_PATTERN, MONTHS
from .question import QueryInfo, names_in
from .textutil import STOPWORDS, _stem, name_words, numbers, terms, words

# Page furniture: lines that are never evidence ("Read more: ...", photo credits, newsletter and share lines).
_LABELS = (r"read more|read next|related(?: articles?| stories| coverage| content)?|see also|also read|more from|"
           r"watch|listen|advertisement|sponsored(?: content)?|photo(?:graph)?s?|images?|pictures?|credits?|"
           r"caption|file photo|copyright")
FURNITURE = re.compile(
    rf"^\s*(?:{_LABELS})\s*(?:[:|—–-]|$)"  # "Read more: ...", "Photo: ...", "Advertisement"
    r"|^\s*(?:sign up (?:for|to|now)|subscribe (?:to|now|today)|click here|tap here|share (?:this|on)|follow us|"
    r"get (?:the|our) .{0,40}newsletter|all rights reserved|©)"
    r"|^\s*\(?(?:photo|image|picture)s?(?: by| credit)?\b[^.]*(?:getty|reuters|ap|afp|shutterstock)[^.]*\)?\s*$"
    r"|(?:getty images|\bap photo|reuters/|afp via getty|shutterstock)\s*\)?\s*$"
    # a stock-quote widget row: "| HD | THE HOME DEPOT INC. | 225.86 | -12.99 | -5.44% |"
    r"|^\s*\|\s*[A-Z.]{1,6}\s*\|[^|]*\|\s*[\d.,]+\s*\|\s*[+-]?[\d.,]+\s*\|\s*[+-]?[\d.,]+%\s*\|"
    # an embedded social profile: "905 Followers, 298 Following, 585 Posts - See Instagram photos and videos from ..."
    r"|^\s*[\d.,]+\s*[km]?\s+followers?\s*,\s*[\d.,]+\s*[km]?\s+following\b|\bsee instagram photos and videos\b",
    re.IGNORECASE,
)
# A dateline at the start of a sentence: "DUBAI, United Arab Emirates (AP) — ", "LONDON (Reuters) - ".
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'-]{2,}(?:,\s*[A-Z][\w .'-]+){0,2}\s*(?:\((?:AP|Reuters|AFP|CNN|UPI|Bloomberg|dpa)\)\s*)?"
    r"|\((?:AP|Reuters|AFP|CNN|UPI|Bloomberg|dpa)\)\s*)[—–-]{1,2}\s+"
)

_MAGNITUDE = re.compile(r"\b(?:hundred|thousand|million|billion|trillion|bn|mn|m|k|dozens?|half|percent|per cent)\b|%",
                        re.IGNORECASE)
_MONEY_Q = re.compile(r"\b(?:how much|price|cost|costs|paid|pay|pays|revenue|sales|raise|raised|worth|fine|fined|"
                      r"spend|spent|salary|budget|earn|earned|profit|loss|value|valued|deal|sell|sold for|charge)\b",
                      re.IGNORECASE)
_AUX = (r"(?:do|does|did|are|is|was|were|have|has|had|will|would|can|could|should|may|might|must|"
        r"in|at|on|for|from|to|of|by|during|since|since|per|across|with|that|who|which)")
_HOW_MANY = re.compile(rf"\bhow many\s+((?:(?!{_AUX}\b)[a-z-]+\s+){{0,2}}(?!{_AUX}\b)[a-z-]+)", re.IGNORECASE)
_WHAT_OF = re.compile(r"\bwhat (?:is|was|were|are) the (?:total |combined |new |final |estimated )?([a-z-]+)\b",
                      re.IGNORECASE)
_SAID = re.compile(r"\b(?:said|says|told|added|according to|stated|wrote|announced|explained|argued|noted|"
                   r"warned|claimed|insisted|called|described)\b", re.IGNORECASE)
_WHO_SAID_Q = re.compile(r"\bwho (?:said|says|told|called|described|warned|claimed|argued|noted|announced|wrote)\b",
                         re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to ([^,?]+)", re.IGNORECASE)


_CALENDAR_WORDS = {"the", *MONTHS, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


@lru_cache(maxsize=8192)
def is_furniture(sentence: str) -> bool:
    """Page furniture that is never evidence: "Read more: ...", photo credits, newsletter and share lines."""
    return bool(FURNITURE.search(sentence))


def dateline_end(sentence: str) -> int:
    """Length of a leading dateline ("DUBAI, United Arab Emirates (AP) — "), 0 when there is none."""
    m = DATELINE.match(sentence)
    return m.end() if m else 0


def focus_terms(question: str) -> list[str]:
    """What the question counts or asks about: "how many Syrian refugees" -> stems of "syrian refugees";
    "what was the final score" -> "score"."""
    m = _HOW_MANY.search(question) or _WHAT_OF.search(question)
    if not m:
        return []
    return [t for t in terms(m.group(1))]


# "which two federal prison officers were charged", "which Turkish agency gave the figure": the words after
# which/what, at most four, up to an auxiliary or an article; a past-tense verb ends the noun phrase (asked_thing)
_WHICH = re.compile(rf"\b(?:which|what)\s+((?:(?!{_AUX}\b|the\b|a\b|an\b)[a-z-]+\s+){{0,3}}(?!{_AUX}\b|the\b|a\b|an\b)"
                    r"[a-z-]+)", re.IGNORECASE)
_PAST = {"said", "gave", "drove", "got", "won", "led", "took", "made", "sold", "bought", "told", "found", "beat",
         "left", "ran", "hit", "came", "went", "saw", "wrote", "held", "kept", "paid", "fell", "brought", "built",
         "began", "became", "lost", "put", "set", "sent", "spent", "chose", "met", "wore", "shot", "stole"}
# what is asked for by a which/what question that already has its own kind of answer (a date, a time)
_WHICH_SKIP = {"year", "years", "day", "days", "date", "time", "month", "kind", "type", "sort", "way"}


def asked_thing(question: str) -> list[str]:
    """The stems of what a which/what question asks for: "Which anniversary is the event marking" ->
    "anniversari"; "Which Turkish agency gave the figure" -> "turkish", "agenc" (a past-tense verb after the noun
    phrase ends it). Empty for "what did ...", for a date or a time ("in which year"), and for a verb ("what
    happened")."""
    m = _WHICH.search(question)
    if not m:
        return []
    ws = [w.lower() for w in m.group(1).split()]
    verb = next((i for i, w in enumerate(ws) if w in _PAST or w.endswith("ed")), len(ws))
    ws = ws[:verb]
    if not ws or ws[-1] in _WHICH_SKIP:
        return []
    return terms(" ".join(ws))


def question_focus(info: QueryInfo) -> list[str]:
    """What is counted ("how many refugees"), or for other questions the thing asked for ("which journal")."""
    return focus_terms(info.text) or ([] if info.kind == "number" else asked_thing(info.text))


@lru_cache(maxsize=8192)
def _undated(sentence: str) -> str:
    """The sentence without its date expressions (a sentence is read for several features and questions)."""
    return DATE_EXPRESSION.sub(" ", sentence)


def _new_numbers(sentence: str, info: QueryInfo) -> list[str]:
    return [n for n in numbers(_undated(sentence)) if n not in info.numbers]


def _number_near(sentence: str, targets: set[str], window: int = 8, given: frozenset[str] = frozenset()) -> bool:
    """A figure in digits within ``window`` words before one of ``targets`` (stems): "8000 refugees fleeing
    violence in Syria crossed" answers "how many crossed"; a vague "thousands more had crossed" does not, nor does
    a number the question itself gives (``given``: the "24" of "in 24 hours" in "the same 24-hour period")."""
    tokens = words(_undated(sentence))
    stems = [_stem(t) for t in tokens]
    for i, tok in enumerate(tokens):
        if tok[0].isdigit() and tok.replace(",", "") not in given and any(
                s in targets for s in stems[i + 1 : i + 1 + window]):
            return True
    return False


_NAMED_PLACE = re.compile(r"\b(?:which|what) (?:[\w'-]+ ){0,2}(?:country|city|state|town|village|province|county|"
                          r"district|region|capital|island)\b", re.I)
_LOCATIVE = re.compile(r"\b(?:at|in|into|inside|outside|near|behind|beside|under|across|outside of)\s+"
                       r"(?:the|a|an|his|her|their|its)\s+(?!(?:last|past|next|first|same|end|beginning|middle)\b)"
                       r"[a-z][\w-]+", re.I)


def kind_match(sentence: str, info: QueryInfo, question: str, near_focus: bool | None = None) -> float:
    """Does the sentence hold the kind of thing asked for, beyond what the question says? 0..1.
    ``near_focus``: whether a figure precedes what the question counts (computed when not given)."""
    if info.kind == "number":
        new = _new_numbers(sentence, info)
        has_word = bool(NUMBER_WORD.search(_undated(sentence)))
        if not new and not has_word:
            return 0.0
        if _MONEY_Q.search(question) and re.search(r"\bhow much\b", question, re.I):
            return 1.0 if CURRENCY.search(sentence) or _MAGNITUDE.search(sentence) else 0.5
        if not new:
            return 0.6
        # "how many refugees crossed": a figure of that thing ("8000 refugees ... crossed"), not any other figure
        if near_focus is None:
            focus = set(focus_terms(question))
            near_focus = not focus or _number_near(sentence, focus, given=frozenset(info.numbers))
        return 1.0 if near_focus else 0.7
    if info.kind == "date":
        asked = set(info.numbers)
        for m in DATE_PATTERN.finditer(sentence):
            if m.group() not in asked and m.group().lower() not in question.lower():  # not "February 2016" again
                return 1.0
        return 0.3 if re.search(r"\b(?:ago|earlier|later|last|next|since|until|week|month|year|night|morning)\b",
                                sentence, re.I) else 0.0
    if info.kind in ("person", "place"):
        asked = name_words(question)
        new_names = [n for n in names_in(sentence) if not name_words(n) <= asked and not DATE_PATTERN.fullmatch(n)
                     and not set(words(n)) <= _CALENDAR_WORDS]
        if not new_names:
            # a place need not have a name: "rebels fired mortars at the palace", "found in a clothes basket"
            # but "which frontier town" asks for its name
            return 0.5 if info.kind == "place" and _LOCATIVE.search(sentence) and not _NAMED_PLACE.search(question) \
                else 0.0
        return 1.0 if any(len(n.split()) >= 2 for n in new_names) or info.kind == "place" else 0.7
    return 1.0


IDF_PRIOR_DOCS = 50  # chunks of evidence before the collection's IDF is trusted half (see Context.build)


@dataclass
class Context:
    """What the features of one question share: its terms with IDF weights and its analysis."""

    info: QueryInfo
    question: str
    weights: dict[str, float]
    focus: list[str]
    names: list[set[str]]
    topic_weights: dict[str, float]  # for how much of the question a whole article covers (see build)

    @classmethod
    def build(cls, info: QueryInfo, idf: Callable[[str], float], n_docs: int | None = None) -> Context:
        """``n_docs``: the size of the collection the IDF comes from. In a small one (a few articles) IDF says
        little about whether an article covers the question: a term of every chunk (the topic, "Kurds" in an
        article about Kurds) gets almost no weight and a common word the few chunks happen to lack ("roughly")
        the most, so the question looked off-topic in the very article it is about. For that article-level
        coverage the weights are shrunk towards their mean by n_docs / (n_docs + IDF_PRIOR_DOCS): about 0.1 for
        one article, about 0.95 for a thousand chunks. Sentence-level coverage keeps the plain IDF: within an
        article, the rare word ("mortars") is what points at the sentence."""
        weights = {t: idf(t) for t in info.terms}
        topic = weights
        if n_docs is not None and weights:
            trust = n_docs / (n_docs + IDF_PRIOR_DOCS)
            mean = sum(weights.values()) / len(weights)
            topic = {t: trust * w + (1 - trust) * mean for t, w in weights.items()}
        names = [set(terms(n)) for n in info.names if terms(n)]
        return cls(info, info.text, weights, question_focus(info), names, topic)

    @staticmethod
    def _share(weights: dict[str, float], present: set[str]) -> float:
        total = sum(weights.values()) or 1.0
        return sum(w for t, w in weights.items() if t in present) / total

    def coverage(self, present: set[str]) -> float:
        return self._share(self.weights, present)

    def topic_coverage(self, present: set[str]) -> float:
        return self._share(self.topic_weights, present)


FEATURES = (
    "cos", "cos_ctx", "overlap", "overlap_win", "overlap_title", "kind", "focus", "focus_near_number",
    "names", "novelty", "said", "who_said", "according", "short", "long", "rrf_rank", "cos_rank",
    "overlap_rank", "furniture", "has_number", "overlap_article", "focus_article", "names_article",
    "overlap_local",
)
# Question-level features of the answerability model, computed from the best sentence (see ``answerability``).
ANSWERABILITY = ("top_logit", "margin", "share", "cos", "overlap", "overlap_win", "overlap_article", "focus",
                 "focus_article", "focus_near_number", "kind", "names", "names_article", "according", "n_terms")
# Below these the best sentence's article is not about the question at all: refuse without weighing anything else.
MIN_ARTICLE_COVERAGE = 0.25  # IDF-weighted share of the question's terms found in the article's candidates
# (measured on the dev questions: 3 of 171 right answers fall below it)


@lru_cache(maxsize=4096)
def term_set(text: str) -> frozenset[str]:
    """The stemmed terms of a text, computed once: every sentence is also its neighbours' neighbour, and every
    sentence of a chunk shares its title."""
    return frozenset(terms(text))


def sentence_features(ctx: Context, sentence: str, before: str, after: str, title: str,
                      cos: float, cos_ctx: float, rrf_rank: int) -> list[float]:
    """The feature vector (in ``FEATURES`` order, the last three rank features filled in by ``add_ranks``)."""
    s_terms = term_set(sentence)
    win_terms = s_terms | term_set(before) | term_set(after)
    t_terms = term_set(title)
    overlap = ctx.coverage(s_terms)
    overlap_win = ctx.coverage(win_terms)
    overlap_title = ctx.coverage(t_terms)
    counts = ctx.info.kind == "number"
    # a figure right before what the question counts: a feature of its own, and part of the kind match
    near_focus = (_number_near(sentence, set(ctx.focus), given=frozenset(ctx.info.numbers))
                  if ctx.focus and counts else not ctx.focus)
    kind = kind_match(sentence, ctx.info, ctx.question, near_focus if counts else None)
    focus = (sum(1 for f in ctx.focus if f in win_terms) / len(ctx.focus)) if ctx.focus else 0.5
    near = float(near_focus) if ctx.focus and counts else 0.0
    names = (sum(1 for n in ctx.names if n <= (win_terms | t_terms)) / len(ctx.names)) if ctx.names else 0.5
    content = [t for t in s_terms if t not in STOPWORDS]
    novelty = (sum(1 for t in content if t not in ctx.weights) / len(content)) if content else 0.0
    said = float(bool(_SAID.search(sentence)))
    who_said = float(bool(_WHO_SAID_Q.search(ctx.question)) and said and kind > 0)
    acc = _ACCORDING.search(ctx.question)
    according = 0.5
    if acc:
        who = set(terms(acc.group(1)))
        according = float(bool(who) and who <= (win_terms | t_terms))
    n_words = len(sentence.split())
    return [
        cos, cos_ctx, overlap, overlap_win, overlap_title, kind, focus, near, names, novelty, said, who_said,
        according, float(n_words < 6), float(n_words > 60),
        1.0 / (1.0 + rrf_rank), 0.0, 0.0, float(is_furniture(sentence)), float(bool(numbers(sentence))),
        0.0, 0.0, 0.0, 0.0,
    ]


# A people's or country's adjective and the place's own name share a root: "Chinese" / "China", "Syrian" /
# "Syria", "Turkish" / "Turkey", "Lebanese" / "Lebanon", "Korean" / "Korea". The stemmed adjective's endings; the
# place may add at most two letters to the root.
_DEMONYM_ENDS = ("es", "ian", "an", "ish", "i", "n")
_MIN_ROOT, _MAX_PLACE_END = 4, 2


def _place_roots(term: str) -> tuple[str, ...]:
    """The roots a place-adjective term may share with its place ('chines' -> 'chin', 'syrian' -> 'syri')."""
    return tuple(term[: -len(end)] for end in _DEMONYM_ENDS if term.endswith(end) and len(term) - len(end) >= _MIN_ROOT)


def _same_place(term: str, roots: Sequence[str]) -> bool:
    return any(term.startswith(r) and len(term) - len(r) <= _MAX_PLACE_END for r in roots)


def _name_covered(name: set[str], present: set[str], present_roots: Sequence[str]) -> bool:
    """Every word of a name is among the article's terms, a place adjective counting for its place and back
    ("the Chinese hunter" in an article that says "in China")."""
    for term in name:
        if term in present or _same_place(term, present_roots):
            continue
        roots = _place_roots(term)
        if not (roots and any(_same_place(p, roots) for p in present)):
            return False
    return True


def add_article_coverage(ctx: Context, rows: list[list[float]], article_terms: list[set[str]]) -> None:
    """Fill in how much of the question the sentence's whole article (its candidate sentences, title, byline and
    outlet) covers: its terms, what it counts, the names it gives."""
    i_ov, i_focus = FEATURES.index("overlap_article"), FEATURES.index("focus_article")
    i_names = FEATURES.index("names_article")
    covered: dict[int, float] = {}  # by article: its sentences share one set
    for row, present in zip(rows, article_terms):
        row[i_ov] = ctx.topic_coverage(present)
        row[i_focus] = (sum(1 for f in ctx.focus if f in present) / len(ctx.focus)) if ctx.focus else 0.5
        if id(present) not in covered:
            roots = [r for t in present for r in _place_roots(t)]
            covered[id(present)] = (sum(1 for n in ctx.names if _name_covered(n, present, roots)) / len(ctx.names)
                                    if ctx.names else 1.0)
        row[i_names] = covered[id(present)]


def add_local_coverage(ctx: Context, rows: list[list[float]], sentence_terms: Sequence[frozenset[str]],
                       articles: Sequence[str]) -> None:
    """Fill in how much of what the question shares with the sentence's article the sentence holds, each term
    weighted by how rare it is among that article's candidate sentences. The article's topic words are in many of
    its sentences, a lead that restates the question holds them all; the word that points at the answer
    ("expire" in "When is the license due to expire?") is in one or two."""
    i_local = FEATURES.index("overlap_local")
    by_article: dict[str, list[frozenset[str]]] = {}
    for terms_, article in zip(sentence_terms, articles):
        by_article.setdefault(article, []).append(terms_)
    weights: dict[str, tuple[dict[str, float], float]] = {}  # by article: term weights and their sum
    for article, sentences in by_article.items():
        n = len(sentences)
        w = {t: ctx.weights[t] * math.log((n + 1) / (df + 0.5)) for t in ctx.weights
             if (df := sum(1 for s in sentences if t in s))}
        weights[article] = (w, sum(w.values()))
    for row, terms_, article in zip(rows, sentence_terms, articles):
        w, total = weights[article]
        row[i_local] = sum(v for t, v in w.items() if t in terms_) / total if total > 0 else 0.0


def off_topic(row: Sequence[float]) -> bool:
    """The best sentence's article does not cover the question: too few of its terms, or none of the names it
    asks about while covering less than 70% of its terms."""
    named = dict(zip(FEATURES, row))
    return named["overlap_article"] < MIN_ARTICLE_COVERAGE or (named["names_article"] == 0.0 and named["overlap_article"] < 0.7)


def answerability(logits: Sequence[float], top_row: Sequence[float], n_terms: int) -> list[float]:
    """Features of a question's best sentence and of how clearly it beats the others."""
    ordered = sorted(logits, reverse=True)
    top = ordered[0]
    second = ordered[1] if len(ordered) > 1 else top - 5.0
    share = 1.0 / sum(math.exp(max(-30.0, x - top)) for x in ordered)
    named = dict(zip(FEATURES, top_row))
    return [top, top - second, share] + [named[f] for f in ANSWERABILITY[3:-1]] + [min(n_terms, 12) / 12]


def add_ranks(rows: list[list[float]]) -> None:
    """Fill in each sentence's rank by cosine and by overlap among the question's candidates (1/(1+rank))."""
    i_cos, i_ov = FEATURES.index("cos"), FEATURES.index("overlap")
    i_cos_rank, i_ov_rank = FEATURES.index("cos_rank"), FEATURES.index("overlap_rank")
    for key, target in ((i_cos, i_cos_rank), (i_ov, i_ov_rank)):
        descending = sorted(-row[key] for row in rows)
        for row in rows:  # equal values share a rank (the number of rows with a strictly higher value)
            row[target] = 1.0 / (1.0 + bisect.bisect_left(descending, -row[key]))


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def linear(weights: Sequence[float], bias: float, row: Sequence[float]) -> float:
    return bias + sum(w * x for w, x in zip(weights, row))
