"""Conversations of the web chat as plain JSON data, and what the chat shows users about them.

No gradio here (``ui.py`` wires it). A conversation is a dict kept in the browser (``gr.BrowserState``)::

    {"id": "c1a2...", "title": "How many refugees ...", "updated": "2024-05-01T10:00:00+00:00",
     "exchanges": [{"question": "...", "status": "answered", "answer": {...Answer JSON...}, "text": "", "vote": None}]}

``status`` is ``pending`` (being answered), ``answered``, ``error`` (``text`` says why) or ``stopped`` (``text`` is
what had streamed in). Follow-up questions use the answered exchanges only.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

MAX_CHATS = 50  # conversations kept per browser
MAX_SHOWN_QUESTION = 300  # characters of a rejected question echoed back in the chat


# --------------------------------------------------------------------------- conversations


def new_conversation() -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:12], "title": "", "updated": _now(), "exchanges": []}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def title_for(question: str, limit: int = 60) -> str:
    question = " ".join(question.split())
    return question if len(question) <= limit else question[: limit - 1].rstrip() + "…"


def shown_question(question: str) -> str:
    """The question as the chat echoes it: very long ones (which are refused anyway) are shortened."""
    if len(question) <= MAX_SHOWN_QUESTION:
        return question
    return f"{question[:200].rstrip()}… ({len(question):,} characters)"


def history(conversation: dict[str, Any]) -> list[tuple[str, str]]:
    """Earlier turns for follow-up questions: answered exchanges only (errors and stopped answers are left out)."""
    turns: list[tuple[str, str]] = []
    for ex in conversation.get("exchanges", []):
        answer = ex.get("answer")
        if ex.get("status") == "answered" and answer:
            turns += [("user", answer.get("resolved_question") or ex["question"]), ("assistant", answer.get("text", ""))]
    return turns


def slim_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """An Answer's JSON without what the browser does not need to keep (timings)."""
    return {k: v for k, v in answer.items() if k != "timings"}


def stop_pending(conversation: dict[str, Any]) -> bool:
    """Mark an exchange still being answered as stopped; True if there was one."""
    changed = False
    for ex in conversation.get("exchanges", []):
        if ex.get("status") == "pending":
            ex["status"] = "stopped"
            changed = True
    return changed


def save(chats: list[dict[str, Any]] | None, conversation: dict[str, Any]) -> list[dict[str, Any]]:
    """``chats`` with ``conversation`` first (replacing its earlier version); empty conversations are not kept."""
    others = [c for c in (chats or []) if isinstance(c, dict) and c.get("id") != conversation["id"]]
    if not conversation.get("exchanges"):
        return others
    conversation = {**conversation, "updated": _now()}
    if not conversation.get("title"):
        conversation["title"] = title_for(conversation["exchanges"][0]["question"])
    return [conversation, *others][:MAX_CHATS]


def remove(chats: list[dict[str, Any]] | None, conversation_id: str) -> list[dict[str, Any]]:
    return [c for c in (chats or []) if isinstance(c, dict) and c.get("id") != conversation_id]


def find(chats: list[dict[str, Any]] | None, conversation_id: str | None) -> dict[str, Any] | None:
    return next((c for c in chats or [] if isinstance(c, dict) and c.get("id") == conversation_id), None)


