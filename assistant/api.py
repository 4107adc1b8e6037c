"""The ``Assistant`` facade: ingest, ask, stream, list and delete articles, LlamaIndex query engine."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answer import (
    Draft,
    check_generated,
    compose,
    evidence_for_generator,
    published_date,
    refusal_text,
    select_evidence,
    verify,
)
from .collection import answer_collection, detect
from .generation import REFUSAL_PHRASE, STOP, Generator, GeneratorError, Prompt, load_generator, load_prompt, render
from .news import NearDuplicates, long_date, minhash, parse_time
from .chunking import chunk_article
from .config import Settings
from .embeddings import Embedder, load_embedder
from .errors import IngestError, InvalidQuestionError
from .ingest import FileItem, article_id, discover, load_articles, to_article
from .keyword import KeywordIndex, ids_digest
from .models import Answer, Article, ArticleInfo, Chunk, FileResult, IngestReport, RawDocument, StreamEvent
from .question import analyze, resolve_followup
from .retrieval import Retriever
from .store import ChromaStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .evaluation import EvalDataset, EvalReport

History = Sequence[tuple[str, str]] | None
Progress = Callable[[int, int, str], None]


def _and(*filters: dict | None) -> dict | None:
    present = [f for f in filters if f]
    if not present:
        return None
    return present[0] if len(present) == 1 else {"$and": present}


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


class Assistant:
    """Question answering over news articles, with numbered citations that quote the articles verbatim.

    >>> a = Assistant(index_dir="index")
    >>> a.ingest(["articles/"])
    >>> a.ask("How many refugees does Turkey shelter?").text
    """

    def __init__(self, index_dir: str | os.PathLike | None = None, *, settings: Settings | None = None,
                 embedder: Embedder | None = None, clock: Callable[[], date] | None = None,
                 generator: Generator | None | str = "settings", **overrides: Any):
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        if isinstance(generator, str) and generator != "settings":  # a backend name: "gemma", "openai", "none"
            overrides["generator"], generator = generator, "settings"
        self.settings = settings.model_copy(update=overrides) if settings else Settings(**overrides)
        s = self.settings
        self.embedder = embedder or load_embedder(s.embed_model, batch_size=s.embed_batch_size)
        self.store = ChromaStore(Path(s.index_dir), self.embedder.model_id, self.embedder.dim, s.chroma_url,
                                 s.collection_prefix)
        keyword_dir = Path(s.index_dir) / "bm25"
        if s.chroma_url:  # one local keyword cache per server
            keyword_dir = keyword_dir.with_name("bm25-" + hashlib.sha1(s.chroma_url.encode()).hexdigest()[:10])
        self.keyword = KeywordIndex(keyword_dir if self._writable(Path(s.index_dir)) else None)
        self.retriever = Retriever(self.store, self.keyword, self.embedder, s.top_k_dense, s.top_k_bm25, s.top_k_rerank)
        self._write_lock = threading.RLock()
        self.clock = clock or date.today  # "last week" and "latest" are relative to it
        self.generator: Generator | None = load_generator(self.settings) if generator == "settings" else generator
        self._near: NearDuplicates | None = None
        self._prompt: Prompt | None = None
        self._suggested: tuple[str, list[str]] | None = None
        self.repaired_chunks = self.store.repair()
        self._checked_at = 0.0
        self._generation = self.store.generation() if s.chroma_url else ""
        self._sync_keyword(load=True)

    @staticmethod
    def _writable(folder: Path) -> bool:
        return folder.is_dir() and os.access(folder, os.W_OK)

    # ------------------------------------------------------------------ keyword index in step with Chroma

    def _sync_keyword(self, load: bool = False) -> None:
        """Make the BM25 index cover exactly the chunks in Chroma; rebuild it if it does not."""
        if load:
            self.keyword.load()
        if self.keyword.digest == ids_digest(self.store.chunk_ids()):
            return
        self._rebuild_keyword()

    def _maybe_refresh(self) -> None:
        """With a shared Chroma server, pick up other processes' writes (checked at most once a second)."""
        if not self.settings.chroma_url or time.monotonic() - self._checked_at < 1.0:
            return
        self._checked_at = time.monotonic()
        try:
            generation = self.store.generation()
        except Exception as exc:  # a server hiccup must not fail the question; the next check retries
            log.warning("could not check the Chroma server for changes: %s", exc)
            return
        if generation != self._generation:
            with self._write_lock:
                self._sync_keyword()
                self._generation = generation

    def _after_write(self) -> None:
        """After this process changed the index: tell other processes, and rebuild the keyword index."""
        if self.settings.chroma_url:
            self._generation = self.store.bump_generation()
        self._rebuild_keyword()

    def _rebuild_keyword(self) -> None:
        ids, texts = [], []
        for chunk_id, text, meta in self.store.iter_chunks():
            ids.append(chunk_id)
            texts.append(f"{meta.get('title', '')}\n{text}")
        self.keyword.build(ids, texts)
        try:
            self.keyword.save()
        except OSError as exc:
            log.warning("could not save the keyword index (%s); it stays in memory", exc)

    def near_duplicates(self) -> NearDuplicates:
        """MinHash LSH of the stored articles, built on the first ingest of this process from their texts
        (signatures are not stored: recomputing costs ~0.2 ms per article, storing them doubled the index)."""
        if self._near is None:
            near = NearDuplicates()
            for article_id, text, group in self.store.iter_articles():
                near.add(article_id, minhash(text), group)
            self._near = near
        return self._near

    def refresh(self) -> None:
        """Pick up articles that another process added to a shared Chroma server."""
        with self._write_lock:
            self._sync_keyword()

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: str | os.PathLike | Iterable[str | os.PathLike], progress: Progress | None = None) -> IngestReport:
        """Ingest files and folders (recursively). Never raises for a bad file: see ``report.failed``."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        items = list(discover(paths))
        report = IngestReport()
        started = time.perf_counter()
        max_bytes = int(self.settings.max_file_mb * 2**20)
        with self._write_lock:
            batch = _Batch(self)
            for done, item in enumerate(items, start=1):
                self._ingest_item(item, max_bytes, batch, report)
                if progress:
                    progress(done, len(items), item.path)
            batch.flush(report)
            if report.added or report.updated:
                self._after_write()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _ingest_item(self, item: FileItem, max_bytes: int, batch: _Batch, report: IngestReport) -> None:
        if item.problem:
            status = "failed" if item.missing else "skipped"
            report.record(FileResult(path=item.path, status=status, reason=item.problem))
            return
        try:
            loaded = load_articles(item, max_bytes)
        except IngestError as exc:
            report.record(FileResult(path=item.path, status="failed", reason=str(exc)))
            return
        except Exception as exc:  # a loader bug must not stop the rest of the ingest
            log.exception("unexpected error reading %s", item.path)
            report.record(FileResult(path=item.path, status="failed", reason=f"{item.path}: unexpected error: {exc}"))
            return
        for where, reason in loaded.errors:
            report.record(FileResult(path=where, status="failed", reason=reason))
        for article in loaded.articles:
            batch.add(article, report)

    def add_documents(self, documents: Iterable[RawDocument | dict[str, Any]]) -> IngestReport:
        """Ingest in-memory documents (``RawDocument`` or dicts with text/title/source/url/published/author)."""
        report = IngestReport()
        started = time.perf_counter()
        with self._write_lock:
            batch = _Batch(self)
            for i, doc in enumerate(documents):
                has_path = isinstance(doc, RawDocument) or bool(doc.get("path"))
                if isinstance(doc, dict):
                    doc = RawDocument(**{**doc, "path": doc.get("path") or f"<memory>#{i}"})
                try:
                    article = to_article(doc)
                except IngestError as exc:
                    report.record(FileResult(path=doc.source_key, status="failed", reason=str(exc)))
                    continue
                if not has_path:  # no source to replace: a record without a path never updates another
                    article.path = None
                batch.add(article, report)
            batch.flush(report)
            if report.added or report.updated:
                self._after_write()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    # ------------------------------------------------------------------ ask

    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestionError("the question is empty: type a question about your articles")
        question = " ".join("".join(ch if ch.isprintable() else " " for ch in question).split())
        if not question or not any(ch.isalnum() for ch in question):
            raise InvalidQuestionError("the question has no words: type a question about your articles")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"the question is {len(question):,} characters long; the limit is "
                f"{self.settings.max_question_chars:,} (ASSISTANT_MAX_QUESTION_CHARS). Ask a shorter question."
            )
        return question

    def ask(self, question: str, history: History = None, where: dict | None = None) -> Answer:
        """Answer ``question`` from the indexed articles, or refuse when they do not hold the answer."""
        return self._ask(question, history, where)

    def _ask(self, question: str, history: History = None, where: dict | None = None,
             on_token: Callable[[str], None] | None = None) -> Answer:
        question = self._check_question(question)
        self._maybe_refresh()
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        resolved, kind = resolve_followup(question, history)
        time_filter = parse_time(resolved, self.clock())
        search_text = resolved
        if time_filter and time_filter.phrase:  # the period filters by date; its words and numbers are not evidence
            search_text = re.sub(re.escape(time_filter.phrase), " ", resolved, flags=re.I).strip() or resolved
        info = analyze(search_text, kind)
        described = time_filter.describe() if time_filter else None
        if self.keyword.n_docs == 0 and self.store.count()[1] == 0:
            return Answer(question=question, resolved_question=resolved, text=refusal_text(question, True),
                          refused=True, kind="refusal")
        request = detect(resolved)
        if request is not None:
            draft, extra = answer_collection(self, request, time_filter)
            return self._finish(question, resolved, draft, extra, "collection", described, timings, t0, draft.confidence)
        prefer_recent = bool(time_filter and time_filter.prefer_recent)
        date_where = time_filter.where() if time_filter else None
        draft, conflict, confidence, scored = self._extract(search_text, info, _and(where, date_where), prefer_recent,
                                                            timings)
        if draft.refused and date_where:
            # "in 2019" may date the event rather than the article ("Who won Wimbledon in 2019?"): look again in
            # every article, with the period kept as words the evidence must contain
            draft, conflict, confidence, scored = self._extract(resolved, analyze(resolved, kind), where,
                                                                prefer_recent, timings)
            if described is not None:
                described["applied"] = False
        elif described is not None:
            described["applied"] = bool(date_where)
        generated: dict[str, Any] = {}
        if self.generator is not None and not draft.refused:
            draft, generated = self._generate(search_text, scored, draft, on_token, timings)
        answer = self._finish(question, resolved, draft, (), "conflict" if conflict and not generated.get("used")
                              else "answer", described, timings, t0, confidence)
        answer.generator = self.generator.name if generated.get("used") else "none"
        answer.dropped_sentences = generated.get("dropped", [])
        answer.fallback = generated.get("fallback")
        return answer

    def _generate(self, question: str, scored, extractive, on_token, timings):
        """Let the generator write from the best evidence; keep only what verification accepts."""
        t = time.perf_counter()
        evidence = evidence_for_generator(scored, self.settings.refusal_threshold)
        labels = []
        for n, ev in enumerate(evidence, start=1):
            published = published_date(ev)
            when = long_date(published) if published else "undated"
            labels.append((n, f"{ev.meta.get('title') or 'untitled'}, {when}", ev.span.text))
        if self._prompt is None:  # read once, not on every question
            self._prompt = load_prompt(self.settings.prompt_version)
        system, user = render(self._prompt, question, labels)
        pieces: list[str] = []
        try:
            for piece in self.generator.generate(system, user, STOP, self.settings.llm_max_tokens):
                pieces.append(piece)
                if on_token:
                    on_token(piece)
        except GeneratorError as exc:
            log.warning("generator failed, using the extractive answer: %s", exc)
            timings["generate"] = _ms(t)
            return extractive, {"fallback": f"generator failed: {exc}"}
        timings["generate"] = _ms(t)
        checked = check_generated("".join(pieces), evidence, REFUSAL_PHRASE)
        if checked.refused:
            return extractive, {"fallback": "the generator said the articles don't answer; the extractive answer is shown"}
        if not checked.citations:
            return extractive, {"dropped": checked.dropped,
                                "fallback": "no generated sentence passed verification; the extractive answer is shown"}
        return Draft(checked.text, checked.citations, False, extractive.confidence), {"used": True,
                                                                                     "dropped": checked.dropped}

    def _extract(self, text: str, info, where: dict | None, prefer_recent: bool, timings: dict[str, float]):
        """Retrieve, rerank and pick evidence for one formulation of the question.

        Returns (draft, whether it shows conflicting figures, the best sentence score, all scored sentences)."""
        t = time.perf_counter()
        q_vec = self.embedder.encode_one(text)
        timings["embed"] = _ms(t)
        t = time.perf_counter()
        cands = self.retriever.retrieve(text, q_vec, where=where)
        timings["retrieve"] = _ms(t)
        t = time.perf_counter()
        scored = self.retriever.rerank_sentences(info, q_vec, cands)
        timings["rerank"] = _ms(t)
        s = self.settings
        evidence, conflict = select_evidence(scored, s.refusal_threshold, s.max_citations, info, prefer_recent=prefer_recent)
        return compose(info, evidence, conflict), conflict, (scored[0].score if scored else 0.0), scored

    def _finish(self, question: str, resolved: str, draft, extra_numbers, kind: str, time_filter: dict | None,
                timings: dict[str, float], t0: float, confidence: float) -> Answer:
        """Fill citations from the stored articles, add syndication notes, verify, and build the Answer."""
        t = time.perf_counter()
        articles = self.store.get_articles([c.article_id for c in draft.citations])
        for cit in draft.citations:
            art = articles.get(cit.article_id)
            if art is None:
                continue
            cit.title, cit.source, cit.url, cit.published = art.title, art.source, art.url, art.published
            if art.group:
                others = sorted({m.source for m in self.store.group_members(art.group)
                                 if m.id != art.id and m.source and m.source != art.source})
                if others:
                    cit.also_reported_by = others
                    draft.text = draft.text.replace(f"[{cit.number}]", f"[{cit.number}] (also reported by "
                                                    f"{', '.join(others)})", 1)
        problems = verify(draft, articles, extra_numbers)
        if problems:  # never show an answer that fails verification
            log.warning("answer failed verification, refusing: %s", problems)
            draft.text, draft.citations, draft.refused = refusal_text(question), [], True
        timings["answer"] = _ms(t)
        timings["total"] = _ms(t0)
        return Answer(
            question=question,
            resolved_question=resolved if resolved != question else None,
            text=draft.text,
            citations=draft.citations,
            refused=draft.refused,
            kind="refusal" if draft.refused else kind,
            time_filter=time_filter,
            confidence=round(confidence, 4),
            timings=timings,
        )

    def search(self, query: str, k: int | None = None, where: dict | None = None) -> list[Chunk]:
        """The chunks hybrid retrieval finds for ``query``, best first (no answer composition)."""
        query = self._check_question(query)
        self._maybe_refresh()
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
        return run_eval(assistant_system(self), dataset, limit=limit, k=k, progress=progress)

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
            import queue

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

    # ------------------------------------------------------------------ articles

    def articles(self) -> list[ArticleInfo]:
        self._maybe_refresh()
        return self.store.list_articles()

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def delete(self, article_id: str) -> None:
        with self._write_lock:
            self.store.delete_article(article_id)
            if self._near is not None:
                self._near.remove(article_id)
            self._after_write()

    def stats(self) -> dict[str, Any]:
        n_articles, n_chunks = self.store.count()
        return {"articles": n_articles, "chunks": n_chunks, "index": self.store.location,
                "embed_model": self.embedder.model_id, "keyword_chunks": self.keyword.n_docs}

    def suggest_questions(self, n: int = 4) -> list[str]:
        """Example questions built from the indexed articles themselves, kept only if they get an answer."""
        from .suggest import questions_from

        key = self.keyword.digest
        if self._suggested and self._suggested[0] == key:
            return self._suggested[1][:n]
        out: list[str] = []
        newest = [info.id for info in self.articles()[:10]]
        texts = self.store.get_articles(newest)  # one read for all, not one per article
        for newest_id in newest:
            for q in questions_from(texts[newest_id].text):
                if q not in out and not self.ask(q).refused:
                    out.append(q)
                    break
            if len(out) >= n:
                break
        self._suggested = (key, out)
        return out

    def record_feedback(self, answer: Answer | dict[str, Any], vote: str) -> Path:
        """Append a thumbs up/down on an answer to ``<index_dir>/feedback.jsonl``; returns the file."""
        import json
        from datetime import datetime, timezone

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
        with self._write_lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path

    def as_llm(self):
        """The configured generator as a LlamaIndex ``LLM`` (unverified text; None without a generator)."""
        from .query_engine import generator_llm

        return generator_llm(self.generator) if self.generator is not None else None

    def as_query_engine(self):
        """A LlamaIndex ``BaseQueryEngine`` over this assistant (``engine.query(q)`` -> ``Response``)."""
        from .query_engine import AssistantQueryEngine

        return AssistantQueryEngine(assistant=self)


class _Batch:
    """Articles waiting to be stored: one encode call and a few Chroma calls per batch, not per file."""

    def __init__(self, assistant: Assistant, target_chunks: int = 256):
        self.a = assistant
        self.target = target_chunks
        self.pending: list[Article] = []
        self.seen: set[str] = set()
        self.n_chars = 0

    def add(self, article: Article, report: IngestReport) -> None:
        if article.id in self.seen:
            self._skip(article, report)
            return
        self.seen.add(article.id)
        self.pending.append(article)
        self.n_chars += len(article.text)
        if self.n_chars >= self.target * self.a.settings.chunk_size or len(self.pending) >= 500:
            self.flush(report)

    @staticmethod
    def _skip(article: Article, report: IngestReport) -> None:
        report.record(FileResult(path=article.path or "", status="skipped", article_id=article.id,
                                 title=article.title, reason="already indexed (same text)"))

    def flush(self, report: IngestReport) -> None:
        if not self.pending:
            return
        store, s = self.a.store, self.a.settings
        existing = store.existing_ids([a.id for a in self.pending])
        fresh = [a for a in self.pending if a.id not in existing]
        for article in self.pending:
            if article.id in existing:
                self._skip(article, report)
        by_path = store.ids_for_paths([a.path for a in fresh if a.path])
        near = self.a.near_duplicates()
        items = []
        for article in fresh:
            chunks = chunk_article(article, s.chunk_size, s.chunk_overlap_sentences)
            article.n_chunks = len(chunks)
            signature = minhash(article.text)
            article.group = near.group_for(signature) or article.id  # syndicated copies join the first one's group
            near.add(article.id, signature, article.group)
            items.append((article, chunks))
        vectors = self.a.embedder.encode([c.text for _, chunks in items for c in chunks])
        store.add_articles(items, vectors)
        for article, chunks in items:
            old = [i for i in by_path.get(article.path or "", []) if i != article.id]
            for old_id in old:
                store.delete_article(old_id)
                near.remove(old_id)
            report.chunks += len(chunks)
            report.record(FileResult(path=article.path or "", status="updated" if old else "added",
                                     article_id=article.id, title=article.title))
        self.pending, self.n_chars = [], 0


__all__ = ["Assistant", "article_id"]
