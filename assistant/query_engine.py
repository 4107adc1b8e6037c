"""The assistant as a LlamaIndex query engine, for code that already speaks LlamaIndex."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.response.schema import Response
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import NodeWithScore, TextNode
from pydantic import ConfigDict


class AssistantQueryEngine(CustomQueryEngine):
    """``engine.query(q)`` returns a ``Response`` whose ``source_nodes`` are the cited quotes.

    Each node's text is the quote; its metadata carries the citation number, article id, title, source,
    url, published date and the quote's character offsets in the article.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any

    def custom_query(self, query_str: str) -> Response:
        answer = self.assistant.ask(query_str)
        nodes = [
            NodeWithScore(
                node=TextNode(
                    id_=f"{c.article_id}:{c.start}-{c.end}",
                    text=c.quote,
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
        return Response(response=answer.text, source_nodes=nodes,
                        metadata={"refused": answer.refused, "answer": answer.model_dump(mode="json")})


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
