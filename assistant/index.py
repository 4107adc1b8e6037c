"""The index: Chroma (vectors, chunks, articles) and the BM25 keyword index, kept in step; the write side.

One ``Index`` owns both stores for a process. Writes (``ingest``, ``add_documents``, ``delete``) go through it
in batches under one lock, group syndicated near-copies, and update the keyword index in place; with a shared Chroma
server each write stamps a change token, and :meth:`Index.maybe_refresh` picks up other processes' writes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._memory import release_free_memory
from .chunking import chunk_article
from .errors import AmbiguousIdError, ArticleNotFoundError, IndexNotWritableError, IngestError
from .ingest import FileItem, discover, document_from_record, load_articles, to_article
from .keyword import KeywordIndex
from .models import Article, ArticleInfo, Chunk, FileResult, IngestReport, RawDocument
from .news import NEAR_COPY_NEIGHBOURS, NEAR_COPY_SIMILARITY, NEAR_DUPLICATE_THRESHOLD, NearDuplicates, minhash
from .sentence_vectors import Stored, chunk_vector, encode_chunks, pack
from .store import ChromaStore, newest_first, read_only_message, remove_tree, reset_index

if TYPE_CHECKING:
    import numpy as np

    from .config import Settings
    from .embeddings import Embedder

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
MAX_BATCH_ARTICLES = 500  # articles per batch at most (short ones: a batch also ends at 256 chunks' worth of text)


def keyword_dir(settings: Settings) -> Path:
    """Where the BM25 index lives: ``<index_dir>/bm25``, or one local cache per Chroma server."""
    folder = Path(settings.index_dir) / "bm25"
    if settings.chroma_url:
        folder = folder.with_name("bm25-" + hashlib.sha1(settings.chroma_url.encode()).hexdigest()[:10])
    return folder


def reset(settings: Settings) -> list[str]:
    """Remove exactly what an index wrote (Chroma data and its keyword index), embedded or on a server.
    Uploaded files and feedback under the index folder are kept. Returns what was removed."""
    removed = reset_index(Path(settings.index_dir), settings.chroma_url, settings.collection_prefix)
    folder = keyword_dir(settings)
    if folder.exists():
        remove_tree(folder, Path(settings.index_dir))
        removed.append(str(folder))
    return removed


def keyword_row(chunk: Chunk, meta: Mapping[str, Any], stored: Stored | None = None) -> tuple:
    """What the keyword index holds for a chunk: its id, its article's id, its article's title + its text, (when
    known) its sentences and their vectors, and its article's near-copy group and outlet."""
    return (chunk.id, chunk.article_id, f"{meta.get('title') or ''}\n{chunk.text}", stored,
            meta.get("group") or chunk.article_id, meta.get("source") or None)


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


