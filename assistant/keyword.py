"""The keyword index: BM25 over chunk texts in SQLite FTS5, updated in place, beside the Chroma index.

One file, ``<folder>/keyword.sqlite``: an FTS5 table of the chunks' stemmed terms (``textutil.terms``, so keyword
search and the readers' term overlap share one vocabulary), a table mapping its rows to chunk and article ids
that also caches each chunk's sentence boundaries and vectors (``sentence_vectors``), a table of each article's
near-copy group and outlet (``group_members``: an indexed lookup where Chroma's metadata filter takes ~5 ms at
100k chunks), and a ``meta`` table.
Adding or deleting an article touches only its rows, in one transaction, so a change costs milliseconds at any
size and a kill mid-write rolls back. Document frequencies for IDF come from FTS5's own
vocabulary table.

The index is a cache of the Chroma collection, never a second source of truth: the ``Index`` marks it ``dirty``
before it writes to Chroma and clean once both stores agree, and brings it in step with Chroma (by chunk ids) when
it opens dirty, when the chunk counts differ, or when the file is missing or corrupt.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .errors import StoreError
from .textutil import terms

log = logging.getLogger(__name__)

FILENAME = "keyword.sqlite"
SCHEMA = "2"
_PLAIN = re.compile(r"^[0-9a-z]+$")
COMMON, PRUNE_FROM = 0.2, 10_000  # see KeywordIndex.search
BUSY_TIMEOUT = 30.0  # seconds to wait for another process's write to the same file

# (chunk id, article id, text), optionally followed by (sentence bounds, sentence vectors) or None, then the
# article's near-copy group and outlet (without them the article is its own group, outlet unknown)
Row = tuple


def token(term: str) -> str:
    """A term as one FTS5 token: plain ASCII words as they are, anything else (accents, apostrophes) hex-coded,
    so FTS5's tokenizer never splits or folds what ``textutil.terms`` produced."""
    return term if _PLAIN.match(term) else "xq" + term.encode("utf-8").hex()


def _tokens(text: str) -> str:
    return " ".join(token(t) for t in terms(text))


