"""The assistant in LlamaIndex's own types, for code that already speaks LlamaIndex.

- :class:`AssistantQueryEngine` (``Assistant.as_query_engine()``): verified, cited answers as ``Response`` (or
  ``StreamingResponse`` with ``streaming=True``); a refusal has ``metadata["refused"]`` and no source nodes.
- :class:`AssistantRetriever` (``Assistant.as_retriever()``): the hybrid search's chunks as ``NodeWithScore``.
- :class:`AssistantChatEngine` (``Assistant.as_chat_engine()``): a conversation; follow-ups are resolved by the
  assistant itself ("and how many crossed in one day?"), no LLM involved.
- :func:`generator_llm` (``Assistant.as_llm()``): the configured generator as a LlamaIndex ``LLM``.

Every ``a*`` method runs the synchronous work in a worker thread (``asyncio.to_thread``), so the event loop
keeps running while a question is answered. Nothing here reaches for OpenAI or any network service.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import AsyncStreamingResponse, Response, StreamingResponse
from llama_index.core.chat_engine.types import AgentChatResponse, BaseChatEngine, StreamingAgentChatResponse
from llama_index.core.prompts import PromptTemplate
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
from pydantic import ConfigDict

from .inputs import check_question, normalize_history
from .models import Answer

# What a QueryEngineTool over the assistant should tell an agent, refusals included.
TOOL_DESCRIPTION = (
    "Answers a question from the indexed news articles with short sentences quoted verbatim from them, each "
    "with a numbered citation [n]. Input: one self-contained question. When the articles do not hold the answer, "
    "the reply is a refusal that starts with \"The articles don't say\" (or \"No articles are indexed yet\") and "
    "has no sources: that means the answer is unknown. Do not present a refusal as an answer, do not guess, and "
    "do not ask the same question again; rephrase it or say that the articles do not cover it."
)


# --------------------------------------------------------------------------- answers -> LlamaIndex


def citation_nodes(answer: Answer) -> list[NodeWithScore]:
    """The answer's cited quotes as nodes; none for a refusal (its closest on-topic article is no source)."""
    if answer.refused:
        return []
    return [
        NodeWithScore(
            node=TextNode(
                id_=f"{c.article_id}:{c.start}-{c.end}",
                text=c.quote,
                start_char_idx=c.start,
                end_char_idx=c.end,
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.article_id)},
                metadata={
                    "citation": c.number, "article_id": c.article_id, "title": c.title, "source": c.source,
                    "url": c.url, "published": c.published.isoformat() if c.published else None,
                    "start": c.start, "end": c.end,
                },
            ),
            score=c.score,
        )
        for c in answer.citations
    ]


def answer_metadata(answer: Answer) -> dict[str, Any]:
    return {"refused": answer.refused, "kind": answer.kind, "short": answer.short,
            "resolved_question": answer.resolved_question,
            "answer": answer.model_dump(mode="json")}


def answer_response(answer: Answer) -> Response:
    return Response(response=answer.text, source_nodes=citation_nodes(answer), metadata=answer_metadata(answer))


async def _in_thread(items: Iterator[Any]) -> AsyncIterator[Any]:
    """An async iterator over a blocking one: each ``next`` runs in a worker thread."""
    done = object()
    while (item := await asyncio.to_thread(next, items, done)) is not done:
        yield item


# --------------------------------------------------------------------------- retriever


def chunk_nodes(assistant: Any, query: str, k: int | None = None) -> list[NodeWithScore]:
    """Hybrid retrieval (dense + BM25, fused by reciprocal rank) as nodes with article offsets and metadata."""
    query = check_question(query, assistant.settings.max_question_chars)
    assistant.index.maybe_refresh()
    candidates = assistant.retriever.retrieve(query, assistant.embedder.encode_one(query), limit=k)
    articles = assistant.get_articles(list(dict.fromkeys(c.chunk.article_id for c in candidates)))
    nodes = []
    for cand in candidates:
        chunk, article = cand.chunk, articles.get(cand.chunk.article_id)
        meta = {
            "title": article.title if article else cand.meta.get("title"),
            "source": article.source if article else cand.meta.get("source") or None,
            "url": article.url if article else None,
            "published": article.published.isoformat() if article and article.published else None,
            "author": article.author if article else None,
            "article_id": chunk.article_id,
        }
        node = TextNode(
            id_=chunk.id, text=chunk.text, start_char_idx=chunk.start, end_char_idx=chunk.end, metadata=meta,
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.article_id)},
            excluded_llm_metadata_keys=["article_id"], excluded_embed_metadata_keys=["article_id", "url"],
        )
        nodes.append(NodeWithScore(node=node, score=cand.rrf))
    return nodes


