"""The Python API's edges: in-memory records, question and history checks, settings errors, the Chroma server
message, read-only indexes, short ids and the error classes."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

import assistant as pkg
from assistant import (
    AmbiguousIdError,
    ArticleNotFoundError,
    Assistant,
    AssistantError,
    ConfigError,
    IndexNotWritableError,
    InvalidQuestionError,
    StoreUnavailableError,
)
from assistant.ingest import article_id
from tests.conftest import EXAMPLE_QUESTION, ROOT, SAMPLE, free_port

# ------------------------------------------------------------------ add_documents


def test_add_documents_reads_the_date_formats_that_file_ingest_reads(assistant):
    report = assistant.add_documents([
        {"text": "The bridge opened to traffic.", "published": "May 1, 2024"},
        {"text": "The dam opened to boats.", "published": "2024-05-01T10:00:00Z"},
        {"text": "The port opened to ships.", "date": "1 May 2024"},
        {"text": "The road opened to cars.", "published": date(2024, 5, 1)},
    ])
    assert report.failed == [] and report.added == 4
    assert {a.published for a in assistant.articles()} == {date(2024, 5, 1)}


def test_add_documents_reports_each_bad_record_and_keeps_the_good_ones(assistant):
    report = assistant.add_documents([
        {"text": "The library reopened on Monday.", "title": "Library"},
        {"text": 12345},
        {"text": "A story with an odd date.", "published": "not a date"},
        "just a string",
        {"title": "no text at all"},
        {"text": "Tagged story.", "title": ["a", "list"]},
        {"text": "The museum reopened on Tuesday.", "published": "2024-05-02"},
    ])
    assert report.added == 2
    reasons = dict(report.failed)
    assert "'text' must be a string" in reasons["<memory>#1"] and "int" in reasons["<memory>#1"]
    assert "'published' 'not a date' is not a date" in reasons["<memory>#2"]
    assert "2024-05-01T10:00:00Z" in reasons["<memory>#2"]  # the formats it does read
    assert "expected a dict" in reasons["<memory>#3"]
    assert "no text" in reasons["<memory>#4"]
    assert "'title' must be a string" in reasons["<memory>#5"]
    assert sorted(a.title for a in assistant.articles()) == ["Library", "The museum reopened on Tuesday."]


def test_add_documents_takes_a_single_record(assistant):
    report = assistant.add_documents({"text": "The ferry sailed at dawn.", "title": "Ferry"})
    assert report.added == 1 and assistant.articles()[0].title == "Ferry"


# ------------------------------------------------------------------ questions and history


@pytest.mark.parametrize("question", [123, None, b"bytes", ["How many?"]])
def test_a_question_that_is_not_text_says_so(sample_assistant, question):
    with pytest.raises(InvalidQuestionError) as info:
        sample_assistant.ask(question)
    message = str(info.value)
    assert "must be text" in message and type(question).__name__ in message and "empty" not in message


@pytest.mark.parametrize("history, expected", [
    ("bad", "history is str"),
    ({"role": "user"}, "history is dict"),
    (42, "history is int"),
    ([("user",)], "history item 0"),
    ([("user", "ok"), "bad"], "history item 1"),
    ([{"role": "user"}], "without 'role' and 'content'"),
    ([("user", 5)], "text must be a string"),
    ([(None, "hi")], "role must be a string"),
])
def test_a_bad_history_says_what_is_wrong_and_what_is_expected(sample_assistant, history, expected):
    with pytest.raises(InvalidQuestionError) as info:
        sample_assistant.ask("and in Jordan?", history=history)
    assert expected in str(info.value)
    assert "(role, text) pairs" in str(info.value) or "must be a string" in str(info.value)


def test_history_as_pairs_dicts_or_chat_messages_gives_the_same_follow_up(sample_assistant):
    from llama_index.core.llms import ChatMessage, MessageRole

    as_pairs = [("user", EXAMPLE_QUESTION), ("assistant", "...")]
    as_dicts = [{"role": "user", "content": EXAMPLE_QUESTION}, {"role": "assistant", "content": "..."}]
    as_messages = [ChatMessage(role=MessageRole.USER, content=EXAMPLE_QUESTION),
                   ChatMessage(role=MessageRole.ASSISTANT, content="...")]
    answers = [sample_assistant.ask("and in Jordan?", history=h) for h in (as_pairs, as_dicts, as_messages)]
    assert answers[0].resolved_question and "Jordan" in answers[0].resolved_question
    assert {a.resolved_question for a in answers} == {answers[0].resolved_question}
    assert {a.text for a in answers} == {answers[0].text}


def test_stream_checks_the_history_too(sample_assistant):
    with pytest.raises(InvalidQuestionError, match="history is str"):
        list(sample_assistant.stream(EXAMPLE_QUESTION, history="bad"))


# ------------------------------------------------------------------ settings


def test_a_bad_environment_variable_is_named_with_its_value_and_what_is_expected(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_TOP_K_DENSE", "abc")
    with pytest.raises(ConfigError) as info:
        pkg.Settings()
    message = str(info.value)
    assert "ASSISTANT_TOP_K_DENSE='abc'" in message and "a whole number from 1 to 500" in message
    with pytest.raises(ConfigError, match="ASSISTANT_TOP_K_DENSE"):
        Assistant(index_dir=tmp_path)


def test_a_bad_argument_is_named_as_the_argument(tmp_path):
    with pytest.raises(ConfigError) as info:
        pkg.Settings(max_file_mb=-1)
    assert "max_file_mb=-1" in str(info.value) and "greater than 0" in str(info.value)
    assert "ASSISTANT_" not in str(info.value)


def test_an_unreachable_chroma_server_names_what_failed_and_the_right_port(make_assistant):
    port = free_port()  # nothing listens there
    with pytest.raises(StoreUnavailableError) as info:
        make_assistant(chroma_url=f"http://127.0.0.1:{port}")
    message = str(info.value)
    assert f"--port {port}" in message and "8000" not in message
    assert "refused" in message.lower() and "(ValueError)" not in message


def test_a_chroma_url_with_a_bad_port_is_a_config_error(make_assistant):
    with pytest.raises(ConfigError, match="ASSISTANT_CHROMA_URL"):
        make_assistant(chroma_url="http://localhost:notaport")


# ------------------------------------------------------------------ read-only index

READ_ONLY_CHECK = """
import sys
sys.path.insert(0, {root!r})
from tests.conftest import EXAMPLE_QUESTION, SAMPLE, FakeEmbedder
from assistant import Assistant, IndexNotWritableError
a = Assistant(index_dir={index!r}, embedder=FakeEmbedder(), reader="similarity", refusal_threshold=0.3)
assert a.index.store.read_only
answer = a.ask(EXAMPLE_QUESTION)
assert "more than 120,000" in answer.text, answer.text
assert a.search(EXAMPLE_QUESTION) and len(a.articles()) == 1
writes = {{"ingest": lambda: a.ingest([SAMPLE]), "add_documents": lambda: a.add_documents([{{"text": "x"}}]),
          "delete": lambda: a.delete(a.articles()[0].id), "reset": lambda: Assistant.reset(index_dir={index!r}),
          "feedback": lambda: a.record_feedback(answer, "up")}}
