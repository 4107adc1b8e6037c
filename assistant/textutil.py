"""Small text helpers shared by chunking, retrieval and answering: sentence spans, terms, numbers.

Sentence splitting uses NLTK's Punkt algorithm with an explicit abbreviation list, so it needs no downloaded
data and gives character offsets (``span_tokenize``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

_ABBREVIATIONS = {
    # titles and honorifics
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "cmdr", "gov", "sen",
    "rep", "rev", "hon", "pres", "amb", "maj", "adm", "supt", "insp",
    # months and days
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun",
    # common news abbreviations
    "u.s", "u.k", "u.n", "e.u", "u.s.a", "d.c", "a.m", "p.m", "no", "vs", "etc", "inc", "ltd", "co", "corp",
    "approx", "est", "dept", "univ", "fig", "al", "e.g", "i.e", "ft", "mt", "ave", "blvd", "rd",
}

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
    him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
    she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's
    whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
    also says said say tell told many much does did according whose will shall may might must just like""".split()
)

_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
# 120,000 · 8000 · 10.4 · 1.5m · 50% · 2021 ; commas only as thousands separators
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|(?<![\w.,])\d+(?:\.\d+)?")


_PUNKT_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _punkt():
    with _PUNKT_LOCK:  # one import at a time: the stand-in below must not meet another thread's
        punkt = _punkt_module()
    params = punkt.PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return punkt.PunktSentenceTokenizer(params)


def _punkt_module():
    """NLTK's punkt module, without running NLTK's package ``__init__``.

    That ``__init__`` imports all of NLTK, and through it scikit-learn and SciPy (both installed here, for
    sentence-transformers): 160 MB of memory and 1.4 s, for every process that ingests, against 30 MB and 0.3 s
    for punkt and what it imports. The import runs under a bare stand-in for the ``nltk`` package; the stand-in and
    the submodules it loaded are then taken out of ``sys.modules`` (this module keeps its own reference), so that a
    later ``import nltk`` elsewhere in the process loads NLTK whole and as usual. Where NLTK is imported already,
    its punkt is used."""
    import importlib
    import importlib.util
    import sys
    import types

    if "nltk" in sys.modules:
        return importlib.import_module("nltk.tokenize.punkt")
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("sentence splitting needs NLTK: pip install nltk", name="nltk")
    stand_in = types.ModuleType("nltk")
    stand_in.__path__ = list(spec.submodule_search_locations)
    stand_in.__spec__ = spec
    sys.modules["nltk"] = stand_in
    try:
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
            del sys.modules[name]


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; lines (paragraphs, headlines) never share a sentence."""
    spans: list[tuple[int, int]] = []
    tokenizer = _punkt()
    for line in re.finditer(r"[^\n]+", text):
        body = line.group()
        if not body.strip():
            continue
        base = line.start()
        for start, end in tokenizer.span_tokenize(body):
            # trim whitespace the tokenizer may keep at the edges
            while start < end and body[start].isspace():
                start += 1
            while end > start and body[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((offset + base + start, offset + base + end))
    return spans


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to one space (used to compare quotes with article text)."""
    return re.sub(r"\s+", " ", text).strip()


_COMPAT = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    **{ch: " " for ch in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"},
    "\u2028": "\n", "\u2029": "\n",
})
_KEEP_FORMAT = {"\u200c", "\u200d"}  # zero-width (non-)joiners are part of Persian and Indic words


def normalize_unicode(text: str) -> str:
    """NFC, ligatures and typographic spaces made plain, zero-width and control characters removed.

    NFC rather than NFKC: compatibility folding would rewrite letters of some scripts (Arabic presentation
    forms), and the stored text should stay the article's own.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).translate(_COMPAT)
    text = re.sub(r"[\u200b\u2060\ufeff\u00ad]", "", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or ch in _KEEP_FORMAT or unicodedata.category(ch)[0] != "C"
    )


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def name_words(text: str) -> set[str]:
    """The words of a name, without a possessive: "Wichita West's David Garcia" -> {wichita, west, david, garcia}."""
    return {re.sub(r"['’]s$", "", w) for w in words(text)}


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer, a dependency of bm25s

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def terms(text: str) -> list[str]:
    """Stemmed content words: the vocabulary of keyword search and term overlap."""
    return [_stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def numbers(text: str) -> list[str]:
    """Numbers in ``text`` in a canonical form ('120,000' -> '120000')."""
    return [m.group().replace(",", "") for m in _NUMBER.finditer(text)]