class KeywordIndex:
    """BM25 keyword search over chunks, plus document frequencies for term-overlap scoring.

    ``folder`` None keeps the index in memory (a read-only index folder)."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else None
        self._lock = threading.RLock()
        self._df: dict[str, int] = {}
        self._count: int | None = None
        self.recovered = False  # the file was unreadable and was started afresh
        self._db = self._open()

    # ------------------------------------------------------------------ opening

    @property
    def path(self) -> Path | None:
        return self.folder / FILENAME if self.folder else None

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            return self._connect(":memory:")
        self.folder.mkdir(parents=True, exist_ok=True)
        _remove_old_format(self.folder)
        try:
            db = self._connect(str(self.path))
            found = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            db.execute("SELECT count(*) FROM docs").fetchone()
            if found[0] != SCHEMA:
                db.close()
                raise sqlite3.DatabaseError(f"schema {found[0]}, expected {SCHEMA}")
            return db
        except sqlite3.OperationalError as exc:  # locked by another process, or no permission: not corruption
            raise StoreError(f"cannot open the keyword index {self.path} ({exc}): if another process is writing to "
                             "this index, retry when it is done; otherwise check the folder's permissions") from exc
        except sqlite3.DatabaseError as exc:  # not a database, truncated, or an old schema: it is only a cache
            log.warning("keyword index %s unreadable (%s); it will be rebuilt from Chroma", self.path, exc)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.recovered = True
            return self._connect(str(self.path))

    @staticmethod
    def _connect(where: str) -> sqlite3.Connection:
        db = sqlite3.connect(where, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT)
        db.execute("PRAGMA journal_mode=WAL" if where != ":memory:" else "PRAGMA journal_mode=MEMORY")
        db.execute("PRAGMA synchronous=NORMAL")
        with db:
            db.execute("BEGIN")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS docs (rowid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, "
                       "article_id TEXT NOT NULL, bounds TEXT, vectors BLOB)")
            db.execute("CREATE INDEX IF NOT EXISTS docs_article ON docs(article_id)")
            new_table = not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'groups'").fetchone()
            db.execute("CREATE TABLE IF NOT EXISTS groups (article_id TEXT PRIMARY KEY, grp TEXT NOT NULL, source TEXT)")
            db.execute("CREATE INDEX IF NOT EXISTS groups_grp ON groups(grp)")
            if new_table:  # a file from before the table: its articles' groups are filled in by ``fill_groups``
                empty = not db.execute("SELECT 1 FROM docs LIMIT 1").fetchone()
                db.execute("INSERT OR REPLACE INTO meta VALUES ('groups', ?)", ("1" if empty else "0",))
            db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(body, tokenize='unicode61 remove_diacritics 0')")
            db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, 'row')")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('version', '0'), ('dirty', '0')", (SCHEMA,))
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ state

    def _meta(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    @property
    def n_docs(self) -> int:
        with self._lock:
            if self._count is None:
                self._count = self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
            return self._count

    @property
    def version(self) -> str:
        """Changes with every write: a cache key for anything derived from the indexed chunks."""
        with self._lock:
            return self._meta("version")

    @property
    def dirty(self) -> bool:
        """True between ``mark_dirty`` and the next ``sync``/``commit_write``: a write may be half done."""
        with self._lock:
            return self._meta("dirty") == "1"

    def mark_dirty(self) -> None:
        with self._lock:
            self._db.execute("UPDATE meta SET value = '1' WHERE key = 'dirty'")

    @property
    def groups_complete(self) -> bool:
        """Whether the groups table covers every article (false for a file written before it existed)."""
        with self._lock:
            return self._meta("groups") == "1"

    def fill_groups(self, groups: Iterable[tuple[str, str, str | None]]) -> None:
        """Record (article id, group, outlet) for articles written before the groups table existed."""
        rows = list(groups)

        def body(db):
            db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?, ?)", rows)
            db.execute("UPDATE meta SET value = '1' WHERE key = 'groups'")
        self._write(body, clean=False, bump=False)

    def group_members(self, group: str) -> list[tuple[str, str | None]]:
        """(article id, outlet) of the articles in a near-copy group (complete once ``fill_groups`` has run on a
        file written before the table: ``Index`` does that when it opens one)."""
        with self._lock:
            return self._db.execute("SELECT article_id, source FROM groups WHERE grp = ?", (group,)).fetchall()

    def ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT chunk_id FROM docs")}

    # ------------------------------------------------------------------ search

    def df(self, term: str) -> int:
        """How many chunks contain ``term``."""
        cached = self._df.get(term)
        if cached is None:
            with self._lock:
                row = self._db.execute("SELECT doc FROM vocab WHERE term = ?", (token(term),)).fetchone()
            cached = self._df[term] = row[0] if row else 0
        return cached

    def idf(self, term: str) -> float:
        n = max(self.n_docs, 1)
        df = self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Chunk ids and BM25 scores (higher is better) of the chunks sharing a term with ``query``, best first.

        In an index of ``PRUNE_FROM`` chunks or more every matching chunk costs time (~2 microseconds each to rank),
        so three shortcuts apply: terms in more than ``COMMON`` of the chunks are left out when rarer ones remain
        (their IDF adds little); the chunks that hold the rarest term and at least one other are ranked first,
        and only when they are fewer than ``k`` is every chunk with any term ranked; and when every term is that
        common, nothing is returned: ranking tens of thousands of chunks by words that are everywhere tells little
        (the dense retriever ranks alone). At 100k synthetic chunks whose every word is that common, that took
        the median answer from 54 to 22 ms with the same answers (benchmarks/RESULTS.md, "Scaling")."""
        q = list(dict.fromkeys(terms(query)))
        if not q or k <= 0:
            return []
        if self.n_docs >= PRUNE_FROM:
            df = {t: self.df(t) for t in q}
            q = sorted(q, key=df.__getitem__)
            if df[q[0]] > COMMON * self.n_docs:
                return []
            q = [t for i, t in enumerate(q) if i < 2 or df[t] <= COMMON * self.n_docs]
            if len(q) >= 2:
                rows = self._ranked(f'"{token(q[0])}" AND (' + " OR ".join(f'"{token(t)}"' for t in q[1:]) + ")", k)
                if len(rows) >= k:
                    return rows
        return self._ranked(" OR ".join(f'"{token(t)}"' for t in q), k)

    def _ranked(self, match: str, k: int) -> list[tuple[str, float]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT d.chunk_id, -f.rank FROM (SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?)"
                " AS f JOIN docs AS d ON d.rowid = f.rowid ORDER BY f.rank", (match, k)).fetchall()
        return [(chunk_id, float(score)) for chunk_id, score in rows]

    # ------------------------------------------------------------------ cached sentence vectors

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """The stored (sentence bounds, sentence vectors) of these chunks, where there are any."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, tuple[str, bytes]] = {}
        with self._lock:
            for lo in range(0, len(ids), 500):
                part = ids[lo : lo + 500]
                out.update((c, (b, v)) for c, b, v in self._db.execute(
                    f"SELECT chunk_id, bounds, vectors FROM docs WHERE vectors IS NOT NULL AND chunk_id IN "
                    f"({','.join('?' * len(part))})", part))
        return out

    def save_sentence_vectors(self, stored: dict[str, tuple[str, bytes]]) -> None:
        """Cache sentence vectors computed at question time (chunks not in the index are ignored)."""
        with self._lock:
            try:
                self._db.executemany("UPDATE docs SET bounds = ?, vectors = ? WHERE chunk_id = ?",
                                     [(b, v, c) for c, (b, v) in stored.items()])
            except sqlite3.OperationalError as exc:  # busy or read-only: they are recomputed next time
                log.warning("could not cache sentence vectors: %s", exc)

    # ------------------------------------------------------------------ writes

    def _write(self, body: Callable[[sqlite3.Connection], None], clean: bool, bump: bool = True) -> None:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                body(db)
                if bump:
                    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
                if clean:
                    db.execute("UPDATE meta SET value = '0' WHERE key = 'dirty'")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                self._df.clear()
                self._count = None

    @staticmethod
    def _delete_rowids(db: sqlite3.Connection, rowids: list[int]) -> None:
        for lo in range(0, len(rowids), 500):
            part = rowids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            db.execute(f"DELETE FROM fts WHERE rowid IN ({marks})", part)
            db.execute(f"DELETE FROM docs WHERE rowid IN ({marks})", part)

    @staticmethod
    def _rowids(db: sqlite3.Connection, column: str, values: Sequence[str]) -> list[int]:
        out: list[int] = []
        for lo in range(0, len(values), 500):
            part = list(values[lo : lo + 500])
            out += [r[0] for r in db.execute(
                f"SELECT rowid FROM docs WHERE {column} IN ({','.join('?' * len(part))})", part)]
        return out

    def _insert(self, db: sqlite3.Connection, rows: Iterable[Row]) -> None:
        rows = list(rows)
        self._delete_rowids(db, self._rowids(db, "chunk_id", [r[0] for r in rows]))
        groups: dict[str, tuple[str, str | None]] = {}
        for chunk_id, article_id, text, *extra in rows:
            bounds, vectors = extra[0] if extra and extra[0] else (None, None)
            rowid = db.execute("INSERT INTO docs (chunk_id, article_id, bounds, vectors) VALUES (?, ?, ?, ?)",
                               (chunk_id, article_id, bounds, vectors)).lastrowid
            db.execute("INSERT INTO fts (rowid, body) VALUES (?, ?)", (rowid, _tokens(text)))
            groups[article_id] = ((extra[1] if len(extra) > 1 else None) or article_id,
                                  extra[2] if len(extra) > 2 else None)
        db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?, ?)", [(a, g, s) for a, (g, s) in groups.items()])

    @staticmethod
    def _drop_groups(db: sqlite3.Connection, article_ids: Sequence[str] | None = None) -> None:
        """Forget the groups of these articles, or (None) of every article left without a chunk."""
        if article_ids is None:
            db.execute("DELETE FROM groups WHERE article_id NOT IN (SELECT article_id FROM docs)")
            return
        for lo in range(0, len(article_ids), 500):
            part = list(article_ids[lo : lo + 500])
            db.execute(f"DELETE FROM groups WHERE article_id IN ({','.join('?' * len(part))})", part)

    def update(self, add: Iterable[Row] = (), delete_articles: Sequence[str] = (), clean: bool = False) -> None:
        """Add (or replace) chunks and delete whole articles, in one transaction; ``clean`` clears ``dirty``."""
        add = list(add)
        if not add and not delete_articles:
            if clean:
                self.commit_write()
            return

        def body(db):
            self._delete_rowids(db, self._rowids(db, "article_id", list(delete_articles)))
            self._drop_groups(db, list(delete_articles))
            self._insert(db, add)
        self._write(body, clean)

    def commit_write(self) -> None:
        """The write that ``mark_dirty`` announced is in both stores."""
        self._write(lambda db: None, clean=True, bump=False)

    def build(self, rows: Iterable[Row]) -> None:
        """Replace everything with ``rows`` (and clear ``dirty``)."""

        def body(db):
            db.execute("DELETE FROM fts")
            db.execute("DELETE FROM docs")
            db.execute("DELETE FROM groups")
            self._insert(db, rows)
        self._write(body, clean=True)

    def sync(self, chunk_ids: Iterable[str], fetch: Callable[[list[str]], Iterable[Row]]) -> tuple[int, int]:
        """Make the index cover exactly ``chunk_ids`` (Chroma's): delete the others, add the missing ones with
        ``fetch(ids)``; clears ``dirty``. Returns (added, deleted)."""
        wanted = set(chunk_ids)
        have = self.ids()
        extra, missing = sorted(have - wanted), sorted(wanted - have)
        rows = list(fetch(missing)) if missing else []

        def body(db):
            self._delete_rowids(db, self._rowids(db, "chunk_id", extra))
            if extra:
                self._drop_groups(db)
            self._insert(db, rows)
        self._write(body, clean=True, bump=bool(rows or extra))
        self.recovered = False  # whatever the unreadable file held, the index now holds exactly ``chunk_ids``
        return len(rows), len(extra)


def _remove_old_format(folder: Path) -> None:
    """Earlier versions kept bm25s generations (``gen-N``, ``manifest.json``) here: a cache, replaced by the file."""
    for old in folder.glob("gen-*"):
        shutil.rmtree(old, ignore_errors=True)
    (folder / "manifest.json").unlink(missing_ok=True)
