"""Checks of what a caller hands to ``Assistant.ask``/``stream``/``search``: the question and the history.

Each problem raises :class:`InvalidQuestionError` saying what was wrong and what is expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidQuestionError

HISTORY_SHAPE = ("a list of (role, text) pairs, of {'role': ..., 'content': ...} dicts or of LlamaIndex "
                 "ChatMessages, e.g. [('user', 'How many refugees does Turkey shelter?'), ('assistant', '...')]")


def check_question(question: Any, max_chars: int) -> str:
    """The question cleaned of control characters and extra spaces; InvalidQuestionError when unusable."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text (a str), got {type(question).__name__}: "
                                   "type a question about your articles")
    if not question.strip():
        raise InvalidQuestionError("the question is empty: type a question about your articles")
    question = " ".join("".join(ch if ch.isprintable() else " " for ch in question).split())
    if not question or not any(ch.isalnum() for ch in question):
        raise InvalidQuestionError("the question has no words: type a question about your articles")
    if len(question) > max_chars:
        raise InvalidQuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,} "
            "(ASSISTANT_MAX_QUESTION_CHARS). Ask a shorter question."
        )
    return question


def _turn(item: Any, i: int) -> tuple[str, str]:
    if isinstance(item, Mapping):
        if "role" not in item or not ("content" in item or "text" in item):
            raise InvalidQuestionError(f"history item {i} is a dict without 'role' and 'content' keys; "
                                       f"the history must be {HISTORY_SHAPE}")
        role, text = item["role"], item.get("content", item.get("text"))
    elif hasattr(item, "role") and hasattr(item, "content"):  # a LlamaIndex ChatMessage (or alike)
        role, text = item.role, item.content
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        role, text = item
    else:
        raise InvalidQuestionError(f"history item {i} is {type(item).__name__} {item!r:.60}; "
                                   f"the history must be {HISTORY_SHAPE}")
    role = getattr(role, "value", role)  # MessageRole.USER -> "user"
    if not isinstance(role, str) or not role:
        raise InvalidQuestionError(f"history item {i}: the role must be a string such as 'user' or 'assistant', "
                                   f"got {role!r:.60}")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InvalidQuestionError(f"history item {i}: the text must be a string, got {type(text).__name__}")
    return role.lower(), text


def normalize_history(history: Any) -> list[tuple[str, str]] | None:
    """The conversation as (role, text) pairs; accepts pairs, role/content dicts and ChatMessages."""
    if history is None:
        return None
    if isinstance(history, (str, bytes, Mapping)) or not hasattr(history, "__iter__"):
        raise InvalidQuestionError(f"history is {type(history).__name__}; it must be {HISTORY_SHAPE}")
    return [_turn(item, i) for i, item in enumerate(history)]
