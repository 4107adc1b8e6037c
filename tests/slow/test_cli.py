"""Every CLI command, in-process with typer's CliRunner and the real packaged model."""

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.conftest import EXAMPLE_QUESTION, SAMPLE

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture
def index(tmp_path):
    folder = tmp_path / "index"
    result = runner.invoke(app, ["ingest", str(SAMPLE), "--index-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "added 1" in result.output
    return folder


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "ask", "chat", "articles", "show", "delete", "stats", "reset", "serve", "eval"):
        assert command in result.output


def test_ingest_again_reports_skipped_and_bad_paths_fail(index, tmp_path):
    result = runner.invoke(app, ["ingest", str(SAMPLE), "--index-dir", str(index), "--json"])
    report = json.loads(result.output)
    assert (report["added"], report["skipped"]) == (0, 1)
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.txt"), "--index-dir", str(index)])
    assert result.exit_code == 1 and "no such file" in result.output


def test_ask_text_and_json(index):
    result = runner.invoke(app, ["ask", EXAMPLE_QUESTION, "--index-dir", str(index)])
    assert result.exit_code == 0 and "more than 120,000" in result.output and "[1]" in result.output
    answer = json.loads(runner.invoke(app, ["ask", EXAMPLE_QUESTION, "--index-dir", str(index), "--json"]).output)
    assert answer["refused"] is False and answer["citations"][0]["quote"].startswith("Turkey already shelters")


def test_ask_empty_question_is_a_clear_error(index):
    result = runner.invoke(app, ["ask", "  ", "--index-dir", str(index)])
    assert result.exit_code == 1 and "question is empty" in result.output


def test_chat_keeps_history(index):
    result = runner.invoke(app, ["chat", "--index-dir", str(index)], input=f"{EXAMPLE_QUESTION}\nand in Jordan?\nexit\n")
    assert result.exit_code == 0
    assert "more than 120,000" in result.output
    assert "understood as: How many refugees does Jordan shelter?" in " ".join(result.output.split())


def test_articles_show_stats_delete_reset(index):
    listed = json.loads(runner.invoke(app, ["articles", "--index-dir", str(index), "--json"]).output)
    assert len(listed) == 1
    article_id = listed[0]["id"]
    shown = runner.invoke(app, ["show", article_id, "--index-dir", str(index)])
    assert "Turkey already shelters" in shown.output and "2012-11-09" in shown.output
    stats = json.loads(runner.invoke(app, ["stats", "--index-dir", str(index)]).output)
    assert stats["articles"] == 1 and stats["chunks"] >= 1
    assert runner.invoke(app, ["delete", article_id, "--index-dir", str(index)]).exit_code == 0
    missing = runner.invoke(app, ["delete", article_id, "--index-dir", str(index)])
    assert missing.exit_code == 1 and "no article with id" in missing.output
    assert runner.invoke(app, ["reset", "--yes", "--index-dir", str(index)]).exit_code == 0
    assert not (index / "chroma").exists()


def test_eval_on_a_tiny_user_dataset(tmp_path):
    articles = tmp_path / "a.txt"
    articles.write_text("Title: Dam\n\nThe new dam will produce 450 megawatts of power from 2027.")
    data = tmp_path / "qa.jsonl"
    data.write_text(
        json.dumps({"question": "How much power will the dam produce?", "answers": ["450 megawatts"], "articles": ["a.txt"]})
        + "\n" + json.dumps({"question": "Who won the 2018 World Cup?", "answers": []}) + "\n"
    )
    failures = tmp_path / "fail.jsonl"
    result = runner.invoke(app, ["eval", str(data), "--json", "--failures", str(failures)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output[result.output.index("{"):])
    assert metrics["accuracy"]["value"] == 1.0 and metrics["correct_refusal"]["value"] == 1.0
    assert failures.read_text() == ""


def test_model_loading_keeps_stderr_quiet_unless_verbose(index, tmp_path):
    """A real process with the real model: nothing on stderr on a plain command (no model-loading bar or log);
    with --verbose, the model loading is logged."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from assistant.cli import QUIET_ENVIRONMENT

    cli = Path(sys.executable).with_name("assistant")
    env = {k: v for k, v in os.environ.items() if k not in QUIET_ENVIRONMENT}

    def run(*args):
        return subprocess.run([str(cli), *args], check=False, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)

    quiet = run("ask", EXAMPLE_QUESTION, "--index-dir", str(index))
    assert quiet.returncode == 0 and "more than 120,000" in quiet.stdout
    assert quiet.stderr == "", quiet.stderr[-2000:]
    verbose = run("--verbose", "ask", EXAMPLE_QUESTION, "--index-dir", str(index))
    assert verbose.returncode == 0 and "embedding model" in verbose.stderr and "loaded" in verbose.stderr
