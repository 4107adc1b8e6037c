"""The assistant through LlamaIndex's own classes: retriever, query engine (streaming, async, refusals, prompts,
tools), chat engine, and the README's LlamaIndex section run as written. Nothing may touch the network."""

from __future__ import annotations

import asyncio
import re
import socket
import time

import pytest
from llama_index.core import Settings
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import AsyncStreamingResponse, Response, StreamingResponse
from llama_index.core.chat_engine.types import BaseChatEngine
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import ChatMessage, MockLLM
from llama_index.core.prompts import PromptTemplate
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant import Answer, Citation, InvalidQuestionError
from assistant.query_engine import TOOL_DESCRIPTION, answer_response
from tests.conftest import EXAMPLE_QUESTION, EXAMPLE_QUOTE, ROOT, SAMPLE, FakeEmbedder

UNANSWERABLE = "Who won the 2018 World Cup?"
FOLLOW_UP = "and how many crossed in one day?"


@pytest.fixture(autouse=True)
def offline_llamaindex(monkeypatch):
    """No OpenAI defaults, and any connection off this machine fails the test."""
    monkeypatch.setattr(Settings, "_llm", MockLLM())
    monkeypatch.setattr(Settings, "_embed_model", MockEmbedding(embed_dim=8))
    real_connect = socket.socket.connect

    def local_only(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise AssertionError(f"network access to {address!r} during a LlamaIndex test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)


@pytest.fixture
def full_metadata(assistant):
    assistant.add_documents([{
        "text": "The harbour bridge reopened on Monday after two years of repairs costing 40 million euros. "
                "Officials said 30,000 cars a day are expected to cross it.",
        "title": "Harbour bridge reopens", "source": "Daily Ledger", "url": "https://ledger.example/bridge",
        "published": "May 1, 2024", "author": "A. Writer",
    }])
    return assistant


# ------------------------------------------------------------------ retriever


def test_retriever_returns_nodes_with_offsets_article_id_and_metadata(full_metadata):
    a = full_metadata
    retriever = a.as_retriever()
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve("How many cars cross the harbour bridge?")
    assert nodes and all(isinstance(n, NodeWithScore) and isinstance(n.node, TextNode) for n in nodes)
    node = nodes[0].node
    [info] = a.articles()
    assert node.ref_doc_id == info.id
    assert a.article(info.id).text[node.start_char_idx:node.end_char_idx] == node.text
    assert node.metadata["title"] == "Harbour bridge reopens"
    assert node.metadata["source"] == "Daily Ledger"
    assert node.metadata["url"] == "https://ledger.example/bridge"
    assert node.metadata["published"] == "2024-05-01"
    assert node.metadata["author"] == "A. Writer"
    assert nodes[0].score > 0


def test_retriever_top_k_and_bad_queries(sample_assistant):
    assert len(sample_assistant.as_retriever(similarity_top_k=2).retrieve(EXAMPLE_QUESTION)) == 2
    with pytest.raises(InvalidQuestionError):
        sample_assistant.as_retriever().retrieve("   ")


def test_query_engine_retrieve_no_longer_raises(sample_assistant):
    nodes = sample_assistant.as_query_engine().retrieve(QueryBundle(EXAMPLE_QUESTION))
    assert any(EXAMPLE_QUOTE in n.node.text for n in nodes)


def test_retriever_query_engine_over_as_retriever(sample_assistant):
    from llama_index.core.query_engine import RetrieverQueryEngine

    engine = RetrieverQueryEngine.from_args(sample_assistant.as_retriever(), llm=MockLLM())
    response = engine.query(EXAMPLE_QUESTION)
    assert any(EXAMPLE_QUOTE in n.node.text for n in response.source_nodes)
    assert str(response)  # MockLLM echoes; the point is that it ran, offline
    no_text = RetrieverQueryEngine.from_args(sample_assistant.as_retriever(), llm=MockLLM(), response_mode="no_text")
    assert no_text.query(EXAMPLE_QUESTION).source_nodes[0].node.ref_doc_id == sample_assistant.articles()[0].id


# ------------------------------------------------------------------ query engine: answers, refusals, tools


def test_query_engine_answer_and_refusal(sample_assistant):
    engine = sample_assistant.as_query_engine()
    assert isinstance(engine, BaseQueryEngine)
    answer = engine.query(EXAMPLE_QUESTION)
    assert answer.metadata["refused"] is False and answer.source_nodes[0].node.text == EXAMPLE_QUOTE
    assert answer.metadata["short"] == "more than 120,000"
    assert answer.source_nodes[0].node.ref_doc_id == sample_assistant.articles()[0].id
    refusal = engine.query(UNANSWERABLE)
    assert refusal.metadata["refused"] is True and refusal.source_nodes == [] and refusal.metadata["short"] is None
    assert str(refusal).startswith("The articles don't say")


def test_a_refusal_that_names_the_closest_article_still_has_no_source_nodes():
    closest = Citation(number=1, article_id="x", title="T", quote="q", start=0, end=1)
    response = answer_response(Answer(question="q", text="The articles don't say. The closest ... [1]",
                                      citations=[closest], refused=True, kind="refusal"))
    assert response.source_nodes == [] and response.metadata["refused"] is True
    assert response.metadata["answer"]["citations"][0]["article_id"] == "x"  # still there for those who want it


def test_query_engine_tool_description_tells_an_agent_what_a_refusal_means(sample_assistant):
    from llama_index.core.tools import QueryEngineTool

    tool = QueryEngineTool.from_defaults(sample_assistant.as_query_engine(), name="news_articles",
                                         description=TOOL_DESCRIPTION)
    output = tool.call(UNANSWERABLE)
    assert output.raw_output.metadata["refused"] is True and output.raw_output.source_nodes == []
    quoted = re.findall(r'"([^"]+)"', tool.metadata.description)
    assert any(str(output).startswith(phrase) for phrase in quoted), (quoted, str(output))
    assert "unknown" in tool.metadata.description and "do not guess" in tool.metadata.description
    answered = tool.call(EXAMPLE_QUESTION)
    assert answered.raw_output.metadata["refused"] is False and "120,000" in str(answered)


def test_the_empty_index_refusal_is_named_in_the_tool_description(assistant):
    text = str(assistant.as_query_engine().query(EXAMPLE_QUESTION))
    assert any(text.startswith(p) for p in re.findall(r'"([^"]+)"', TOOL_DESCRIPTION)), text


# ------------------------------------------------------------------ prompts


def test_prompts_are_empty_without_a_generator(sample_assistant):
    assert sample_assistant.as_query_engine().get_prompts() == {}


def test_prompts_are_prompt_templates_with_a_generator_and_can_be_replaced(make_assistant):
    from tests.unit.test_generation import ScriptedGenerator

    gen = ScriptedGenerator("Turkey already shelters more than 120,000 Syrian refugees [1].")
    a = make_assistant(generator=gen)
    a.ingest([SAMPLE])
    engine = a.as_query_engine()
    prompts = engine.get_prompts()
    assert set(prompts) == {"answer_system", "answer_user"}
    assert all(isinstance(p, PromptTemplate) for p in prompts.values())
    assert {"question", "evidence"} <= set(prompts["answer_user"].template_vars)
    engine.update_prompts({"answer_user": PromptTemplate("CUSTOM {question}\n{evidence}")})
    assert engine.get_prompts()["answer_user"].get_template().startswith("CUSTOM")
    engine.query(EXAMPLE_QUESTION)
    assert gen.prompts[-1][1].startswith(f"CUSTOM {EXAMPLE_QUESTION}")


# ------------------------------------------------------------------ streaming


def test_streaming_query_engine(sample_assistant):
    engine = sample_assistant.as_query_engine(streaming=True)
    response = engine.query(EXAMPLE_QUESTION)
    assert isinstance(response, StreamingResponse)
    pieces = list(response.response_gen)
    assert len(pieces) > 3
    assert "".join(pieces) == sample_assistant.ask(EXAMPLE_QUESTION).text
    assert response.metadata["refused"] is False and response.source_nodes[0].node.text == EXAMPLE_QUOTE
    assert isinstance(engine.query(EXAMPLE_QUESTION).get_response(), Response)
    with pytest.raises(InvalidQuestionError):  # at query time, not half-way through the stream
        engine.query("   ")


def test_streaming_with_a_generator_streams_its_draft(make_assistant):
    from tests.unit.test_generation import ScriptedGenerator

    draft = "Turkey already shelters more than 120,000 Syrian refugees [1]."
    a = make_assistant(generator=ScriptedGenerator(draft))
    a.ingest([SAMPLE])
    response = a.as_query_engine(streaming=True).query(EXAMPLE_QUESTION)
    assert str(response) == draft and response.metadata["answer"]["text"] == draft
    assert response.source_nodes[0].node.text == EXAMPLE_QUOTE


# ------------------------------------------------------------------ chat engine


def test_chat_engine_resolves_follow_ups_through_ask_history(sample_assistant):
    chat = sample_assistant.as_chat_engine()
    assert isinstance(chat, BaseChatEngine)
    first = chat.chat(EXAMPLE_QUESTION)
    assert "120,000" in first.response and first.source_nodes[0].node.text == EXAMPLE_QUOTE
    follow = chat.chat(FOLLOW_UP)
    expected = sample_assistant.ask(FOLLOW_UP, history=[("user", EXAMPLE_QUESTION), ("assistant", first.response)])
    alone = sample_assistant.ask(FOLLOW_UP)
    assert expected.resolved_question and "Turkey" in expected.resolved_question
    assert follow.metadata["resolved_question"] == expected.resolved_question != alone.resolved_question
    assert follow.response == expected.text
    history = chat.chat_history
    assert [m.role.value for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[2].content == FOLLOW_UP
    assert history[2].additional_kwargs["resolved_question"] == expected.resolved_question
    chat.reset()
    assert chat.chat_history == []


def test_chat_engine_takes_a_given_history_and_checks_it(sample_assistant):
    chat = sample_assistant.as_chat_engine()
    reply = chat.chat("and in Jordan?", chat_history=[ChatMessage(role="user", content=EXAMPLE_QUESTION)])
    assert "Jordan" in reply.metadata["resolved_question"]
    reply = chat.chat("and in Jordan?", chat_history=[{"role": "user", "content": EXAMPLE_QUESTION}])
    assert "Jordan" in reply.metadata["resolved_question"]
    with pytest.raises(InvalidQuestionError, match="history"):
        chat.chat("and in Jordan?", chat_history="bad")


def test_stream_chat(sample_assistant):
    chat = sample_assistant.as_chat_engine()
    response = chat.stream_chat(EXAMPLE_QUESTION)
    text = "".join(response.response_gen)
    assert text == sample_assistant.ask(EXAMPLE_QUESTION).text and str(response) == text
    assert response.source_nodes[0].node.text == EXAMPLE_QUOTE
    assert [m.content for m in chat.chat_history] == [EXAMPLE_QUESTION, text]


def test_condense_question_chat_engine_with_mock_llm(sample_assistant):
    from llama_index.core.chat_engine import CondenseQuestionChatEngine

    chat = CondenseQuestionChatEngine.from_defaults(query_engine=sample_assistant.as_query_engine(), llm=MockLLM())
    first = chat.chat(EXAMPLE_QUESTION)
    assert "120,000" in str(first) and first.source_nodes[0].node.text == EXAMPLE_QUOTE
    second = chat.chat("and in Jordan?")  # MockLLM's "condensed" question is an echo; it must still run offline
    assert isinstance(str(second), str) and len(chat.chat_history) == 4


# ------------------------------------------------------------------ async: the event loop keeps running


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, with a delay per call once ``delay`` is set (ingest runs at full speed)."""

    delay = 0.0

    def encode(self, texts):
        time.sleep(self.delay)
        return super().encode(texts)


async def _ticks_while(awaitable_factory):
    """(result, heartbeat ticks counted while the awaitable ran): a blocked event loop counts none."""
    ticks = 0
    running = True

    async def heartbeat():
        nonlocal ticks
        while running:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.02)
    before = ticks
    result = await awaitable_factory()
    during = ticks - before
    running = False
    await task
    return result, during


@pytest.fixture
def slow_assistant(make_assistant):
    embedder = SlowEmbedder()
    a = make_assistant(embedder=embedder)
    assert a.ingest([SAMPLE]).added == 1
    embedder.delay = 0.4
    return a


def in_fresh_thread(fn):
    """Run ``fn`` in a new thread (which has no running event loop, whatever the test runner's thread has)."""
    import threading

    out: dict = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def test_aquery_achat_aretrieve_do_not_block_the_event_loop(slow_assistant):
    a = slow_assistant

    async def streamed_chat():
        response = await a.as_chat_engine().astream_chat(EXAMPLE_QUESTION)
        return "".join([piece async for piece in response.async_response_gen()])

    async def streamed_query():
        response = await a.as_query_engine(streaming=True).aquery(EXAMPLE_QUESTION)
        assert isinstance(response, AsyncStreamingResponse)
        return "".join([piece async for piece in response.async_response_gen()])

    calls = {
        "aquery": lambda: a.as_query_engine().aquery(EXAMPLE_QUESTION),
        "achat": lambda: a.as_chat_engine().achat(EXAMPLE_QUESTION),
        "aretrieve": lambda: a.as_retriever().aretrieve(EXAMPLE_QUESTION),
        "query engine aretrieve": lambda: a.as_query_engine().aretrieve(EXAMPLE_QUESTION),
        "astream_chat": streamed_chat,
        "streaming aquery": streamed_query,
    }
    for name, call in calls.items():
        result, ticks = in_fresh_thread(lambda call=call: asyncio.run(_ticks_while(call)))
        assert ticks >= 10, f"{name}: the event loop ticked {ticks} times during a 0.4 s call"
        assert result, name
    answer = in_fresh_thread(lambda: asyncio.run(a.as_query_engine().aquery(EXAMPLE_QUESTION)))
    assert "120,000" in str(answer)


# ------------------------------------------------------------------ the README's LlamaIndex section, as written


def readme_section_blocks(title: str = "LlamaIndex") -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_readme_llamaindex_section_runs_as_written(sample_assistant, monkeypatch, tmp_path):
    blocks = readme_section_blocks()
    assert len(blocks) >= 5
    text = "\n".join(blocks)
    for feature in ("as_retriever", "as_chat_engine", "streaming=True", "aquery", "achat", "aretrieve",
                    "QueryEngineTool", "RetrieverQueryEngine"):
        assert feature in text, f"the README's LlamaIndex section does not show {feature}"
    monkeypatch.chdir(tmp_path)
    namespace = {"a": sample_assistant, "__name__": "readme"}
    for block in blocks:  # the README, as written (in a thread of its own: its asyncio.run needs no running loop)
        in_fresh_thread(lambda block=block: exec(compile(block, "README.md (LlamaIndex)", "exec"), namespace))
    assert namespace["chunk"] == namespace["node"].text and namespace["node"].metadata["title"]
    assert namespace["refused"] is True and namespace["response"].source_nodes
    assert namespace["follow_up"].metadata["resolved_question"]
    assert namespace["text"] == sample_assistant.ask(EXAMPLE_QUESTION).text
    assert namespace["cited"][0].node.text == EXAMPLE_QUOTE and namespace["streamed_reply"]
    assert "120,000" in str(namespace["async_answer"]) and namespace["async_nodes"]
    assert "120,000" in str(namespace["async_reply"])
    assert namespace["tool"].metadata.description == TOOL_DESCRIPTION