class Index:
    """Chroma + BM25 for one index folder (or Chroma server), with batched, locked writes."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        s = settings
        self.store = ChromaStore(Path(s.index_dir), embedder.model_id, embedder.dim, s.chroma_url, s.collection_prefix)
        # a read-only index (a read-only mount) serves questions: its keyword index is rebuilt in memory
        writable = _writable(Path(s.index_dir)) and not self.store.read_only
        self.keyword = KeywordIndex(keyword_dir(s) if writable else None)
        self.lock = threading.RLock()
        self.chunk_vectors = "sentences"  # or "encode": how chunk vectors are made at ingest (see _Batch._embed)
        self._catalogue: tuple[str, list[ArticleInfo]] | None = None  # (keyword version, the library newest first)
        # chunks without their article record are what a write killed half-way leaves: look for them only when
        # this folder's last write did not finish or the stores disagree (or on a shared server, where another
        # process may have crashed)
        suspect = s.chroma_url or self._keyword_out_of_step()
        self.repaired_chunks = self.store.repair() if suspect and not self.store.read_only else 0
        self._checked_at = 0.0
        self._generation = self.store.generation() if s.chroma_url else ""
        self._sync_keyword(check=True)
        if not self.keyword.groups_complete:  # a keyword file from before it kept groups: once, from the records
            self.keyword.fill_groups((a.id, a.group or a.id, a.source) for a in self.store.list_articles())

    # ------------------------------------------------------------------ keyword index in step with Chroma

    def _keyword_out_of_step(self) -> bool:
        """Whether the keyword index may not hold exactly Chroma's chunks: a write was interrupted (``dirty``), its
        file was unreadable, or the chunk counts differ. Cheap: no id is read."""
        return self.keyword.dirty or self.keyword.recovered or self.keyword.n_docs != self.store.count()[1]

    def _sync_keyword(self, check: bool = False) -> None:
        """Bring the keyword index in step with Chroma's chunks (by id); with ``check``, only when it may be out of
        step (``_keyword_out_of_step``)."""
        if check and not self._keyword_out_of_step():
            return
        started = time.perf_counter()
        added, deleted = self.keyword.sync(self.store.chunk_ids(), self._keyword_rows)
        if added or deleted:
            log.info("keyword index brought in step with Chroma: %d chunks added, %d removed (%.1f s)",
                     added, deleted, time.perf_counter() - started)

    def _keyword_rows(self, chunk_ids: list[str]) -> Iterable[tuple]:
        for lo in range(0, len(chunk_ids), 1000):  # a slice at a time: a rebuild never holds every text at once
            for hit in self.store.get_chunks(chunk_ids[lo : lo + 1000]):
                yield keyword_row(hit.chunk, hit.meta)

    def maybe_refresh(self) -> None:
        """With a shared Chroma server, pick up other processes' writes (checked at most once a second)."""
        if not self.settings.chroma_url or time.monotonic() - self._checked_at < 1.0:
            return
        self._checked_at = time.monotonic()
        try:
            generation, previous, change = self.store.last_change()
        except Exception as exc:  # a server hiccup must not fail the question; the next check retries
            log.warning("could not check the Chroma server for changes: %s", exc)
            return
        if generation == self._generation:
            return
        with self.lock:
            if previous == self._generation and change is not None:
                # exactly one write since ours, and it says which articles: apply just that
                self.keyword.update(add=[keyword_row(h.chunk, h.meta) for h in self.store.chunks_of(change["added"])],
                                    delete_articles=change["deleted"])
                self._update_catalogue(change["added"], change["deleted"])
                self._sync_keyword(check=True)  # counts still differ (a racing write): compare ids
            else:
                self._sync_keyword()
            self._generation = generation

    def refresh(self) -> None:
        """Pick up articles that another process added to a shared Chroma server, now."""
        with self.lock:
            self._sync_keyword()

    def _before_write(self) -> None:
        """Before this process changes Chroma: a kill from here on leaves the keyword index marked for a check."""
        self.keyword.mark_dirty()

    def _after_write(self, added: Sequence[str] = (), deleted: Sequence[str] = ()) -> None:
        """After this process wrote to both stores: tell other processes what changed, and mark the keyword index
        in step."""
        if (added or deleted) and self.settings.chroma_url:
            self._generation = self.store.bump_generation(self._generation, added, deleted)
        self.keyword.commit_write()
        if added or deleted:
            self._update_catalogue(added, deleted)
        if added:  # the embedder's freed batch buffers stay in the heap otherwise (see _memory)
            release_free_memory()

    def assign_groups(self, items: Sequence[tuple[Article, Sequence[Chunk]]], vectors: np.ndarray,
                      batch: NearDuplicates) -> None:
        """Set each new article's near-duplicate group: syndicated copies join the first one's group, others get
        their own id. Candidates are the articles of this batch (MinHash LSH) and the stored articles with a chunk
        closest to the new article's first, middle or last chunk (``vectors``: all chunks, in order; one Chroma
        query for all); only the texts of close ones are read and compared, so the cost does not grow with the
        index."""
        probes, offset = [], 0
        for _, chunks in items:
            n = len(chunks)
            probes.append([vectors[offset + i] for i in sorted({0, n // 2, n - 1})] if n else [])
            offset += n
        close = self.store.near_copies(probes, k=NEAR_COPY_NEIGHBOURS, min_similarity=NEAR_COPY_SIMILARITY)
        stored = self.store.get_articles([i for found in close for i, _ in found])
        articles = [a for a, _ in items]
        for article, found in zip(articles, close):
            signature = minhash(article.text)
            group = batch.group_for(signature)
            for other_id, other_group in found if group is None else ():
                if other_id in stored and minhash(stored[other_id].text).jaccard(signature) >= NEAR_DUPLICATE_THRESHOLD:
                    group = other_group
                    break
            article.group = group or article.id
            batch.add(article.id, signature, article.group)

    # ------------------------------------------------------------------ writes

    def _check_writable(self, action: str) -> None:
        if self.store.read_only:
            raise IndexNotWritableError(read_only_message(Path(self.settings.index_dir), action))

    def ingest(self, paths: Iterable[str | os.PathLike], progress: Progress | None = None) -> IngestReport:
        """Ingest files and folders (recursively). Never raises for a bad file: see ``report.failed``.

        ``progress(done, total, path)`` counts chunks embedded: ``done`` is exact, ``total`` is estimated from the
        file sizes until every file is read (it ends equal to ``done``); ``path`` is the file being read."""
        self._check_writable("add articles")
        items = list(discover(paths))
        report = IngestReport()
        started = time.perf_counter()
        max_bytes = int(self.settings.max_file_mb * 2**20)
        tracker = _ChunkProgress(progress, items, self.settings.chunk_size) if progress else None
        with self.lock:
            self._before_write()
            batch = _Batch(self, progress=tracker)
            for item in items:
                if tracker:
                    tracker.reading(item)
                self._ingest_item(item, max_bytes, batch, report)
            batch.flush(report)
            if tracker:
                tracker.finished()
            self._after_write(*batch.changes)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    @staticmethod
    def _ingest_item(item: FileItem, max_bytes: int, batch: _Batch, report: IngestReport) -> None:
        if item.problem:  # "skipped" means "already in the library"; a file we cannot read is not that
            status = "failed" if item.missing else "unsupported"
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
        self._check_writable("add articles")
        if isinstance(documents, (RawDocument, Mapping)):  # one document rather than a list of them
            documents = [documents]
        report = IngestReport()
        started = time.perf_counter()
        with self.lock:
            self._before_write()
            batch = _Batch(self)
            for i, doc in enumerate(documents):
                has_path = isinstance(doc, RawDocument) or (isinstance(doc, Mapping) and bool(doc.get("path")))
                try:  # each bad record is reported with its reason; the good ones are kept
                    if not isinstance(doc, RawDocument):
                        doc = document_from_record(doc, i)
                    article = to_article(doc)
                except IngestError as exc:
                    where = doc.source_key if isinstance(doc, RawDocument) else f"<memory>#{i}"
                    report.record(FileResult(path=where, status="failed", reason=str(exc)))
                    continue
                if not has_path:  # no source to replace: a record without a path never updates another
                    article.path = None
                batch.add(article, report)
            batch.flush(report)
            self._after_write(*batch.changes)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def delete(self, article_id: str) -> None:
        self._check_writable("delete articles")
        with self.lock:
            self._before_write()
            self.store.delete_article(article_id)
            self.keyword.update(delete_articles=[article_id])
            self._after_write(deleted=[article_id])

    # ------------------------------------------------------------------ reads

    def is_empty(self) -> bool:
        """No chunk to search (the keyword index holds exactly Chroma's chunks; its count is kept in memory)."""
        return self.keyword.n_docs == 0

    def articles(self, offset: int = 0, limit: int | None = None) -> list[ArticleInfo]:
        """The library, newest first; ``offset``/``limit`` page it. The list is read from Chroma once and then
        kept up to date by this process's writes (re-read when another process changed the index)."""
        self.maybe_refresh()
        with self.lock:
            version = self.keyword.version
            if self._catalogue is None or self._catalogue[0] != version:
                self._catalogue = (version, self.store.list_articles())
            items = self._catalogue[1]
        offset = max(offset, 0)
        return items[offset : offset + limit if limit is not None else None]

    def _update_catalogue(self, added: Sequence[str], deleted: Sequence[str]) -> None:
        """Apply one write to the cached library instead of reading it all again."""
        if self._catalogue is None:
            return
        gone = set(deleted) | set(added)
        items = [a for a in self._catalogue[1] if a.id not in gone] + self.store.list_articles(list(added))
        self._catalogue = (self.keyword.version, sorted(items, key=newest_first, reverse=True))

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def resolve_id(self, prefix: str, min_length: int = 4) -> str:
        """The full id of the one article whose id starts with ``prefix`` (like git's short commit ids)."""
        prefix = prefix.strip().lower()
        if len(prefix) < min_length:
            raise ArticleNotFoundError(f"article id {prefix!r} is too short: give at least {min_length} characters "
                                       "(`assistant articles` lists the ids)")
        matches = sorted(i for i in self.store.article_ids() if i.startswith(prefix))
        if not matches:
            raise ArticleNotFoundError(f"no article with id {prefix!r}; `assistant articles` lists the ids")
        if len(matches) > 1:
            shown = ", ".join(m[:12] for m in matches[:5]) + (", ..." if len(matches) > 5 else "")
            raise AmbiguousIdError(f"the id prefix {prefix!r} matches {len(matches)} articles ({shown}): "
                                   "give more characters")
        return matches[0]

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        return self.store.get_articles(article_ids)

    def syndicated_by(self, articles: Iterable[Article]) -> dict[str, list[str]]:
        """For each article with near-copies from other outlets: those outlets' names, sorted."""
        out: dict[str, list[str]] = {}
        for art in articles:
            if not art.group:
                continue
            others = sorted({source for member, source in self.keyword.group_members(art.group)
                             if member != art.id and source and source != art.source})
            if others:
                out[art.id] = others
        return out

    def stats(self) -> dict[str, Any]:
        n_articles, n_chunks = self.store.count()
        return {"articles": n_articles, "chunks": n_chunks, "index": self.store.location,
                "embed_model": self.embedder.model_id, "keyword_chunks": self.keyword.n_docs}


class _Batch:
    """Articles waiting to be stored: one encode call and a few Chroma calls per batch, not per file.

    Embedding a batch in a second thread while this one reads the next files and stores the batch before was
    tried (2026-12-07): ONNX Runtime's two compute threads keep both cores busy, and neither RGB's 674 passages nor
    60 real HTML pages ingested faster beyond this machine's run-to-run noise (~10%), so batches stay in order,
    one after the other."""

    def __init__(self, index: Index, target_chunks: int = 256, progress: _ChunkProgress | None = None):
        self.index = index
        self.target = target_chunks
        self.max_articles = MAX_BATCH_ARTICLES
        self.progress = progress
        self.pending: list[Article] = []
        self.seen: set[str] = set()
        self.n_chars = 0
        self.changes: tuple[list[str], list[str]] = ([], [])  # article ids added, deleted (replaced)
        self.near = NearDuplicates()  # the articles of this batch, for copies within it

    def add(self, article: Article, report: IngestReport) -> None:
        if article.id in self.seen:
            self._skip(article, report)
            return
        self.seen.add(article.id)
        self.pending.append(article)
        self.n_chars += len(article.text)
        if self.progress:
            self.progress.pending(self.n_chars)
        if self.n_chars >= self.target * self.index.settings.chunk_size or len(self.pending) >= self.max_articles:
            self.flush(report)

    @staticmethod
    def _skip(article: Article, report: IngestReport) -> None:
        report.record(FileResult(path=article.path or "", status="skipped", article_id=article.id,
                                 title=article.title, reason="already indexed (same text)"))

    def flush(self, report: IngestReport) -> None:
        """Chunk, embed and store the pending articles not stored yet."""
        if not self.pending:
            return
        s = self.index.settings
        store, pending = self.index.store, self.pending
        self.pending, self.n_chars = [], 0
        existing = store.existing_ids([a.id for a in pending])
        items = []
        for article in pending:
            if article.id in existing:
                self._skip(article, report)
                continue
            chunks = chunk_article(article, s.chunk_size, s.chunk_overlap_sentences)
            article.n_chunks = len(chunks)
            items.append((article, chunks))
        if not items:
            return
        by_path = store.ids_for_paths([a.path for a, _ in items if a.path])
        all_chunks = [c for _, chunks in items for c in chunks]
        vectors, stored = self._embed(all_chunks)
        self.index.assign_groups(items, vectors, self.near)
        store.add_articles(items, vectors)
        replaced: list[str] = []
        for article, chunks in items:
            old = [i for i in by_path.get(article.path or "", []) if i != article.id]
            for old_id in old:
                store.delete_article(old_id)
            replaced += old
            report.chunks += len(chunks)
            report.record(FileResult(path=article.path or "", status="updated" if old else "added",
                                     article_id=article.id, title=article.title))
        metas = {a.id: {"title": a.title, "group": a.group, "source": a.source} for a, _ in items}
        self.index.keyword.update(add=[keyword_row(c, metas[c.article_id], s) for c, s in zip(all_chunks, stored)],
                                  delete_articles=replaced)
        self.changes[0].extend(a.id for a, _ in items)
        self.changes[1].extend(replaced)

    def _embed(self, chunks: list[Chunk]) -> tuple[np.ndarray, list[Stored]]:
        """Chunk vectors and, for each chunk, its packed sentences and their vectors (kept with its keyword row),
        embedded in one call, or with a progress tracker in slices of 128+ chunks, each reported once embedded.

        With ``Index.chunk_vectors == "sentences"`` (the default) only sentences are embedded and a chunk's vector
        is their length-weighted mean; ``"encode"`` embeds the chunk texts as well."""
        import numpy as np

        if self.progress:
            self.progress.chunked(len(chunks))
        step = max(128, self.index.settings.embed_batch_size) if self.progress else max(len(chunks), 1)
        embedder = self.index.embedder
        parts, stored = [], []
        for lo in range(0, len(chunks), step):
            part = chunks[lo : lo + step]
            spans, per_chunk = encode_chunks(embedder, part)
            if self.index.chunk_vectors == "encode":
                parts.append(embedder.encode([c.text for c in part]))
            else:
                parts.append(np.stack([chunk_vector(v, s) if len(v) else embedder.encode_one(c.text)
                                       for c, s, v in zip(part, spans, per_chunk)]).astype(np.float32))
            stored += [pack(c, s, v) for c, s, v in zip(part, spans, per_chunk)]
            if self.progress:
                self.progress.embedded(len(part))
        vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
        return vectors, stored


class _ChunkProgress:
    """Ingest progress in chunks embedded, for ``progress(done, total, path)`` callbacks.

    ``done`` is exact. ``total`` is the chunks already made plus an estimate for the rest: pending article text
    by the chunk size, unread files by their size times the chunks per byte seen so far."""

    def __init__(self, callback: Progress, items: Sequence[FileItem], chunk_size: int):
        self.callback = callback
        self.chunk_size = chunk_size
        self.unread = sum(_size(item) for item in items)  # bytes of the files not turned into articles yet
        self.read = 0  # bytes of the files that gave articles so far
        self.done = 0  # chunks embedded
        self.queued = 0  # chunks made, not embedded yet
        self.pending_chars = 0  # article text read, not chunked yet
        self.current = 0  # bytes of the file being read, until it gives an article
        self.label = ""

    def total(self) -> int:
        known = self.done + self.queued + self.pending_chars / self.chunk_size
        rate = known / self.read if self.read and known else 1 / self.chunk_size
        return max(self.done, round(known + self.unread * rate))

    def report(self) -> None:
        self.callback(self.done, self.total(), self.label)

    def reading(self, item: FileItem) -> None:
        self.current = _size(item)
        self.label = item.path
        self.report()
        self.unread -= self.current

    def pending(self, n_chars: int) -> None:
        self.pending_chars = n_chars
        self.read += self.current
        self.current = 0

    def chunked(self, n: int) -> None:
        self.queued += n
        self.pending_chars = 0

    def embedded(self, n: int) -> None:
        self.queued -= n
        self.done += n
        self.report()

    def finished(self) -> None:
        self.unread = self.queued = self.pending_chars = 0
        self.callback(self.done, self.done, self.label)


def _size(item: FileItem) -> int:
    if item.problem:
        return 0
    try:
        return os.path.getsize(item.path)
    except OSError:
        return 0
