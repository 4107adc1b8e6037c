"""The Chroma side of the index. The only module that imports chromadb.

Two collections: ``<prefix>_chunks`` (chunk text in the metadata, vector, offsets) and ``<prefix>_articles``
(full article text and metadata; its vector is the mean of the article's chunk vectors). Both are stamped with
the embedding model id and dimension. Writes go chunks first, article record last: the article record is the
commit marker, and chunks without one (an ingest killed half-way) are removed by :meth:`ChromaStore.repair`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from ._memory import release_free_memory
from .errors import (
    ArticleNotFoundError,
    ConfigError,
    EmbedderMismatchError,
    IndexNotWritableError,
    StoreError,
    StoreUnavailableError,
)
from .models import Article, ArticleInfo, Chunk

SCHEMA_VERSION = 1
_PAGE = 2000
# A chunk's text is kept in its metadata, not as its Chroma document: embedded Chroma builds a trigram full-text
# index over every document (0.5-1.5 ms per chunk at ingest, and disk space), which nothing here searches: keyword
# search is the assistant's own BM25. Indexes written before keep their chunk text as documents; both are read.
_TEXT = "text"
# An article record's Chroma vector is a one-number placeholder (Chroma needs one per record): nothing searches
# articles by vector (near-copies are found through their chunks' vectors). A full vector per article cost its own
# HNSW index, which Chroma loads into every process that reads one article (~35 MB at 24k articles), and most of the
# time of writing an article record. Indexes written before keep their article vectors (still written, never read).
_ARTICLE_VECTORS = "article_vectors"
_PLACEHOLDER = [1.0]


@dataclass
class ChunkHit:
    chunk: Chunk
    score: float  # cosine similarity
    meta: dict[str, Any]


def _meta_value(value: Any) -> str | int | float | bool:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _chunk_text(doc: str | None, meta: dict[str, Any]) -> str:
    """A stored chunk's text, taken out of its metadata (or its document, in an index written before)."""
    text = meta.pop(_TEXT, None)
    return text if text is not None else (doc or "")


def _none_if_blank(value: Any) -> Any:
    return None if value in ("", None) else value


def _root_cause(exc: BaseException) -> str:
    """The innermost reason in an exception chain ('[Errno 111] Connection refused'), not the wrapper's type."""
    seen = {id(exc)}
    while (inner := exc.__cause__ or exc.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        exc = inner
    return str(exc) or type(exc).__name__


def server_address(chroma_url: str) -> tuple[str, int, bool]:
    """(host, port, https) of a Chroma server URL; the port defaults to 8000 (443 for https)."""
    parsed = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    except ValueError as exc:
        raise ConfigError(f"ASSISTANT_CHROMA_URL={chroma_url!r} is not a valid URL ({exc}); expected e.g. "
                          "http://localhost:8000") from exc
    return parsed.hostname or "localhost", port, parsed.scheme == "https"


def _connect(chroma_url: str, settings):
    import chromadb

    host, port, https = server_address(chroma_url)
    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=https, settings=settings)
        client.heartbeat()
    except Exception as exc:  # chromadb raises several unrelated types for a refused connection
        raise StoreUnavailableError(
            f"cannot reach the Chroma server at {chroma_url} (port {port}): {_root_cause(exc)}. Start it with "
            f"`chroma run --path index/chroma-server --port {port}`, or unset ASSISTANT_CHROMA_URL to use the "
            "embedded index."
        ) from exc
    return client


