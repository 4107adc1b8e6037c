"""Remove scraping junk from article text and normalise it, keeping the article's own sentences."""

from __future__ import annotations

import re
from collections import Counter

from .textutil import normalize_unicode

# Whole lines that are never part of an article. Matched case-insensitively against the stripped line.
_JUNK_LINES = [
    r"loading(?: article)? content\.*",
    r"loading\.*",
    r"advertisement|advertising|sponsored(?: content)?|ad",
    r"story continues below(?: advertisement)?",
    r"(?:continue|keep) reading.*",
    r"read more(?: about .*)?:?",
    r"(?:read|see) also:?",
    r"related(?: articles| stories| content| topics)?:?",
    r"share(?: this)?(?: article| story| page| post)?(?: on \w+)?:?",
    r"(?:share|tweet|email|print|copy link|pin it|whatsapp|facebook|twitter|linkedin|reddit|x)"
    r"(?:\s*[|·•/,]\s*(?:share|tweet|email|print|copy link|pin it|whatsapp|facebook|twitter|linkedin|reddit|x))*",
    r"(?:follow|like) us on .*",
    r"sign up (?:for|to) (?:our|the) .*newsletter.*",
    r"subscribe(?: now| today| to .*)?[.!]?",
    r"(?:click|tap) here.*",
    r"skip to (?:main )?(?:content|navigation)",
    r"(?:back to )?top",
    r"(?:we|this (?:site|website)) uses? cookies.*",
    r".*accept (?:all )?cookies.*",
    r"cookie (?:policy|settings|preferences|consent).*",
    r"(?:all )?rights reserved\.?",
    r"comments?(?: \(\d+\))?",
    r"(?:view|show|load) (?:\d+ )?(?:more )?comments",
    r"image:? .{0,40}(?:getty|reuters|ap|afp) images?",
    r"(?:photo|image|picture)s?(?: credit)?:? ?(?:getty|reuters|ap|afp)?(?: images)?",
    r"(?:most )?(?:popular|read|viewed)(?: now| stories)?",
    r"you (?:might|may) also like:?",
    r"enable javascript.*",
    r"menu|search|home|close|open|log ?in|sign ?in|sign ?up|register",
]
_JUNK = re.compile(r"^(?:" + "|".join(_JUNK_LINES) + r")$", re.IGNORECASE)
_MENU_SEPARATORS = re.compile(r"\s[|•·»›]\s")


def is_junk_line(line: str) -> bool:
    stripped = line.strip().strip("-–—*#>_=•·|").strip()
    if not stripped:
        return False
    if _JUNK.match(stripped):
        return True
    if stripped != line.strip() and line.strip().startswith("|"):
        return False  # a table row ("| 1 | Kyle Busch | 5040 |"), not a menu
    # a navigation bar: "Home | World | Business | Sport"
    parts = _MENU_SEPARATORS.split(stripped)
    return len(parts) >= 3 and all(len(p.split()) <= 3 for p in parts) and not stripped.endswith((".", "?", "!"))


def _is_nav_like(line: str) -> bool:
    stripped = line.strip()
    return 0 < len(stripped.split()) <= 6 and not re.search(r"[.!?\"”]$", stripped)


def clean_text(text: str) -> str:
    """Normalise Unicode and whitespace, drop junk lines and short lines repeated (4+ times) like menus."""
    text = normalize_unicode(text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    repeated = Counter(line.lower() for line in lines if _is_nav_like(line))
    kept: list[str] = []
    for line in lines:
        if is_junk_line(line) or (_is_nav_like(line) and repeated[line.lower()] >= 4):
            continue
        kept.append(line)
    cleaned = "\n".join(kept)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip()
