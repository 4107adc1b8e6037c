"""The command line's surface, fast: typer's CliRunner with ``ASSISTANT_*`` pointing at a temp index.

The CLI builds its embedder with ``embeddings.load_embedder``, which keeps one embedder per model name for the
process; the tests put the fake embedder in that cache under the name ``fake/hash-256`` and set
``ASSISTANT_EMBED_MODEL`` to it (no test-only hook in the product). As in ``make_assistant``, the fake embedder
goes with the similarity reader and a threshold fitted to it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from assistant.cli import QUIET_ENVIRONMENT, QUIET_LOGGERS, app
from assistant.config import OFFLINE_ENVIRONMENT
from assistant.errors import ConfigError, GeneratorError
from assistant.generation import _GENERATORS, Generator, register_generator
from tests.conftest import EXAMPLE_QUESTION, ROOT, SAMPLE, FakeEmbedder, free_port

FAKE_MODEL = "fake/hash-256"
FAKE_ENV = {"ASSISTANT_EMBED_MODEL": FAKE_MODEL, "ASSISTANT_READER": "similarity",
            "ASSISTANT_REFUSAL_THRESHOLD": "0.3", "ASSISTANT_GENERATOR": "none", "COLUMNS": "80"}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def index(tmp_path, monkeypatch):
    """A temp index for the CLI, with the fake embedder; what the CLI changes in the process is undone after."""
    from assistant import embeddings

    monkeypatch.setitem(embeddings._LOADED, (FAKE_MODEL, 64, "torch"), FakeEmbedder())
    folder = tmp_path / "index"
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(folder))
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    for name in {**OFFLINE_ENVIRONMENT, **QUIET_ENVIRONMENT}:  # the CLI sets these; restore them afterwards
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield folder
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def generators(monkeypatch):
    """Register test generators for the CLI's --generator, removed afterwards."""
    monkeypatch.setattr("assistant.generation._GENERATORS", dict(_GENERATORS))
    return register_generator


def ingest(runner, *paths, check=True):
    result = runner.invoke(app, ["ingest", *map(str, paths)])
    if check:
        assert result.exit_code == 0, result.output
    return result


# ------------------------------------------------------------------ version and help


def test_version(runner):
    from assistant import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"assistant {__version__}"


def test_help_lists_gz_and_shows_boolean_options_as_flags(runner):
    ingest_help = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "120"}).output
    assert ".gz" in ingest_help and ".jsonl" in ingest_help and "unsupported" in ingest_help
    for command in ([], ["ingest"], ["ask"], ["articles"], ["reset"], ["serve"], ["eval"]):
        output = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"}).output
        assert "<bool>" not in output, f"`assistant {' '.join(command)} --help` shows a flag as taking a value"
    articles_help = runner.invoke(app, ["articles", "--help"], env={"COLUMNS": "120"}).output
    assert "--json" in articles_help and "--groups" in articles_help
    assert "--version" in runner.invoke(app, ["--help"]).output


# ------------------------------------------------------------------ markup is never eaten