for name, write in writes.items():
    try:
        write()
    except IndexNotWritableError as exc:
        assert name == "feedback" or "read-only" in str(exc) and "ASSISTANT_INDEX_DIR" in str(exc), str(exc)
    else:
        raise AssertionError(name + " wrote to a read-only index")
print("READ-ONLY OK")
"""


def _make_read_only(folder: Path) -> None:
    subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)


@pytest.fixture
def read_only_index(make_assistant, tmp_path):
    folder = tmp_path / "ro-index"
    a = make_assistant(index_dir=folder)
    assert a.ingest([SAMPLE]).added == 1
    del a
    _make_read_only(folder)
    yield folder
    subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)


def test_a_read_only_index_answers_and_refuses_writes(read_only_index):
    """A folder made read-only after ingest (chmod -R a-w). Root ignores file modes, so as root the check runs in
    a user namespace (``unshare -U``), where root's override does not apply; skipped if that is unavailable."""
    script = READ_ONLY_CHECK.format(root=str(ROOT), index=str(read_only_index))
    if not os.access(read_only_index, os.W_OK):
        command = [sys.executable, "-c", script]
    else:
        unshare = shutil.which("unshare")
        probe = subprocess.run([unshare, "-U", "true"], check=False, capture_output=True) if unshare else None
        if probe is None or probe.returncode != 0:
            pytest.skip("running as root, and no user namespace (unshare -U) to drop root's write override")
        command = [unshare, "-U", sys.executable, "-c", script]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0 and "READ-ONLY OK" in result.stdout, result.stderr[-3000:]
    assert not list(read_only_index.rglob(".write-test-*"))


