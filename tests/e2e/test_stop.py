"""Stop: a streaming answer can be cancelled (the Stop button, New chat), with a slow OpenAI-compatible server.

The app runs with ASSISTANT_GENERATOR=openai against a local stub that streams one word every 0.3 s.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import EXAMPLE_QUESTION, free_port, start_app

CHAT_TEXT = "document.querySelector('#chat').innerText"
REPLY = "Turkey already shelters more than 120,000 Syrian refugees [1]. " * 4


class _SlowLLM(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for word in REPLY.split(" "):
                chunk = {"choices": [{"delta": {"content": word + " "}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.3)
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """This module's app: answers written by the slow stub (overrides the shared app)."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _SlowLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    llm = f"http://127.0.0.1:{server.server_address[1]}/v1"
    proc, url = start_app(tmp_path_factory.mktemp("idx"), tmp_path_factory.mktemp("log") / "app.log",
                          ASSISTANT_GENERATOR="openai", ASSISTANT_LLM_URL=llm, ASSISTANT_LLM_TIMEOUT="60")
    yield url
    proc.terminate()
    proc.wait(15)
    server.shutdown()


def start_answer(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.fill("#question textarea", EXAMPLE_QUESTION)
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"{CHAT_TEXT}.includes('Turkey already')", timeout=30_000)


# Gradio's own status labels over a component, not messages: "processing | 0.1s" while an event runs, "Loading
# content" while the chat re-renders, and an "Error" label it may flash over a component whose event was cancelled
# (seen on a loaded machine, not on a quiet one: a known cosmetic issue of the Stop button under load).
_STATUS = re.compile(r"^(?:Error|processing(?: \| [\d.]+s)?|Loading content)$")


def messages(page) -> str:
    """The chat's messages, without Gradio's status labels (which come and go while nothing streams)."""
    lines = [line.strip() for line in page.evaluate(CHAT_TEXT).splitlines()]
    return "\n".join(line for line in lines if line and not _STATUS.match(line))


def test_stop_cancels_a_streaming_answer(page, app_url):
    start_answer(page, app_url)
    assert page.is_visible("#stop") and not page.is_visible("#ask")
    page.click("#stop")
    page.wait_for_function(f"{CHAT_TEXT}.includes('Stopped before the answer was finished')", timeout=10_000)
    stopped = messages(page)
    time.sleep(1.5)
    assert messages(page) == stopped, "the answer kept streaming after Stop"
    assert stopped.count("Turkey already") == 1  # cut short: the stub sends the sentence four times
    page.wait_for_selector("#ask", state="visible", timeout=5_000)
    assert not page.is_visible("#stop")
    assert page.external_requests == []


def test_new_chat_cancels_a_streaming_answer_and_keeps_it_in_the_list(page, app_url):
    start_answer(page, app_url)
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length == 0", timeout=10_000)
    time.sleep(1.5)
    assert page.eval_on_selector_all("#chat [data-testid=bot]", "els => els.length") == 0, "late words came in"
    assert page.is_visible("#ask")
    page.locator("#chat-list label", has_text="How many refugees does Turkey shelter?").first.click()
    page.wait_for_function(f"{CHAT_TEXT}.includes('Stopped before the answer was finished')", timeout=10_000)