def folder_is_writable(folder: Path) -> bool:
    """Whether this process can create files in ``folder`` (creating it if needed): the one writability check
    of the index. ``os.access`` is not enough: it says yes to root on a read-only mount."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError:
        return False
    return True


def read_only_message(index_dir: Path, action: str) -> str:
    return (f"the index in {index_dir} is read-only (this process cannot write to it), so it can answer questions "
            f"but not {action}. Fix the folder's permissions, or copy the index to a writable folder and point "
            "ASSISTANT_INDEX_DIR (or --index-dir) at the copy.")


def _read_only_copy(path: Path) -> Path:
    """A private, writable copy of a read-only Chroma folder: Chroma (SQLite) cannot open a database it cannot
    write, even to read. The copy lives in the temp folder until the process ends."""
    import atexit
    import os
    import shutil

    target = Path(tempfile.mkdtemp(prefix="assistant-readonly-")) / "chroma"
    shutil.copytree(path, target, copy_function=shutil.copyfile)
    for root, dirs, files in os.walk(target):  # copytree copies the folders' read-only modes
        os.chmod(root, 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)
    atexit.register(shutil.rmtree, target.parent, True)
    return target


def _open_client(index_dir: Path, chroma_url: str | None) -> tuple[Any, bool]:
    """(Chroma client, read_only): a server, the embedded index, or a copy of an index on a read-only folder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        return _connect(chroma_url, settings), False
    path = index_dir / "chroma"
    read_only = not folder_is_writable(path)
    if read_only:
        if not (path / "chroma.sqlite3").is_file():
            raise IndexNotWritableError(
                f"the index folder {index_dir} is not writable and holds no index yet; fix its permissions or set "
                "ASSISTANT_INDEX_DIR (or --index-dir) to a folder you can write to"
            )
        try:
            path = _read_only_copy(path)
        except OSError as exc:
            raise StoreError(f"cannot read the read-only index in {path}: {exc}") from exc
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings), read_only
    except Exception as exc:
        raise StoreError(f"cannot open the Chroma index in {path}: {exc}") from exc


