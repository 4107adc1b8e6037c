"""The ``Assistant`` facade: build the pieces from settings, delegate, return typed results.

Writes go to the ``Index`` (``index``), questions to the ``QuestionPipeline`` (``pipeline``); this module only
checks the user's input and wires the two together.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings
from .embeddings import Embedder, load_embedder
from .errors import IndexNotWritableError
from .generation import Generator, load_generator
from .index import Index, Progress
from .ingest import article_id
from .inputs import check_question, normalize_history
from .judge import load_judge, with_judge
from .models import Answer, Article, ArticleInfo, Chunk, IngestReport, RawDocument, StreamEvent
from .pipeline import History, QuestionPipeline
from .reader import Reader, load_reader
from .retrieval import Retriever

if TYPE_CHECKING:
    from .evaluation import EvalDataset, EvalReport

log = logging.getLogger(__name__)
JUDGE_LOAD_TIMEOUT = 300.0  # seconds an evaluation waits for the judge model (the first start joins 1.1 GB)


class Assistant:
    """Question answering over news articles, with numbered citations that quote the articles verbatim.

    >>> a = Assistant(index_dir="index")
    >>> a.ingest(["articles/"])
    >>> a.ask("How many refugees does Turkey shelter?").text
    """

    def __init__(self, index_dir: str | os.PathLike | None = None, *, settings: Settings | None = None,
                 embedder: Embedder | None = None, clock: Callable[[], date] | None = None,
                 generator: Generator | None | str = "settings", reader: Reader | str | None = None,
                 **overrides: Any):
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        if isinstance(generator, str) and generator != "settings":  # a backend name: "gemma", "openai", "none"
            overrides["generator"], generator = generator, "settings"
        if isinstance(reader, str):
            overrides["reader"], reader = reader, None
        self.settings = s = settings.model_copy(update=overrides) if settings else Settings(**overrides)
        self.embedder = embedder or load_embedder(s.embed_model, batch_size=s.embed_batch_size, backend=s.embed_backend)
        self.index = Index(s, self.embedder)
        self.retriever = Retriever(self.index.store, self.index.keyword, s.top_k_dense, s.top_k_bm25, s.top_k_rerank)
        self.judge = load_judge(s) if reader is None else None
        self.reader = reader or with_judge(
            load_reader(s.reader, embedder=self.embedder, keyword=self.index.keyword, settings=s), self.judge,
            s.judge_below, s.judge_wait, s.judge_shown, s.judge_check, s.judge_close)
        self.clock = clock or date.today  # "last week" and "latest" are relative to it
        self.generator: Generator | None = load_generator(s) if generator == "settings" else generator
        self.pipeline = QuestionPipeline(self.index, self.embedder, self.retriever, self.reader, s, self.clock,
                                         self.generator)
        self._suggested: tuple[str, list[str]] | None = None
        self._fast: QuestionPipeline | None = None  # without the judge (see _fast_pipeline)

    # ------------------------------------------------------------------ writes

    def ingest(self, paths: str | os.PathLike | Iterable[str | os.PathLike], progress: Progress | None = None) -> IngestReport:
        """Ingest files and folders (recursively). Never raises for a bad file: see ``report.failed``."""
        return self.index.ingest([paths] if isinstance(paths, (str, os.PathLike)) else paths, progress)

    def add_documents(self, documents: Iterable[RawDocument | dict[str, Any]]) -> IngestReport:
        """Ingest in-memory documents (``RawDocument`` or dicts with text/title/source/url/published/author)."""
        return self.index.add_documents(documents)

    def delete(self, article_id: str) -> None:
        self.index.delete(article_id)

    def refresh(self) -> None:
        """Pick up articles that another process added to a shared Chroma server."""
        self.index.refresh()

    # ------------------------------------------------------------------ questions

    def _check_question(self, question: str) -> str:
        return check_question(question, self.settings.max_question_chars)  # InvalidQuestionError saying why

    def ask(self, question: str, history: History = None, where: dict | None = None) -> Answer:
        """Answer ``question`` from the indexed articles, or refuse when they do not hold the answer.

        ``history``: the conversation so far, as (role, text) pairs, {"role", "content"} dicts or ChatMessages.
        """
        return self._ask(question, history, where)

    def _ask(self, question: str, history: History = None, where: dict | None = None,
             on_token: Callable[[str], None] | None = None) -> Answer:
        question, history = self._check_question(question), normalize_history(history)
        self.index.maybe_refresh()
        return self.pipeline.run(question, history, where, on_token)

    def stream(self, question: str, history: History = None) -> Iterator[StreamEvent]:
        """Text pieces first, then the citations, then the complete, verified ``Answer``.

        With a generator the pieces are its draft as it writes; the final answer is what verification kept
        (show that one when it differs). Without one, the pieces are the words of the extractive answer.
        """
        if self.generator is None:
            answer = self.ask(question, history)
            for i, word in enumerate(answer.text.split(" ")):
                yield StreamEvent(type="token", text=word if i == 0 else " " + word)
        else:
            pieces: queue.Queue = queue.Queue()
            result: dict[str, Any] = {}

            def run() -> None:
                try:
                    result["answer"] = self._ask(question, history, on_token=pieces.put)
                except BaseException as exc:  # re-raised in the caller's thread below
                    result["error"] = exc
                finally:
                    pieces.put(None)

            threading.Thread(target=run, daemon=True).start()
            while (piece := pieces.get()) is not None:
                yield StreamEvent(type="token", text=piece)
            if "error" in result:
                raise result["error"]
            answer = result["answer"]
        yield StreamEvent(type="citations", citations=answer.citations)
        yield StreamEvent(type="answer", answer=answer)

    def search(self, query: str, k: int | None = None, where: dict | None = None) -> list[Chunk]:
        """The chunks hybrid retrieval finds for ``query``, best first (no answer composition)."""
        query = self._check_question(query)
        self.index.maybe_refresh()
        q_vec = self.embedder.encode_one(query)
        return [c.chunk for c in self.retriever.retrieve(query, q_vec, where=where, limit=k)]

    def evaluate(self, dataset: str | os.PathLike | EvalDataset, limit: int | None = None, k: int = 5,
                 progress: Callable[[int, int], None] | None = None) -> EvalReport:
        """Index the dataset's documents into this assistant, ask its questions, and score the answers."""
        from .evaluation import EvalDataset, assistant_system, load_dataset, run_eval

        if not isinstance(dataset, EvalDataset):
            dataset = load_dataset(dataset)
        if dataset.documents:
            self.add_documents(dataset.documents)
        if dataset.paths:
            self.ingest(dataset.paths)
        if self.judge is not None:  # score the configured assistant, not its first seconds while the judge loads
            self.judge.wait(JUDGE_LOAD_TIMEOUT)
        return run_eval(assistant_system(self), dataset, limit=limit, k=k, progress=progress)

    def _fast_pipeline(self) -> QuestionPipeline:
        inner = getattr(self.reader, "inner", None)
        if inner is None:
            return self.pipeline
        if self._fast is None:
            s = self.settings
            self._fast = QuestionPipeline(self.index, self.embedder, self.retriever, inner, s, self.clock)
        return self._fast

    def suggest_questions(self, n: int = 4) -> list[str]:
        """Example questions built from the indexed articles themselves, kept only if they get an answer."""
        from .suggest import questions_from

        key = self.index.keyword.version
        if self._suggested and self._suggested[0] == key:
            return self._suggested[1][:n]
        out: list[str] = []
        newest = [info.id for info in self.articles()[:10]]
        texts = self.get_articles(newest)  # one read for all, not one per article
        for newest_id in newest:
            for q in questions_from(texts[newest_id].text):
                # the fast reader alone: a suggestion must be answerable without waiting for the judge
                if q not in out and not self._fast_pipeline().run(q).refused:
                    out.append(q)
                    break
            if len(out) >= n:
                break
        self._suggested = (key, out)
        return out

    # ------------------------------------------------------------------ articles

    def articles(self, offset: int = 0, limit: int | None = None) -> list[ArticleInfo]:
        """The indexed articles (without their text), newest first; ``offset`` and ``limit`` page the list."""
        return self.index.articles(offset, limit)

    def article(self, article_id: str) -> Article:
        return self.index.article(article_id)

    def resolve_id(self, prefix: str) -> str:
        """The full id of the one article whose id starts with ``prefix`` (4+ characters, like git)."""
        return self.index.resolve_id(prefix)

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Several articles by id in one read (unknown ids are left out)."""
        return self.index.get_articles(article_ids)

    def stats(self) -> dict[str, Any]:
        return {**self.index.stats(), "judge": self.judge_status()}

    def judge_status(self) -> str:
        """'ready', 'loading', 'off' or 'off: <why it failed to load>'."""
        if self.judge is None:
            return "off"
        if self.judge.ready:
            return "ready"
        return f"off: {self.judge.error}" if self.judge.error else "loading"

    def record_feedback(self, answer: Answer | dict[str, Any], vote: str) -> Path:
        """Append a thumbs up/down on an answer to ``<index_dir>/feedback.jsonl``; returns the file."""
        if vote not in ("up", "down"):
            raise ValueError("vote must be 'up' or 'down'")
        data = answer.model_dump(mode="json") if isinstance(answer, Answer) else dict(answer)
        record = {
            "time": datetime.now(timezone.utc).isoformat(), "vote": vote, "question": data.get("question"),
            "answer": data.get("text"), "refused": data.get("refused"),
            "citations": [{k: c.get(k) for k in ("number", "article_id", "title", "quote", "start", "end")}
                          for c in data.get("citations", [])],
        }
        path = Path(self.settings.index_dir) / "feedback.jsonl"
        try:
            with self.index.lock, open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:  # a read-only index folder
            raise IndexNotWritableError(f"cannot record feedback in {path} ({exc.strerror})") from exc
        return path

    # ------------------------------------------------------------------ LlamaIndex

    def as_llm(self):
        """The configured generator as a LlamaIndex ``LLM`` (unverified text; None without a generator)."""
        from .query_engine import generator_llm

        return generator_llm(self.generator) if self.generator is not None else None

    def as_query_engine(self, streaming: bool = False):
        """A LlamaIndex ``BaseQueryEngine`` (``query(q)`` -> ``Response``; ``StreamingResponse`` with streaming)."""
        from .query_engine import AssistantQueryEngine

        return AssistantQueryEngine(assistant=self, streaming=streaming)

    def as_retriever(self, similarity_top_k: int | None = None):
        """A LlamaIndex ``BaseRetriever``: hybrid search, chunks as ``NodeWithScore`` with offsets and metadata."""
        from .query_engine import AssistantRetriever

        return AssistantRetriever(self, similarity_top_k)

    def as_chat_engine(self):
        """A LlamaIndex ``BaseChatEngine``: follow-ups resolved by the assistant itself (no LLM needed)."""
        from .query_engine import AssistantChatEngine

        return AssistantChatEngine(self)

    @staticmethod
    def reset(settings: Settings | None = None, **overrides: Any) -> list[str]:
        """Delete an index (its Chroma data and keyword index; embedded or on a server). Returns what was removed."""
        from .index import reset

        return reset(settings.model_copy(update=overrides) if settings else Settings(**overrides))


__all__ = ["Assistant", "article_id"]
