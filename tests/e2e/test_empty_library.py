"""The web chat with an empty library (samples turned off): it says how to add articles, in plain words."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_QUESTION, start_app


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """This module's app: no articles (overrides the shared app)."""
    proc, url = start_app(tmp_path_factory.mktemp("idx"), tmp_path_factory.mktemp("log") / "app.log",
                          ASSISTANT_LOAD_SAMPLES="false")
    yield url
    proc.terminate()
    proc.wait(15)


def test_the_empty_library_message_is_plain(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_selector("#empty-note", state="visible", timeout=30_000)
    assert "Add articles" in page.inner_text("#empty-note")
    page.fill("#question textarea", EXAMPLE_QUESTION)
    page.press("#question textarea", "Enter")
    # the reply streams in: wait for its last words, not its first ("No articles are" was read on a busy machine)
    page.wait_for_function("document.querySelector('#chat').innerText.includes('No articles')"
                           " && document.querySelector('#chat').innerText.includes('tab.')", timeout=30_000)
    answer = page.eval_on_selector_all("#chat [data-testid=bot]", "els => els.map(e => e.innerText)")[-1]
    assert "`" not in answer and "assistant ingest" not in answer and "Add articles" in answer
    assert page.inner_text("#library-summary").strip() == ""