def article_vectors(items: Sequence[tuple[Article, Sequence[Chunk]]], vectors: np.ndarray) -> np.ndarray:
    """One vector per article: the normalised mean of its chunks' vectors (``vectors``: all chunks, in order);
    zeros for an article without chunks."""
    out = np.zeros((len(items), vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    offset = 0
    for row, (_, chunks) in enumerate(items):
        if len(chunks):
            v = vectors[offset : offset + len(chunks)].mean(axis=0)
            out[row] = v / (float(np.linalg.norm(v)) or 1.0)
        offset += len(chunks)
    return out


def newest_first(info: ArticleInfo) -> tuple:
    """Sort key (reversed) of the library: publication date, then title."""
    return info.published or date.min, info.title


def _where_in(collection, key: str, values: Sequence[str], include: list[str], step: int = 500) -> Iterator[dict]:
    """``collection.get`` of the records whose metadata ``key`` is one of ``values``, ``step`` values a call."""
    unique = list(dict.fromkeys(values))
    for lo in range(0, len(unique), step):
        yield collection.get(where={key: {"$in": unique[lo : lo + step]}}, include=include)


MAX_LOGGED = 200  # articles a write may name in its change record


class ChromaStore:
    """Chunks, vectors and articles in Chroma (embedded on disk, or a `chroma run` server)."""

    def __init__(self, index_dir: Path, model_id: str, dim: int, chroma_url: str | None = None, prefix: str = "news"):
        self.index_dir = Path(index_dir)
        self.location = chroma_url or str(self.index_dir / "chroma")
        self.model_id = model_id
        self.dim = dim
        self._client, self.read_only = _open_client(self.index_dir, chroma_url)
        self._read: set[str] = set()  # collections read once in this process (see _first_read)
        stamp = {"embed_model": model_id, "embed_dim": dim, "schema": SCHEMA_VERSION}
        placeholders = {**stamp, _ARTICLE_VECTORS: "none"}
        self._articles_name = f"{prefix}_articles"
        try:
            self.chunks = self._collection(f"{prefix}_chunks", stamp)
            self.articles = self._collection(self._articles_name, placeholders)
            # an index written before this placeholder keeps its article vectors
            self._centroids = (self.articles.metadata or {}).get(_ARTICLE_VECTORS) != "none"
            self._articles_stamp = stamp if self._centroids else placeholders
            self._max_batch = self._client.get_max_batch_size()
        except EmbedderMismatchError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the collections in {self.location}: {exc}") from exc

    def _collection(self, name: str, stamp: dict[str, Any]):
        collection = self._client.get_or_create_collection(
            name, metadata=stamp, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        found = collection.metadata or {}
        if found.get("embed_model") != self.model_id or int(found.get("embed_dim", -1)) != self.dim:
            raise EmbedderMismatchError(
                f"the index at {self.location} was built with the embedding model {found.get('embed_model')!r} "
                f"({found.get('embed_dim')} dimensions), but the assistant is set to {self.model_id!r} ({self.dim}). "
                f"Either set ASSISTANT_EMBED_MODEL back to the index's model, or rebuild: `assistant reset "
                f"--index-dir {self.index_dir}` and ingest your articles again (or pick a new ASSISTANT_INDEX_DIR)."
            )
        return collection

    # ------------------------------------------------------------------ change tracking (several processes)

    def generation(self) -> str:
        """A token that changes on every write by any process sharing this Chroma (read fresh from the server)."""
        return self.last_change()[0]

    def last_change(self) -> tuple[str, str, dict[str, list[str]] | None]:
        """(token, the token it replaced, the articles that write added and deleted, if it was small)."""
        import json

        meta = self._client.get_collection(self._articles_name, embedding_function=None).metadata or {}
        try:
            change = json.loads(meta["change"]) if meta.get("change") else None
        except ValueError:
            change = None
        return str(meta.get("generation", "")), str(meta.get("previous", "")), change

    def bump_generation(self, previous: str = "", added: Sequence[str] = (), deleted: Sequence[str] = ()) -> str:
        """Stamp a new change token; a write of at most ``MAX_LOGGED`` articles also records which, so other
        processes can apply just that change instead of comparing every chunk id."""
        import json
        import uuid

        token = uuid.uuid4().hex
        small = len(added) + len(deleted) <= MAX_LOGGED
        change = json.dumps({"added": list(added), "deleted": list(deleted)}) if small else ""
        self.articles.modify(metadata={**self._articles_stamp, "generation": token, "previous": previous, "change": change})
        return token

    def chunks_of(self, article_ids: Sequence[str]) -> list[ChunkHit]:
        """Every chunk of these articles."""
        return [ChunkHit(self._chunk(i, d, m), 0.0, m)
                for got in _where_in(self.chunks, "article_id", article_ids, ["documents", "metadatas"], step=100)
                for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    # ------------------------------------------------------------------ writes

    def add_articles(self, items: Sequence[tuple[Article, Sequence[Chunk]]], vectors: np.ndarray) -> None:
        """Store many articles: all chunks first, then the article records (the commit markers).

        ``vectors`` holds the chunk vectors of all items, in order."""
        centroids = article_vectors(items, vectors) if self._centroids else None
        ids, metas = [], []
        records: list[tuple[Article, list[float], int]] = []
        for article, chunks in items:
            base = {
                "article_id": article.id,
                "title": article.title,
                "source": _meta_value(article.source),
                "published": _meta_value(article.published),
                "published_ord": article.published.toordinal() if article.published else 0,
                "group": article.group or article.id,
                "author": _meta_value(article.author),  # the byline, which a question may name
            }
            for c in chunks:
                ids.append(c.id)
                metas.append({**base, _TEXT: c.text, "start": c.start, "end": c.end, "index": c.index})
            vector = centroids[len(records)].tolist() if centroids is not None else _PLACEHOLDER
            records.append((article, vector, len(chunks)))
        for lo in range(0, len(ids), self._max_batch):
            hi = lo + self._max_batch
            self.chunks.upsert(ids=ids[lo:hi], embeddings=vectors[lo:hi].tolist(), metadatas=metas[lo:hi])
        for lo in range(0, len(records), self._max_batch):
            part = records[lo : lo + self._max_batch]
            self.articles.upsert(
                ids=[a.id for a, _, _ in part],
                embeddings=[v for _, v, _ in part],
                documents=[a.text for a, _, _ in part],
                metadatas=[self._article_meta(a, n) for a, _, n in part],
            )

    @staticmethod
    def _article_meta(article: Article, n_chunks: int) -> dict[str, Any]:
        return {
            "title": article.title,
            "source": _meta_value(article.source),
            "url": _meta_value(article.url),
            "published": _meta_value(article.published),
            "published_ord": article.published.toordinal() if article.published else 0,
            "author": _meta_value(article.author),
            "path": _meta_value(article.path),
            "ingested_at": _meta_value(article.ingested_at),
            "n_chunks": n_chunks,
            "n_chars": len(article.text),
            "group": article.group or article.id,
        }

    def existing_ids(self, article_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        ids = list(dict.fromkeys(article_ids))
        for lo in range(0, len(ids), self._max_batch):
            found.update(self.articles.get(ids=ids[lo : lo + self._max_batch], include=[])["ids"])
        return found

    def ids_for_paths(self, paths: Sequence[str]) -> dict[str, list[str]]:
        """Article ids currently stored for each source path."""
        out: dict[str, list[str]] = {}
        for got in _where_in(self.articles, "path", [p for p in paths if p], ["metadatas"]):
            for i, meta in zip(got["ids"], got["metadatas"]):
                out.setdefault(meta["path"], []).append(i)
        return out

    def delete_article(self, article_id: str) -> None:
        if not self.has_article(article_id):
            raise ArticleNotFoundError(f"no article with id {article_id!r}; `assistant articles` lists the ids")
        self.articles.delete(ids=[article_id])
        self.chunks.delete(where={"article_id": article_id})

    def repair(self) -> int:
        """Remove chunks whose article record is missing (an ingest killed half-way). Returns how many."""
        known = set(self.article_ids())
        orphans = {meta["article_id"] for _, meta in self._iter_meta(self.chunks) if meta["article_id"] not in known}
        removed = 0
        for article_id in orphans:
            ids = self.chunks.get(where={"article_id": article_id}, include=[])["ids"]
            removed += len(ids)
            self.chunks.delete(ids=ids)
        return removed

    # ------------------------------------------------------------------ reads

    def has_article(self, article_id: str) -> bool:
        return bool(self.articles.get(ids=[article_id], include=[])["ids"])

    def article_ids(self) -> list[str]:
        return [i for i, _ in self._iter_meta(self.articles)]

    def count(self) -> tuple[int, int]:
        return self.articles.count(), self.chunks.count()

    def list_articles(self, article_ids: Sequence[str] | None = None) -> list[ArticleInfo]:
        """Every article (or those of ``article_ids``), newest first (see ``newest_first``)."""
        if article_ids is None:
            infos = [self._info(i, meta) for i, meta in self._iter_meta(self.articles)]
        else:
            got = self.articles.get(ids=list(article_ids), include=["metadatas"]) if article_ids else {"ids": []}
            infos = [self._info(i, m) for i, m in zip(got["ids"], got.get("metadatas") or [])]
        return sorted(infos, key=newest_first, reverse=True)

    def get_article(self, article_id: str) -> Article:
        got = self.articles.get(ids=[article_id], include=["documents", "metadatas"])
        if not got["ids"]:
            raise ArticleNotFoundError(f"no article with id {article_id!r}; `assistant articles` lists the ids")
        info = self._info(article_id, got["metadatas"][0])
        return Article(text=got["documents"][0], **info.model_dump(exclude={"n_chars"}))

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        if not article_ids:
            return {}
        got = self.articles.get(ids=list(dict.fromkeys(article_ids)), include=["documents", "metadatas"])
        self._first_read(self.articles)
        out = {}
        for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            info = self._info(i, meta)
            out[i] = Article(text=doc, **info.model_dump(exclude={"n_chars"}))
        return out

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[ChunkHit]:
        if k <= 0:
            return []
        # no count() first: Chroma returns fewer results when there are fewer, and a count costs ~8 ms at 100k
        res = self.chunks.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where, include=["documents", "metadatas", "distances"]
        )
        self._first_read(self.chunks)
        return [
            ChunkHit(self._chunk(i, doc, meta), 1.0 - float(dist), meta)
            for i, doc, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        ]

    def _first_read(self, collection) -> None:
        """After a collection's first read in this process: Chroma has just loaded its vector index, and the
        buffers it read the files with, freed, stay in the heap (~40 MB at 100k chunks); hand them back."""
        if collection.name not in self._read:
            self._read.add(collection.name)
            release_free_memory()

    def near_copies(self, probes: Sequence[Sequence[np.ndarray]], k: int,
                    min_similarity: float) -> list[list[tuple[str, str]]]:
        """For each new article, given as a few of its chunks' vectors: (id, group) of the stored articles with a
        chunk at least this similar to one of them, closest first (one Chroma query for all)."""
        flat = [v for vectors in probes for v in vectors]
        if not flat:  # an empty collection needs no count first: Chroma answers with no results
            return [[] for _ in probes]
        res = self.chunks.query(query_embeddings=np.asarray(flat).tolist(), n_results=k,
                                include=["metadatas", "distances"])
        out: list[list[tuple[str, str]]] = []
        row = 0
        for vectors in probes:
            found: dict[str, tuple[float, str]] = {}
            for metas, dists in zip(res["metadatas"][row : row + len(vectors)], res["distances"][row : row + len(vectors)]):
                for meta, dist in zip(metas, dists):
                    similarity, article_id = 1.0 - float(dist), str(meta["article_id"])
                    if similarity >= min_similarity and similarity > found.get(article_id, (-1.0, ""))[0]:
                        found[article_id] = (similarity, str(meta.get("group") or article_id))
            row += len(vectors)
            out.append([(i, g) for i, (_, g) in sorted(found.items(), key=lambda kv: -kv[1][0])])
        return out

    def get_chunks(self, ids: Sequence[str]) -> list[ChunkHit]:
        by_id: dict[str, ChunkHit] = {}
        ids = list(ids)
        for lo in range(0, len(ids), 1000):  # SQLite caps the variables of one statement
            got = self.chunks.get(ids=ids[lo : lo + 1000], include=["documents", "metadatas"])
            by_id.update((i, ChunkHit(self._chunk(i, d, m), 0.0, m))
                         for i, d, m in zip(got["ids"], got["documents"], got["metadatas"]))
        return [by_id[i] for i in ids if i in by_id]

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every chunk, page by page."""
        for page in self._pages(self.chunks, ["documents", "metadatas"]):
            for i, doc, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                yield i, _chunk_text(doc, meta), meta

    def chunk_ids(self) -> list[str]:
        return [i for i, _ in self._iter_meta(self.chunks, with_meta=False)]

    def _iter_meta(self, collection, with_meta: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
        for page in self._pages(collection, ["metadatas"] if with_meta else []):
            yield from zip(page["ids"], page["metadatas"] if with_meta else [{}] * len(page["ids"]))

    @staticmethod
    def _pages(collection, include: list[str]) -> Iterator[dict[str, Any]]:
        """Every record of a collection, ``_PAGE`` at a time (Chroma caps how much one call returns)."""
        offset = 0
        while True:
            page = collection.get(include=include, limit=_PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    @staticmethod
    def _chunk(chunk_id: str, doc: str | None, meta: dict[str, Any]) -> Chunk:
        return Chunk(
            id=chunk_id, article_id=meta["article_id"], text=_chunk_text(doc, meta), start=meta["start"], end=meta["end"], index=meta.get("index", 0)
        )

    @staticmethod
    def _info(article_id: str, meta: dict[str, Any]) -> ArticleInfo:
        return ArticleInfo(
            id=article_id,
            title=meta.get("title") or "Untitled article",
            source=_none_if_blank(meta.get("source")),
            url=_none_if_blank(meta.get("url")),
            published=_none_if_blank(meta.get("published")),
            author=_none_if_blank(meta.get("author")),
            path=_none_if_blank(meta.get("path")),
            ingested_at=_none_if_blank(meta.get("ingested_at")),
            n_chunks=int(meta.get("n_chunks", 0)),
            n_chars=int(meta.get("n_chars", 0)),
            group=_none_if_blank(meta.get("group")) or article_id,
        )


def reset_index(index_dir: Path, chroma_url: str | None = None, prefix: str = "news") -> list[str]:
    """Delete what the store wrote: the embedded ``<index_dir>/chroma`` folder, or on a Chroma server this
    assistant's two collections (whatever model they were built with). Returns what was removed."""
    removed: list[str] = []
    if chroma_url:
        client, _ = _open_client(Path(index_dir), chroma_url)
        existing = {getattr(c, "name", c) for c in client.list_collections()}
        for name in (f"{prefix}_chunks", f"{prefix}_articles"):
            if name in existing:
                client.delete_collection(name)
                removed.append(f"{chroma_url} collection {name}")
        return removed
    target = Path(index_dir) / "chroma"
    if target.exists():
        remove_tree(target, Path(index_dir))
        removed.append(str(target))
    return removed


def remove_tree(target: Path, index_dir: Path) -> None:
    """Delete a folder of the index, or raise IndexNotWritableError (nothing removed) when it is read-only."""
    import os
    import shutil

    folders = [target.parent, *(Path(root) for root, _, _ in os.walk(target))]
    if not all(folder_is_writable(folder) for folder in folders):  # check first: never leave half an index
        raise IndexNotWritableError(read_only_message(index_dir, "be reset"))
    try:
        shutil.rmtree(target)
    except OSError as exc:
        raise IndexNotWritableError(f"{read_only_message(index_dir, 'be reset')} ({exc})") from exc