def test_read_only_code_path_via_the_writability_check(make_assistant, tmp_path, monkeypatch):
    """The same behaviour when the writability check says no (works as root too): the check is
    ``store.folder_is_writable``, patched here to answer False."""
    from assistant import store

    folder = tmp_path / "index"
    assert make_assistant(index_dir=folder).ingest([SAMPLE]).added == 1
    monkeypatch.setattr(store, "folder_is_writable", lambda path: False)
    a = make_assistant(index_dir=folder)
    assert a.index.store.read_only and a.index.keyword.folder is None  # keyword index in memory
    assert "more than 120,000" in a.ask(EXAMPLE_QUESTION).text
    before = sorted(p.name for p in (folder / "chroma").iterdir())
    for write in (lambda: a.ingest([SAMPLE]), lambda: a.add_documents([{"text": "x"}]),
                  lambda: a.delete(a.articles()[0].id), lambda: Assistant.reset(index_dir=folder)):
        with pytest.raises(IndexNotWritableError, match="read-only"):
            write()
    assert sorted(p.name for p in (folder / "chroma").iterdir()) == before


def test_a_read_only_folder_without_an_index_is_a_clear_error(make_assistant, tmp_path, monkeypatch):
    from assistant import store

    monkeypatch.setattr(store, "folder_is_writable", lambda path: False)
    with pytest.raises(IndexNotWritableError, match="not writable and holds no index"):
        make_assistant(index_dir=tmp_path / "empty")


# ------------------------------------------------------------------ short ids


def _two_texts_with_a_common_id_prefix(n: int = 4) -> tuple[str, str]:
    seen: dict[str, str] = {}
    for i in range(100_000):
        text = f"Story number {i} about the harbour."
        prefix = article_id(text)[:n]
        if prefix in seen:
            return seen[prefix], text
        seen[prefix] = text
    raise AssertionError("no collision found")


def test_article_ids_resolve_from_a_unique_prefix(assistant):
    first, second = _two_texts_with_a_common_id_prefix()
    assistant.add_documents([{"text": first}, {"text": second}])
    ids = [article_id(first), article_id(second)]
    assert assistant.resolve_id(ids[0][:12]) == ids[0]
    assert assistant.resolve_id(ids[1].upper()) == ids[1]
    with pytest.raises(AmbiguousIdError, match="matches 2 articles"):
        assistant.resolve_id(ids[0][:4])
    with pytest.raises(ArticleNotFoundError, match="no article with id"):
        assistant.resolve_id("zzzzzzzz")
    with pytest.raises(ArticleNotFoundError, match="too short"):
        assistant.resolve_id(ids[0][:2])


# ------------------------------------------------------------------ errors


def _error_classes() -> dict[str, str]:
    """Every exception class defined in the package's modules: name -> module."""
    found = {}
    for path in (ROOT / "assistant").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and (b.id.endswith("Error") or b.id == "Exception") for b in node.bases
            ):
                found[node.name] = path.name
    return found


def test_every_error_class_is_defined_in_errors_exported_and_drawn_in_the_hierarchy():
    from assistant import errors

    classes = _error_classes()
    assert len(classes) >= 15
    assert {m for m in classes.values()} == {"errors.py"}, classes
    for name in classes:
        assert name in pkg.__all__, f"{name} is not exported from assistant"
        assert getattr(pkg, name) is getattr(errors, name)
        assert issubclass(getattr(pkg, name), AssistantError) or name == "AssistantError"
        assert f" {name} " in errors.__doc__ or f"{name}\n" in errors.__doc__, f"{name} missing from the hierarchy"


def test_the_hierarchy_drawing_matches_the_classes():
    """Each class is drawn under its parent: the indentation of the drawing follows the inheritance."""
    from assistant import errors

    lines = [line for line in textwrap.dedent(errors.__doc__.split("::", 1)[1]).splitlines() if line.strip()]
    stack: list[tuple[int, str]] = []
    for line in lines:
        name = line.replace("│", " ").replace("├──", "   ").replace("└──", "   ").split()[0]
        depth = (len(line) - len(line.lstrip(" │├└─"))) // 4
        stack = stack[:depth]
        if stack:
            assert stack[-1][1] in [b.__name__ for b in getattr(errors, name).__bases__], (name, stack[-1][1])
        stack.append((depth, name))


def test_generator_error_is_still_importable_from_generation():
    from assistant import GeneratorError
    from assistant.generation import GeneratorError as FromGeneration

    assert FromGeneration is GeneratorError
