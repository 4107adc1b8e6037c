"""What makes news different: dates, time-bounded questions, and the same story in several outlets.

- :func:`parse_time` reads "latest", "in 2012", "in October 2012", "before March", "since 2013", "last week"
  into a :class:`TimeFilter` (a Chroma ``where`` on the published date, or a preference for recent articles).
- :func:`as_of` words a citation's date for an answer ("As of 9 November 2012 (Daily Ledger)").
- :class:`NearDuplicates` groups near-copies (syndicated wire stories) with MinHash LSH.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .dates import MONTH_RE, MONTHS, long_date

if TYPE_CHECKING:
    import numpy as np

__all__ = ["NearDuplicates", "TimeFilter", "as_of", "long_date", "minhash", "parse_time"]

_RECENT = re.compile(r"\b(?:latest|most recent|newest|now|currently|current|today|these days|recently|so far)\b", re.I)


@dataclass
class TimeFilter:
    start: date | None = None
    end: date | None = None
    prefer_recent: bool = False
    phrase: str = ""

    def where(self) -> dict[str, Any] | None:
        """A Chroma filter on ``published_ord``; undated articles cannot be placed in time, so they are left out."""
        if not (self.start or self.end):
            return None
        clauses: list[dict[str, Any]] = [{"published_ord": {"$gt": 0}}]
        if self.start:
            clauses.append({"published_ord": {"$gte": self.start.toordinal()}})
        if self.end:
            clauses.append({"published_ord": {"$lte": self.end.toordinal()}})
        return {"$and": clauses}

    def contains(self, day: date | None) -> bool:
        if not (self.start or self.end):
            return True
        return day is not None and (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def named_in(self, text: str) -> bool:
        """``text`` names the year the question gave ("2019" for "in 2019" or "in November 2019"); always true
        when the question named no year ("this week", "yesterday": relative to the reader's today, not the
        article's) or an open period ("after 2015")."""
        if not (self.start and self.end) or not re.search(r"\d{4}", self.phrase):
            return True
        return any(re.search(rf"(?<!\d){y}(?!\d)", text) for y in range(self.start.year, self.end.year + 1))


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_time(question: str, today: date | None = None) -> TimeFilter | None:
    """The time a question is about, or None. Relative phrases count from ``today``."""
    today = today or date.today()
    q = question.lower()
    tf = TimeFilter(prefer_recent=bool(_RECENT.search(q)))
    if tf.prefer_recent:
        tf.phrase = _RECENT.search(q).group()
    month_year = re.search(rf"\b(?:in|during|from|of|for)?\s*({MONTH_RE})\.?,?\s+(\d{{4}})\b", q)
    bound = re.search(rf"\b(before|until|after|since)\s+(?:({MONTH_RE})\.?\s*(\d{{4}})?|(\d{{4}}))\b", q)
    year = re.search(r"\b(?:in|during|from|of|for)\s+((?:19|20)\d{2})\b", q)
    relative = re.search(r"\b(last|this|past)\s+(week|month|year)\b|\byesterday\b", q)
    if bound:
        word, month, y1, y2 = bound.groups()
        if month:
            y = int(y1) if y1 else today.year
            first, last = _month_range(y, MONTHS[month])
        else:
            first, last = date(int(y2), 1, 1), date(int(y2), 12, 31)
        if word in ("before", "until"):
            tf.end = first - timedelta(days=1) if word == "before" else last
        else:
            tf.start = last + timedelta(days=1) if word == "after" else first
        tf.phrase = bound.group().strip()
    elif month_year:
        tf.start, tf.end = _month_range(int(month_year.group(2)), MONTHS[month_year.group(1)])
        tf.phrase = month_year.group().strip()
    elif year:
        y = int(year.group(1))
        tf.start, tf.end = date(y, 1, 1), date(y, 12, 31)
        tf.phrase = year.group().strip()
    elif relative:
        if relative.group() == "yesterday":
            tf.start = tf.end = today - timedelta(days=1)
        else:
            which, unit = relative.group(1), relative.group(2)
            days = {"week": 7, "month": 31, "year": 366}[unit]
            if which == "this":
                tf.start = {"week": today - timedelta(days=today.weekday()), "month": today.replace(day=1),
                            "year": today.replace(month=1, day=1)}[unit]
                tf.end = today
            elif unit == "year" and which == "last":
                tf.start, tf.end = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
            else:
                tf.start, tf.end = today - timedelta(days=days), today
        tf.phrase = relative.group()
    if not (tf.start or tf.end or tf.prefer_recent):
        return None
    return tf


def as_of(published: date | None, source: str | None) -> str:
    """'As of 9 November 2012 (Daily Ledger)' or 'Undated (Cedar Review)'."""
    where = f" ({source})" if source else ""
    return f"As of {long_date(published)}{where}" if published else f"Undated{where}"


# --------------------------------------------------------------------------- near-duplicates

NUM_PERM = 64
NEAR_DUPLICATE_THRESHOLD = 0.6  # estimated Jaccard of word 3-shingles above which two articles are one story
# near-copies share nearly the same chunks: a stored article is compared only when one of its chunks is at least
# this close (cosine) to the new article's first, middle or last chunk, among the NEAR_COPY_NEIGHBOURS closest
NEAR_COPY_SIMILARITY = 0.8
NEAR_COPY_NEIGHBOURS = 5


# MinHash over word 3-shingles, and LSH bands to find candidates: 10 bands of 6 rows is the shape that balances
# missed and spurious candidates for a 0.6 threshold over 64 permutations (the one datasketch picks; that library
# was used here until its import, which loads SciPy, cost every ingesting process ~0.9 s and ~56 MB)
BANDS, ROWS = 10, 6
_PRIME = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The universal-hashing parameters (a, b) of the NUM_PERM permutations, fixed by a seed."""
    import numpy as np

    rng = np.random.RandomState(1)
    return (rng.randint(1, _PRIME, NUM_PERM, dtype=np.uint64), rng.randint(0, _PRIME, NUM_PERM, dtype=np.uint64))


@dataclass(frozen=True)
class Signature:
    """A text's MinHash signature: per permutation, the smallest hash of its shingles."""

    values: np.ndarray

    def jaccard(self, other: Signature) -> float:
        """The estimated Jaccard similarity of the two texts' shingle sets."""
        return float((self.values == other.values).sum()) / len(self.values)

    def bands(self) -> list[bytes]:
        return [self.values[i * ROWS : (i + 1) * ROWS].tobytes() for i in range(BANDS)]


def minhash(text: str) -> Signature:
    import numpy as np

    words = re.findall(r"\w+", text.lower())
    shingles = {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}
    hashes = np.fromiter((int.from_bytes(hashlib.blake2b(sh.encode("utf-8"), digest_size=4).digest(), "little")
                          for sh in shingles), dtype=np.uint64, count=len(shingles))
    a, b = _permutations()
    with np.errstate(over="ignore"):  # the products wrap around 2**64, as in the usual implementation: still a hash
        permuted = ((np.outer(hashes, a) + b) % np.uint64(_PRIME)) & np.uint64(_MAX_HASH)
    return Signature(permuted.min(axis=0))


class NearDuplicates:
    """MinHash LSH over article texts: which group a new article belongs to (near-copies share one)."""

    def __init__(self):
        self._buckets: list[dict[bytes, set[str]]] = [{} for _ in range(BANDS)]
        self._signature: dict[str, Signature] = {}
        self._group: dict[str, str] = {}

    def add(self, article_id: str, signature: Signature, group: str) -> None:
        if article_id in self._group:
            return
        for bucket, key in zip(self._buckets, signature.bands()):
            bucket.setdefault(key, set()).add(article_id)
        self._signature[article_id] = signature
        self._group[article_id] = group

    def group_for(self, signature: Signature) -> str | None:
        """The group of the first (by id) article added whose estimated Jaccard similarity reaches the threshold,
        among those sharing a band with this signature."""
        candidates = set().union(*(bucket.get(key, ()) for bucket, key in zip(self._buckets, signature.bands())))
        matches = [k for k in candidates if self._signature[k].jaccard(signature) >= NEAR_DUPLICATE_THRESHOLD]
        return self._group[min(matches)] if matches else None

    def remove(self, article_id: str) -> None:
        if article_id not in self._group:
            return
        for bucket, key in zip(self._buckets, self._signature.pop(article_id).bands()):
            bucket[key].discard(article_id)
            if not bucket[key]:
                del bucket[key]
        del self._group[article_id]
