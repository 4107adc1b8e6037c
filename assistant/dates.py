"""Month names and date expressions, in one place: question analysis, time filters and answers all use these."""

from __future__ import annotations

import calendar
import re
from datetime import date

MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))  # longest first: "september" before "sep"

_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_CALENDAR_DATE = (
    rf"(?:{MONTH_RE})\.?\s+{_DAY},?(?:\s+\d{{4}})?"  # Jul 21, 2020 · July 21
    rf"|{_DAY}\s+(?:{MONTH_RE})\.?,?(?:\s+\d{{4}})?"  # 21 July 2020
    rf"|(?:{MONTH_RE})\.?,?\s+\d{{4}}"  # July 2020
    r"|\d{4}-\d{2}-\d{2}"  # 2020-07-21
)
_WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"

# Date expressions other than a bare year ("a bare 1672 may well be a quantity", so how-many questions set
# only these aside).
DATE_EXPRESSION = re.compile(rf"\b(?:{_CALENDAR_DATE}|{_WEEKDAY})\b", re.IGNORECASE)
# Anything that answers "when": the above, a bare year, and relative days.
DATE_PATTERN = re.compile(
    rf"\b(?:{_CALENDAR_DATE}|(?:1[6-9]|20)\d{{2}}|{_WEEKDAY}|yesterday|today|last (?:week|month|year))\b",
    re.IGNORECASE,
)


def stored_date(value: object) -> date | None:
    """A published date as stored in metadata ("2012-11-09", "" for undated) or already a date; None when
    there is none or it is not an ISO date."""
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def long_date(day: date) -> str:
    """9 November 2012."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"
