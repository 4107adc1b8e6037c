"""Generative answers: scripted drafts are kept, fixed or rejected by verification; a real HTTP stub server."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.errors import ConfigError
from assistant.generation import Generator, OpenAIGenerator, load_generator
from tests.conftest import EXAMPLE_QUESTION, EXAMPLE_QUOTE, SAMPLE


class ScriptedGenerator(Generator):
    """Returns a fixed draft, in small pieces, and records the prompts it was given."""

    name = "scripted"

    def __init__(self, draft: str):
        self.draft = draft
        self.prompts: list[tuple[str, str]] = []

    def generate(self, system, user, stop, max_tokens):
        self.prompts.append((system, user))
        for i in range(0, len(self.draft), 7):
            yield self.draft[i : i + 7]


def make(make_assistant, draft):
    gen = ScriptedGenerator(draft)
    a = make_assistant(generator=gen)
    assert a.ingest([SAMPLE]).added == 1
    return a, gen


def test_faithful_draft_is_kept_with_verbatim_citations(make_assistant):
    a, gen = make(make_assistant, "Turkey already shelters more than 120,000 Syrian refugees [1].")
    ans = a.ask(EXAMPLE_QUESTION)
    assert ans.generator == "scripted" and ans.dropped_sentences == [] and ans.fallback is None
    assert ans.text == "Turkey already shelters more than 120,000 Syrian refugees [1]."
    assert ans.citations[0].quote == EXAMPLE_QUOTE
    system, user = gen.prompts[0]
    assert "refugees [1]." in user and "The articles don't say." in system


def test_invented_number_is_dropped_and_the_extractive_answer_stands(make_assistant):
    a, _ = make(make_assistant, "Turkey shelters 500,000 Syrian refugees [1].")
    ans = a.ask(EXAMPLE_QUESTION)
    assert ans.generator == "none" and "no generated sentence passed" in ans.fallback
    assert "500000 is not in the cited evidence" in ans.dropped_sentences[0]
    assert "more than 120,000" in ans.text


def test_only_the_unsupported_sentence_is_dropped(make_assistant):
    draft = ("Turkey already shelters more than 120,000 Syrian refugees [1]. "
             "Germany has pledged 9 billion euros to the camps [1].")
    a, _ = make(make_assistant, draft)
    ans = a.ask(EXAMPLE_QUESTION)
    assert ans.generator == "scripted" and "Germany" not in ans.text and len(ans.dropped_sentences) == 1


@pytest.mark.parametrize("draft, reason", [
    ("Turkey already shelters more than 120,000 Syrian refugees [7].", "does not exist"),
    ("Turkey already shelters more than 120,000 Syrian refugees.", "cites nothing"),
    ("Brazil won the 2018 World Cup final in Moscow [1].", "not"),
])
def test_bad_citations_are_caught(make_assistant, draft, reason):
    a, _ = make(make_assistant, draft)
    ans = a.ask(EXAMPLE_QUESTION)
    assert ans.generator == "none" and reason in ans.dropped_sentences[0]
    assert all(a.article(c.article_id).text[c.start:c.end] == c.quote for c in ans.citations)


def test_a_generator_that_ignores_a_refusal_is_never_asked(make_assistant):
    a, gen = make(make_assistant, "France won the 2018 World Cup [1].")
    ans = a.ask("Who won the 2018 World Cup?")
    assert ans.refused and gen.prompts == []


def test_generator_refusal_falls_back_to_the_extractive_answer(make_assistant):
    a, _ = make(make_assistant, "The articles don't say.")
    ans = a.ask(EXAMPLE_QUESTION)
    assert "more than 120,000" in ans.text and "said the articles don't answer" in ans.fallback


def test_stream_shows_the_draft_then_the_verified_answer(make_assistant):
    draft = "Turkey already shelters more than 120,000 Syrian refugees [1]. It also runs 9 camps [1]."
    a, _ = make(make_assistant, draft)
    events = list(a.stream(EXAMPLE_QUESTION))
    assert "".join(e.text for e in events if e.type == "token") == draft
    final = events[-1].answer
    assert final.text == "Turkey already shelters more than 120,000 Syrian refugees [1]." and final.dropped_sentences


# --------------------------------------------------------------------------- a real OpenAI-compatible HTTP server


class _Stub(BaseHTTPRequestHandler):
    mode = "ok"
    reply = "Turkey already shelters more than 120,000 Syrian refugees [1]."
    requests: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Stub.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if _Stub.mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": "model not loaded"}')
            return
        if _Stub.mode == "slow":
            time.sleep(3)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(0, len(_Stub.reply), 5):
            chunk = {"choices": [{"delta": {"content": _Stub.reply[i : i + 5]}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def stub_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Stub.mode, _Stub.requests = "ok", []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_compatible_server(make_assistant, stub_url):
    a = make_assistant(generator=OpenAIGenerator(stub_url, "stub-model", api_key="k3y", timeout=2))
    a.ingest([SAMPLE])
    ans = a.ask(EXAMPLE_QUESTION)
    assert ans.generator == "openai:stub-model" and ans.text.startswith("Turkey already shelters more than 120,000")
    request = _Stub.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k3y"
    assert request["body"]["stream"] is True and request["body"]["messages"][0]["role"] == "system"


@pytest.mark.parametrize("mode, message", [("error", "HTTP 500"), ("slow", "did not answer within 1 s")])
def test_server_errors_and_timeouts_fall_back_with_a_clear_message(make_assistant, stub_url, mode, message):
    _Stub.mode = mode
    a = make_assistant(generator=OpenAIGenerator(stub_url, "stub-model", timeout=1))
    a.ingest([SAMPLE])
    started = time.perf_counter()
    ans = a.ask(EXAMPLE_QUESTION)
    assert time.perf_counter() - started < 10
    assert ans.generator == "none" and message in ans.fallback and stub_url in ans.fallback
    assert "more than 120,000" in ans.text


def test_server_that_is_down(make_assistant):
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    a = make_assistant(generator=OpenAIGenerator(url, "x", timeout=1))
    a.ingest([SAMPLE])
    ans = a.ask(EXAMPLE_QUESTION)
    assert "cannot reach the LLM server" in ans.fallback and "more than 120,000" in ans.text


def test_generator_settings_are_checked():
    from assistant.config import Settings

    assert load_generator(Settings(generator="none")) is None
    with pytest.raises(ConfigError, match="ASSISTANT_LLM_URL"):
        load_generator(Settings(generator="openai"))
    with pytest.raises(ConfigError, match="unknown ASSISTANT_GENERATOR"):
        load_generator(Settings(generator="gpt-99"))
    assert isinstance(load_generator(Settings(generator="openai", llm_url="http://x/v1")), OpenAIGenerator)


def test_llamaindex_llm_adapter(make_assistant):
    a = make_assistant(generator=ScriptedGenerator("Scripted reply [1]."))
    llm = a.as_llm()
    assert llm.complete("hello").text == "Scripted reply [1]."
    assert "".join(r.delta for r in llm.stream_complete("hello")) == "Scripted reply [1]."
    assert make_assistant(generator=None).as_llm() is None


def test_assistant_accepts_a_generator_name(make_assistant):
    from tests.conftest import free_port

    a = make_assistant(generator="openai", llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_model="m")
    assert a.generator.name == "openai:m" and a.settings.generator == "openai"


def test_a_copied_list_bullet_is_not_part_of_the_answer(make_assistant):
    a, _ = make(make_assistant, "- Turkey already shelters more than 120,000 Syrian refugees [1].")
    ans = a.ask(EXAMPLE_QUESTION)
    assert ans.generator == "scripted" and ans.text.startswith("Turkey already shelters")


def test_llama_models_are_mapped_only_where_their_pages_are_handed_back(monkeypatch, tmp_path):
    """A plainly mapped GGUF stays resident beside llama.cpp's repacked weights (1.8 GB RSS for the 1.1 GB Qwen
    file): every llama.cpp model (judge and generator) is mapped while its pages are handed back during the load
    (1.1 GB), or, where that cannot be done, read into memory (1.2 GB)."""
    import sys
    import types

    import assistant._pages as pages
    from assistant.generation import LlamaCppGenerator

    made, resident = [], []

    class FakeLlama:
        def __init__(self, **kwargs):
            made.append(kwargs)

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=FakeLlama))
    monkeypatch.setattr(pages.PageRelease, "release", lambda self: resident.append(self.path) or 1)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    LlamaCppGenerator(model, n_ctx=512, threads=1)
    mapped = sys.platform.startswith("linux")
    assert made == [{"model_path": str(model), "n_ctx": 512, "n_threads": 1, "use_mmap": mapped, "verbose": False}]
    assert resident[-1:] == ([model] if mapped else [])  # handed back once more when the load is done
    monkeypatch.setattr(pages, "_madvise", lambda: None)
    LlamaCppGenerator(model, n_ctx=512, threads=1)
    assert made[-1]["use_mmap"] is False


def test_loading_a_llama_model_never_silences_the_process(capfd):
    # llama-cpp-python points fds 1 and 2 at /dev/null while it loads a model: process-wide, so an answer printed
    # by the main thread while the judge loaded in the background was lost. load_llama switches that off.
    pytest.importorskip("llama_cpp")
    import os

    from llama_cpp import llama

    from assistant.generation import _keep_output

    _keep_output()
    with llama.suppress_stdout_stderr(disable=False):
        os.write(1, b"answer printed meanwhile\n")
        print("and through sys.stdout")
    out = capfd.readouterr().out
    assert "answer printed meanwhile" in out and "and through sys.stdout" in out


def test_a_model_whose_repacked_layouts_crash_here_loads_without_them(monkeypatch, tmp_path):
    """Where the once-per-machine check found that llama.cpp's repacked CPU layouts crash (an AMX build on a VM
    that blocks AMX), the model loads with ``use_extra_bufts`` off; where they run, with llama.cpp's defaults."""
    import contextlib
    import sys
    import types

    from assistant import _llama_cpu
    from assistant.generation import LlamaCppGenerator

    loads = []

    class FakeLlama:
        def __init__(self, **kwargs):
            loads.append(dict(active))

    active: dict = {}

    @contextlib.contextmanager
    def params(**fields):
        active.update(fields)
        yield
        active.clear()

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=FakeLlama))
    monkeypatch.setattr(_llama_cpu, "supports_param", lambda: True)
    monkeypatch.setattr(_llama_cpu, "model_params", params)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setattr(_llama_cpu, "extra_layouts_work", lambda path: False)
    LlamaCppGenerator(model, n_ctx=512, threads=1)
    monkeypatch.setattr(_llama_cpu, "extra_layouts_work", lambda path: True)
    LlamaCppGenerator(model, n_ctx=512, threads=1)
    assert loads == [{"use_extra_bufts": False}, {}]