class AssistantRetriever(BaseRetriever):
    """``retrieve(q)`` -> the chunks the assistant's hybrid search finds, best first, as ``NodeWithScore``.

    Each ``TextNode`` is a chunk of an article: ``ref_doc_id`` is the article id, ``start_char_idx`` and
    ``end_char_idx`` its offsets in the stored article text, metadata title, source, url, published, author.
    The score is the reciprocal-rank-fusion score of the dense and keyword rankings.
    """

    def __init__(self, assistant: Any, similarity_top_k: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._assistant = assistant
        self.similarity_top_k = similarity_top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return chunk_nodes(self._assistant, query_bundle.query_str, self.similarity_top_k)

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await asyncio.to_thread(self._retrieve, query_bundle)


# --------------------------------------------------------------------------- query engine


class AssistantQueryEngine(CustomQueryEngine):
    """``engine.query(q)`` returns a ``Response`` whose ``source_nodes`` are the cited quotes.

    Each node's text is the quote; its metadata carries the citation number, article id, title, source,
    url, published date and the quote's character offsets in the article. ``metadata["refused"]`` is True
    when the articles do not answer (``str(response)`` is then the refusal sentence, with no source nodes).
    With ``streaming=True`` it returns a ``StreamingResponse``: ``response_gen`` yields text pieces, and
    ``source_nodes``/``metadata`` are filled in when the stream ends.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any
    streaming: bool = False

    def custom_query(self, query_str: str) -> Response | StreamingResponse:
        if self.streaming:
            gen, nodes, metadata = self._stream(query_str)
            return StreamingResponse(response_gen=gen, source_nodes=nodes, metadata=metadata)
        return answer_response(self.assistant.ask(query_str))

    async def acustom_query(self, query_str: str) -> Response | AsyncStreamingResponse:
        if self.streaming:
            gen, nodes, metadata = self._stream(query_str)
            return AsyncStreamingResponse(response_gen=_in_thread(gen), source_nodes=nodes, metadata=metadata)
        return await asyncio.to_thread(self.custom_query, query_str)

    def _stream(self, query_str: str) -> tuple[Iterator[str], list[NodeWithScore], dict[str, Any]]:
        check_question(query_str, self.assistant.settings.max_question_chars)  # a bad question fails now, not later
        nodes: list[NodeWithScore] = []
        metadata: dict[str, Any] = {"refused": None}

        def pieces() -> Iterator[str]:
            for event in self.assistant.stream(query_str):
                if event.type == "token":
                    yield event.text
                elif event.type == "answer":
                    nodes.extend(citation_nodes(event.answer))
                    metadata.update(answer_metadata(event.answer))

        return pieces(), nodes, metadata

    def retrieve(self, query_bundle: QueryBundle | str) -> list[NodeWithScore]:
        """The chunks retrieval finds for the question (what the answer is chosen from)."""
        query = query_bundle.query_str if isinstance(query_bundle, QueryBundle) else query_bundle
        return chunk_nodes(self.assistant, query)

    async def aretrieve(self, query_bundle: QueryBundle | str) -> list[NodeWithScore]:
        return await asyncio.to_thread(self.retrieve, query_bundle)

    # prompts: the generator's answer templates (none without a generator: the extractive answer has no prompt)

    def _prompt(self):
        from .generation import load_prompt

        pipeline = self.assistant.pipeline
        return getattr(pipeline, "_prompt", None) or load_prompt(self.assistant.settings.prompt_version)

    def _get_prompts(self) -> dict[str, PromptTemplate]:
        if self.assistant.generator is None:
            return {}
        prompt = self._prompt()
        return {"answer_system": PromptTemplate(prompt.system), "answer_user": PromptTemplate(prompt.user)}

    def _update_prompts(self, prompts_dict: dict[str, Any]) -> None:
        from .generation import Prompt

        if self.assistant.generator is None or not ({"answer_system", "answer_user"} & set(prompts_dict)):
            return
        old = self._prompt()

        def text(key: str, default: str) -> str:
            template = prompts_dict.get(key)
            return default if template is None else template.get_template()

        self.assistant.pipeline._prompt = Prompt(old.version, text("answer_system", old.system),
                                                 text("answer_user", old.user))


# --------------------------------------------------------------------------- chat engine


class AssistantChatEngine(BaseChatEngine):
    """A conversation over the articles. Each turn calls ``Assistant.ask(message, history=...)``, which resolves
    follow-ups itself ("and in Jordan?", "and how many crossed in one day?"): no LLM is needed.

    ``chat_history`` holds ``ChatMessage``s; a user message that was a follow-up keeps the question it was
    understood as in ``additional_kwargs["resolved_question"]``, and the next turn resolves against that.
    """

    def __init__(self, assistant: Any, chat_history: Sequence[ChatMessage] | None = None):
        self._assistant = assistant
        self._history: list[ChatMessage] = list(chat_history or [])

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._history)

    def reset(self) -> None:
        self._history = []

    def _start(self, message: str, chat_history: Sequence[ChatMessage] | None) -> list[tuple[str, str]]:
        """Check the message, take a given history, and return the history as (role, text) for ``ask``."""
        check_question(message, self._assistant.settings.max_question_chars)
        if chat_history is not None:  # pairs and dicts are taken too; a bad history fails here, saying why
            pairs = normalize_history(chat_history) or []
            self._history = [m if isinstance(m, ChatMessage) else ChatMessage(role=role, content=text)
                             for m, (role, text) in zip(chat_history, pairs)]
        return [(m.role.value, m.additional_kwargs.get("resolved_question") or m.content or "")
                for m in self._history]

    def _remember(self, message: str, answer: Answer) -> None:
        extra = {"resolved_question": answer.resolved_question} if answer.resolved_question else {}
        self._history += [ChatMessage(role=MessageRole.USER, content=message, additional_kwargs=extra),
                          ChatMessage(role=MessageRole.ASSISTANT, content=answer.text)]

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        answer = self._assistant.ask(message, history=self._start(message, chat_history))
        self._remember(message, answer)
        return AgentChatResponse(response=answer.text, source_nodes=citation_nodes(answer),
                                 metadata=answer_metadata(answer))

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        """Text pieces in ``response_gen``; ``source_nodes`` and the history are filled in when the stream ends."""
        history = self._start(message, chat_history)
        nodes: list[NodeWithScore] = []

        def replies() -> Iterator[ChatResponse]:
            text = ""
            for event in self._assistant.stream(message, history=history):
                if event.type == "token":
                    text += event.text
                    yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=event.text)
                elif event.type == "answer":
                    nodes.extend(citation_nodes(event.answer))
                    self._remember(message, event.answer)

        return StreamingAgentChatResponse(chat_stream=replies(), source_nodes=nodes, is_writing_to_memory=False)

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return await asyncio.to_thread(self.chat, message, chat_history)

    async def astream_chat(self, message: str,
                           chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        sync = self.stream_chat(message, chat_history)
        assert sync.chat_stream is not None
        return StreamingAgentChatResponse(achat_stream=_in_thread(sync.chat_stream), source_nodes=sync.source_nodes,
                                          is_writing_to_memory=False)


# --------------------------------------------------------------------------- LLM


def generator_llm(generator, system: str = ""):
    """A LlamaIndex ``LLM`` over an assistant Generator (for code that wants the model in LlamaIndex pipelines).

    Its output is unverified model text; ``Assistant.ask`` is the path that checks every sentence and citation.
    """
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    from .generation import STOP

    class GeneratorLLM(CustomLLM):
        max_tokens: int = 256

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(model_name=generator.name, num_output=self.max_tokens)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(generator.generate(system, prompt, STOP, self.max_tokens)))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            text = ""
            for piece in generator.generate(system, prompt, STOP, self.max_tokens):
                text += piece
                yield CompletionResponse(text=text, delta=piece)

    return GeneratorLLM()
