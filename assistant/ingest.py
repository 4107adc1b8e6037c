"""Files and folders -> cleaned :class:`Article` objects with metadata and a content-hash id.

This module reads and cleans; it never writes to the index (``api.Assistant.ingest`` does that).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .cleaning import clean_text
from .errors import EmptyDocumentError, FileTooLargeError, IngestError
from .loaders import DATE_KEYS, LOADERS, TEXT_KEYS, LoadResult, load_bytes, parse_date, supported_suffix
from .models import Article, RawDocument
from .textutil import normalize_space


@dataclass
class FileItem:
    """One file found under the paths given to ingest, or the reason it cannot be read."""

    path: str
    suffix: str | None = None
    problem: str | None = None  # set when the file is skipped or missing
    missing: bool = False


@dataclass
class FileArticles:
    """What one file gave: its articles, and failures of single records (JSON/JSONL lines)."""

    path: str
    articles: list[Article] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def discover(paths: Iterable[str | os.PathLike]) -> Iterator[FileItem]:
    """Every file under ``paths`` (folders recursively, hidden entries skipped, symlinked folders not followed)."""
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            yield FileItem(str(path), problem=f"{path}: no such file or folder", missing=True)
        elif path.is_dir():
            top = path.resolve()
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    file = Path(root) / name
                    if file.is_symlink():
                        try:
                            target = file.resolve(strict=True)
                        except (OSError, RuntimeError):  # dangling link or a loop
                            yield FileItem(str(file), problem="broken symbolic link (missing target or a loop)")
                            continue
                        if not target.is_relative_to(top):
                            yield FileItem(str(file), problem=f"symbolic link to {target}, outside {top}: not followed")
                            continue
                    yield _file_item(file)
        else:
            yield _file_item(path)


def _file_item(path: Path) -> FileItem:
    suffix = supported_suffix(path)
    if suffix is None:
        kind = path.suffix or "(no extension)"
        return FileItem(str(path), problem=f"unsupported file type {kind}; supported: {', '.join(sorted(LOADERS))}")
    if not path.is_file():
        return FileItem(str(path), problem="not a regular file")
    return FileItem(str(path), suffix=suffix)


def read_file(item: FileItem, max_bytes: int) -> LoadResult:
    size = os.path.getsize(item.path)
    if size > max_bytes:
        raise FileTooLargeError(
            f"{item.path}: {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit "
            "(raise ASSISTANT_MAX_FILE_MB or split the file)"
        )
    try:
        with open(item.path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(f"{item.path}: cannot read the file ({exc.strerror})") from exc
    return load_bytes(item.path, data, item.suffix or "", max_bytes=max_bytes)


def load_articles(item: FileItem, max_bytes: int) -> FileArticles:
    """Read, clean and give metadata to every article in one file. Raises IngestError for a bad file."""
    loaded = read_file(item, max_bytes)
    out = FileArticles(item.path, errors=list(loaded.errors))
    for raw in loaded.documents:
        try:
            out.articles.append(to_article(raw))
        except IngestError as exc:
            if raw.record is None:
                raise
            out.errors.append((raw.source_key, str(exc)))
    if not out.articles and not out.errors:
        raise EmptyDocumentError(f"{item.path}: nothing to ingest")
    return out


_FIELDS = {"title": ("title", "headline"), "source": ("source", "publisher", "site"), "url": ("url", "link"),
           "author": ("author", "byline"), "path": ("path",)}
DATE_FORMATS = "e.g. 2024-05-01, 2024-05-01T10:00:00Z, May 1, 2024 or 1 May 2024"


def document_from_record(record: Any, number: int) -> RawDocument:
    """In-memory record ``number`` of ``add_documents`` -> RawDocument, read like a JSON file's record: the same
    field names and date formats. Raises IngestError saying which field is wrong and what it should be.

    Without a ``path`` it is ``<memory>#number`` (a title, if missing, comes from its text, as for JSON records)."""
    if not isinstance(record, Mapping):
        raise IngestError(f"<memory>#{number}: expected a dict with a 'text' field (or a RawDocument), "
                          f"got {type(record).__name__}")
    where = str(record.get("path") or f"<memory>#{number}")
    key = next((k for k in TEXT_KEYS if record.get(k) is not None), None)
    if key is None:
        raise IngestError(f"{where}: no text: the record needs a 'text' field (or {', '.join(TEXT_KEYS[1:3])})")
    if not isinstance(record[key], str):
        raise IngestError(f"{where}: '{key}' must be a string (the article text), got {type(record[key]).__name__}")
    fields: dict[str, Any] = {}
    for name, keys in _FIELDS.items():
        key_found = next((k for k in keys if record.get(k) not in (None, "")), None)
        if key_found is None:
            continue
        value = record[key_found]
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise IngestError(f"{where}: '{key_found}' must be a string, got {type(value).__name__}")
        fields[name] = str(value).strip() or None
    date_key = next((k for k in DATE_KEYS if record.get(k) not in (None, "")), None)
    if date_key is not None:
        value = record[date_key]
        if not isinstance(value, (str, int, float, date)) or isinstance(value, bool):
            raise IngestError(f"{where}: '{date_key}' must be a date or a string ({DATE_FORMATS}), "
                              f"got {type(value).__name__}")
        fields["published"] = parse_date(value)
        if fields["published"] is None:
            raise IngestError(f"{where}: '{date_key}' {value!r} is not a date I can read ({DATE_FORMATS})")
    if not fields.get("path"):
        fields.update(path="<memory>", record=number)
    return RawDocument(text=record[key], **fields)


def article_id(text: str) -> str:
    """Content hash of the normalised text: whitespace and case differences do not make a new article."""
    return hashlib.sha256(normalize_space(text).lower().encode("utf-8")).hexdigest()[:32]


def to_article(raw: RawDocument) -> Article:
    text = clean_text(raw.text)
    if not text or not re.search(r"\w", text):
        raise EmptyDocumentError(f"{raw.source_key}: no text left after cleaning (empty or only page furniture)")
    title = normalize_space(raw.title or "") or _title_from(text, raw)
    source = raw.source or (urlparse(raw.url).hostname if raw.url else None)
    if source and source.startswith("www."):
        source = source[4:]
    return Article(
        id=article_id(text),
        title=title[:300],
        source=source,
        url=raw.url,
        published=raw.published,
        author=raw.author,
        text=text,
        path=raw.source_key,
        ingested_at=datetime.now(timezone.utc),
    )


def _title_from(text: str, raw: RawDocument) -> str:
    first = text.split("\n", 1)[0].strip()
    if 0 < len(first) <= 120 and not first.endswith((".", ",", ";", ":")) and len(text) > len(first):
        return first
    stem = Path(raw.path).name.split(".")[0]
    stem = re.sub(r"[-_]+", " ", stem).strip()
    if raw.record is not None:
        return normalize_space(text[:80]).rsplit(" ", 1)[0] + "…" if len(text) > 80 else normalize_space(text)
    return stem[:1].upper() + stem[1:] if stem else "Untitled article"
