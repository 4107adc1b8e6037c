"""BM25 keyword index over the chunks (bm25s), persisted beside the Chroma index.

Each build is written to a fresh ``bm25/gen-N`` folder; ``bm25/manifest.json`` is then replaced atomically
(temp file + rename) to point at it. The manifest records a digest of the chunk ids it covers, so a reader
can tell whether the keyword index is in step with Chroma and rebuild it when it is not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .textutil import terms

log = logging.getLogger(__name__)


def ids_digest(ids: Iterable[str]) -> str:
    h = hashlib.sha256()
    for chunk_id in sorted(ids):
        h.update(chunk_id.encode())
        h.update(b"\n")
    return h.hexdigest()


class KeywordIndex:
    """BM25 over chunk texts, plus document frequencies for term-overlap scoring."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else None
        self.ids: list[str] = []
        self.digest = ids_digest([])
        self.df: Counter[str] = Counter()
        self._bm25 = None
        self._vocab: set[str] = set()
        self._lock = threading.Lock()

    @property
    def n_docs(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        n = max(self.n_docs, 1)
        return math.log(1 + (n - self.df.get(term, 0) + 0.5) / (self.df.get(term, 0) + 0.5))

    # ------------------------------------------------------------------ build / search

    def build(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        import bm25s

        tokens = [terms(t) or ["_empty_"] for t in texts]
        df: Counter[str] = Counter()
        for toks in tokens:
            df.update(set(toks))
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        with self._lock:
            self.ids, self.df, self._bm25 = list(ids), df, bm25
            self._vocab = set(df)
            self.digest = ids_digest(ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        with self._lock:
            bm25, ids, vocab = self._bm25, self.ids, self._vocab
        q = [t for t in dict.fromkeys(terms(query)) if t in vocab]
        if bm25 is None or not q:
            return []
        docs, scores = bm25.retrieve([q], k=min(k, len(ids)), show_progress=False, n_threads=1)
        return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    # ------------------------------------------------------------------ persistence

    def _manifest_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "manifest.json"

    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        old = self._read_manifest()
        generation = int(old.get("generation", 0)) + 1 if old else 1
        gen_dir = self.folder / f"gen-{generation}"
        if gen_dir.exists():
            shutil.rmtree(gen_dir)
        gen_dir.mkdir()
        if self._bm25 is not None:
            self._bm25.save(str(gen_dir / "bm25"), show_progress=False)
        (gen_dir / "ids.json").write_text(json.dumps(self.ids))
        (gen_dir / "df.json").write_text(json.dumps(self.df))
        manifest = {"generation": generation, "digest": self.digest, "n_chunks": len(self.ids)}
        tmp = self.folder / f".manifest-{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            json.dump(manifest, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._manifest_path())  # the commit point
        for stale in self.folder.glob("gen-*"):
            if stale.name != gen_dir.name:
                shutil.rmtree(stale, ignore_errors=True)

    def _read_manifest(self) -> dict:
        try:
            return json.loads(self._manifest_path().read_text())
        except (OSError, ValueError):
            return {}

    def load(self) -> bool:
        """Load the committed generation. False when there is none or it is unreadable."""
        if self.folder is None:
            return False
        manifest = self._read_manifest()
        gen_dir = self.folder / f"gen-{manifest.get('generation')}"
        if not manifest or not gen_dir.is_dir():
            return False
        try:
            import bm25s

            ids = json.loads((gen_dir / "ids.json").read_text())
            df = Counter(json.loads((gen_dir / "df.json").read_text()))
            bm25 = bm25s.BM25.load(str(gen_dir / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError, EOFError) as exc:  # a crash can leave empty files
            log.warning("keyword index in %s unreadable (%s); it will be rebuilt", gen_dir, exc)
            return False
        with self._lock:
            self.ids, self.df, self._bm25 = ids, df, bm25
            self._vocab = set(df)
            self.digest = manifest["digest"]
        return True