def test_titles_with_brackets_are_printed_as_they_are(runner, index, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Title: [bold]Breaking[/bold] pip install -e '.[llm]'\n\nThe dam opened on Monday.")
    ingest(runner, story)
    output = runner.invoke(app, ["articles"], env={"COLUMNS": "200"}).output
    assert "[bold]Breaking[/bold] pip install -e '.[llm]'" in output
    answer = runner.invoke(app, ["ask", "When did the dam open?"], env={"COLUMNS": "200"}).output
    assert "[bold]Breaking[/bold] pip install -e '.[llm]'" in answer


def test_error_messages_keep_their_brackets(runner, index, generators):
    def needs_extra(settings):
        raise ConfigError("the test generator needs an extra: pip install -e '.[llm]'")

    generators("needsextra", needs_extra)
    result = runner.invoke(app, ["ask", EXAMPLE_QUESTION, "--generator", "needsextra"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "pip install -e '.[llm]'" in result.output


class FailingGenerator(Generator):
    name = "failing"

    def generate(self, system, user, stop, max_tokens):
        raise GeneratorError("the LLM server at http://x/[v1] did not answer")
        yield ""  # pragma: no cover - makes this a generator


def test_the_generator_fallback_is_said_once_without_literal_markup(runner, index, generators):
    generators("failing", lambda settings: FailingGenerator())
    ingest(runner, SAMPLE)
    result = runner.invoke(app, ["ask", EXAMPLE_QUESTION, "--generator", "failing"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "[yellow]" not in result.output and "[/]" not in result.output
    assert result.output.count("generator failed") == 1
    assert "http://x/[v1]" in result.output and "more than 120,000" in result.output


def test_ask_prints_the_short_answer_first_then_the_sentence_and_its_source(runner, index):
    ingest(runner, SAMPLE)
    lines = runner.invoke(app, ["ask", EXAMPLE_QUESTION], env={"COLUMNS": "200"}).output.splitlines()
    assert lines[0] == "more than 120,000 [1]"
    assert lines[1] == "As of 9 November 2012: Turkey already shelters more than 120,000 Syrian refugees [1]."
    assert any(line.startswith("[1] Thousands of Syrians flee into Turkey") for line in lines)


def test_stderr_stays_quiet_in_a_real_process(tmp_path):
    """In a fresh process (no pytest log capture) the library's warning about the failed generator must not
    reach stderr next to the CLI's own line; with --verbose it does."""
    folder = tmp_path / "index"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.conftest import FakeEmbedder
        from tests.unit.test_cli_surface import FailingGenerator
        from assistant import embeddings
        from assistant.generation import register_generator
        embeddings._LOADED[({FAKE_MODEL!r}, 64, "torch")] = FakeEmbedder()
        register_generator("failing", lambda settings: FailingGenerator())
        from assistant.cli import main
        sys.argv = ["assistant", *sys.argv[1:]]
        main()
    """)
    env = {**os.environ, **FAKE_ENV, "ASSISTANT_INDEX_DIR": str(folder)}
    for name in QUIET_ENVIRONMENT:
        env.pop(name, None)

    def run(*args):
        return subprocess.run([sys.executable, "-c", script, *args], check=False, capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=300)

    assert run("ingest", str(SAMPLE)).returncode == 0
    quiet = run("ask", EXAMPLE_QUESTION, "--generator", "failing")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and quiet.stdout.count("generator failed") == 1
    verbose = run("--verbose", "ask", EXAMPLE_QUESTION, "--generator", "failing")
    assert "generator failed" in verbose.stderr


# ------------------------------------------------------------------ ingest: unsupported is not skipped


def test_unsupported_files_are_reported_as_unsupported_and_fail_when_nothing_was_added(runner, index, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.docx").write_bytes(b"PK not really")
    result = ingest(runner, folder, check=False)
    assert result.exit_code == 1
    assert "unsupported 1" in result.output and "skipped 0" in result.output and "unsupported" in result.output
    report = json.loads(runner.invoke(app, ["ingest", str(folder), "--json"]).output)
    assert report["unsupported"] == 1 and report["skipped"] == 0
    assert report["files"][0]["status"] == "unsupported" and ".docx" in report["files"][0]["reason"]
    (folder / "story.txt").write_text("The dam opened on Monday.")
    assert ingest(runner, folder, check=False).exit_code == 0  # something was added
    again = ingest(runner, folder / "story.txt", check=False)
    assert again.exit_code == 0 and "skipped 1" in again.output  # already in the library is not an error


# ------------------------------------------------------------------ short ids


def test_tables_show_short_ids_that_fit_80_columns(runner, index):
    ingest(runner, SAMPLE)
    full_id = json.loads(runner.invoke(app, ["articles", "--json"]).output)[0]["id"]
    output = runner.invoke(app, ["articles"], env={"COLUMNS": "80"}).output
    assert full_id[:8] in output and full_id not in output
    assert max(len(line) for line in output.splitlines()) <= 80
    row = next(line for line in output.splitlines() if full_id[:8] in line)
    assert "2012-11-09" in row  # the date is not wrapped away from its row


def test_show_and_delete_take_a_unique_prefix(runner, index, tmp_path):
    from assistant.ingest import article_id
    from tests.unit.test_python_api import _two_texts_with_a_common_id_prefix

    ingest(runner, SAMPLE)
    full_id = json.loads(runner.invoke(app, ["articles", "--json"]).output)[0]["id"]
    shown = runner.invoke(app, ["show", full_id[:8]])
    assert shown.exit_code == 0 and "Turkey already shelters" in shown.output
    unknown = runner.invoke(app, ["show", "zzzzzzzz"])
    assert unknown.exit_code == 1 and "no article with id 'zzzzzzzz'" in unknown.output
    first, second = _two_texts_with_a_common_id_prefix()
    (tmp_path / "one.txt").write_text(first)
    (tmp_path / "two.txt").write_text(second)
    ingest(runner, tmp_path / "one.txt", tmp_path / "two.txt")
    ambiguous = runner.invoke(app, ["delete", article_id(first)[:4]])
    assert ambiguous.exit_code == 1 and "matches 2 articles" in ambiguous.output
    deleted = runner.invoke(app, ["delete", full_id[:8]])
    assert deleted.exit_code == 0 and f"deleted {full_id}" in deleted.output
    assert len(json.loads(runner.invoke(app, ["articles", "--json"]).output)) == 2


# ------------------------------------------------------------------ settings errors through the CLI


def test_a_bad_environment_variable_is_named(runner, index, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K_DENSE", "abc")
    result = runner.invoke(app, ["stats"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "ASSISTANT_TOP_K_DENSE='abc'" in result.output and "whole number from 1 to 500" in result.output


def test_an_unreachable_chroma_server_gives_the_right_port(runner, index, monkeypatch):
    port = free_port()
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{port}")
    result = runner.invoke(app, ["stats"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert f"--port {port}" in result.output and "(ValueError)" not in result.output


def test_articles_pages_with_limit_and_offset(runner, index):
    fixtures = sorted((ROOT / "tests" / "fixtures" / "news").glob("*.txt"))[:5]
    ingest(runner, *fixtures)
    everything = json.loads(runner.invoke(app, ["articles", "--json"]).output)
    page = json.loads(runner.invoke(app, ["articles", "--json", "--limit", "2", "--offset", "1"]).output)
    assert len(everything) == 5 and page == everything[1:3]
    bad = runner.invoke(app, ["articles", "--limit", "-1"])
    assert bad.exit_code != 0 and "greater than or equal to 0" in bad.output