def chat_choices(chats: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    """(label, id) for the list of past chats, newest first."""
    out = []
    for c in chats or []:
        if not isinstance(c, dict) or not c.get("id"):
            continue
        when = _short_date(c.get("updated"))
        out.append((f"{c.get('title') or 'Untitled chat'}{' · ' + when if when else ''}", c["id"]))
    return out


def _short_date(stamp: str | None) -> str:
    try:
        return datetime.fromisoformat(stamp or "").strftime("%d %b").lstrip("0")
    except ValueError:
        return ""


# --------------------------------------------------------------------------- export


def to_markdown(conversation: dict[str, Any]) -> str:
    """The conversation as Markdown: each question, its answer with [n] markers, and the cited quotes."""
    title = conversation.get("title") or "Chat"
    lines = [f"# {title}", "", f"*News assistant chat, exported {datetime.now().strftime('%Y-%m-%d %H:%M')}.*", ""]
    for ex in conversation.get("exchanges", []):
        lines += [f"## {ex['question']}", ""]
        answer = ex.get("answer")
        if ex.get("status") == "answered" and answer:
            if answer.get("short"):
                lines += [f"**{answer['short']}**", ""]
            lines += [answer.get("text", ""), ""]
            citations = answer.get("citations") or []
            if citations:
                lines += ["Sources:", ""]
            for c in citations:
                meta = ", ".join(x for x in (c.get("source"), c.get("published") or "undated") if x)
                link = f" <{c['url']}>" if re.match(r"https?://", c.get("url") or "") else ""
                lines += [f"{c['number']}. *{c['title']}* ({meta}){link}", f"   > {c['quote']}", ""]
        elif ex.get("status") == "stopped":
            lines += [(ex.get("text") or "").strip() + " *(stopped)*", ""]
        elif ex.get("status") == "error":
            lines += [f"*Not answered: {ex.get('text', '')}*", ""]
        if ex.get("vote"):
            lines += [f"*Your feedback: thumbs {ex['vote']}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def export_file(conversation: dict[str, Any], folder: Path) -> Path:
    """Write the Markdown export to ``folder/<conversation id>/chat-<title>.md`` (rewritten as the chat grows)."""
    key = re.sub(r"[^0-9a-f]", "", str(conversation.get("id", "")))[:32] or uuid.uuid4().hex[:12]
    slug = re.sub(r"[^\w]+", "-", (conversation.get("title") or "chat").lower()).strip("-")[:40] or "chat"
    target = folder / key
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.md"):
        old.unlink(missing_ok=True)
    path = target / f"chat-{slug}.md"
    path.write_text(to_markdown(conversation), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- feedback


def feedback_record(exchange: dict[str, Any]) -> dict[str, Any]:
    """What a vote on this exchange is about: the answer, or the error / stopped text shown instead."""
    if exchange.get("status") == "answered" and exchange.get("answer"):
        return exchange["answer"]
    return {"question": exchange.get("question"), "text": exchange.get("text") or "", "refused": None, "citations": []}


def withdraw_vote(path: Path, record: dict[str, Any], vote: str) -> bool:
    """Remove the latest line of ``feedback.jsonl`` with this vote on this answer (the caller holds the lock).

    The web chat calls it before recording a changed vote, so the last vote on an answer replaces the first."""
    if not path.exists():
        return False
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i in range(len(lines) - 1, -1, -1):
        try:
            line = json.loads(lines[i])
        except ValueError:
            continue
        if (line.get("vote"), line.get("question"), line.get("answer")) == (vote, record.get("question"),
                                                                              record.get("text")):
            del lines[i]
            tmp = path.with_suffix(".jsonl.tmp")
            tmp.write_text("".join(lines), encoding="utf-8")
            os.replace(tmp, path)
            return True
    return False


# --------------------------------------------------------------------------- messages for people


_SETTING_IN_PARENS = re.compile(r"\s*\([^()]*\bASSISTANT_[A-Z_]+[^()]*\)")
_SETTING_CLAUSE = re.compile(r"[;,]?\s*(?:check|set|raise|see|unset)\s+ASSISTANT_[A-Z_]+[^.;()]*")
_PATH = re.compile(r"(?<![\w.:/~])(?:~|[A-Za-z]:)?(?:[/\\][^/\\\s:;,'\"()<>]+)+[/\\]([^/\\\s:;,'\"()<>]+)")


def friendly(message: str, name: str | None = None) -> str:
    """An error message for the page: no server paths (file names only), no setting names, a capital letter.

    With ``name`` (the file the message is about, shown next to it) a leading "<path>: " is dropped."""
    text = _SETTING_IN_PARENS.sub("", message)
    text = _SETTING_CLAUSE.sub("", text)
    text = re.sub(r"\bASSISTANT_[A-Z_]+(?:=\S+)?", "a setting", text)
    text = _PATH.sub(lambda m: m.group(1), text)
    if name is not None:
        text = re.sub(rf"^{re.escape(name)}(?:#\d+)?:\s*", "", text)
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


# --------------------------------------------------------------------------- the library in one line


def library_summary(published: list[date | None]) -> str:
    """'**3 articles** in the library, dated 9 November 2012 to 2 March 2013 (1 undated).' (Markdown)."""
    n = len(published)
    if n == 0:
        return ""
    dates = sorted(d for d in published if d is not None)
    head = f"**{n:,} article{'s' if n != 1 else ''}** in the library"
    undated = n - len(dates)
    if not dates:
        return f"{head}, none of them dated."
    span = _long_date(dates[0]) if dates[0] == dates[-1] else f"{_long_date(dates[0])} to {_long_date(dates[-1])}"
    return f"{head}, dated {span}{f' ({undated:,} undated)' if undated else ''}."


def _long_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"
