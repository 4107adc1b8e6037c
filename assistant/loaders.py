"""One reader per file format: bytes on disk -> :class:`RawDocument` (text + whatever metadata the file has).

Readers raise :class:`IngestError` subclasses whose message is the reason shown to the user. JSON/JSONL
readers return one document per record and report bad records without dropping the good ones.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import EmptyDocumentError, FileTooLargeError, IngestError, UnsupportedFormatError
from .models import RawDocument

TEXT_KEYS = ("text", "body", "content", "articleBody", "article", "passage")
DATE_KEYS = ("published", "date", "published_at", "publishedAt", "datePublished", "pubdate")


@dataclass
class LoadResult:
    documents: list[RawDocument] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, reason) for records that failed


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes, path: str) -> str:
    """Bytes -> str: BOMs first, then UTF-8, then a detected encoding. Binary data is refused."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    head = data[:65536]
    if b"\x00" in head:
        raise IngestError(f"{path}: looks like a binary file, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    best = matches[0] if matches else None
    # Several code pages often fit equally well; among equals prefer the common Western ones (cp1252, latin-1).
    for match in matches:
        if best is not None and match.encoding in ("cp1252", "latin_1", "iso8859_15") and (
            match.chaos <= best.chaos and match.coherence >= best.coherence
        ):
            best = match
            break
    text = str(best) if best is not None else data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:65536]) // 100):
        raise IngestError(f"{path}: looks like a binary file, not text")
    return text


def parse_date(value: Any) -> date | None:
    """A date from a record field or a header line; None when it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 0 < value < 10**11:
        return datetime.utcfromtimestamp(value).date()
    text = str(value).strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    try:
        import dateparser

        parsed = dateparser.parse(text, settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False})
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    return parsed.date() if parsed else None


# --------------------------------------------------------------------------- plain text and markdown

_HEADER = re.compile(r"^(title|headline|source|publisher|url|link|date|published|author|by)\s*:\s*(.+)$", re.I)
_HEADER_FIELD = {
    "title": "title", "headline": "title", "source": "source", "publisher": "source", "url": "url",
    "link": "url", "date": "published", "published": "published", "author": "author", "by": "author",
}


def _split_header(text: str) -> tuple[dict[str, str], str]:
    """A leading block of ``Key: value`` lines (or YAML front matter) -> metadata, rest of the text."""
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":  # front matter
        try:
            end = next(i for i in range(1, min(len(lines), 60)) if lines[i].strip() == "---")
        except StopIteration:
            end = None
        if end is not None:
            meta = {}
            for line in lines[1:end]:
                m = _HEADER.match(line.strip().replace('"', ""))
                if m:
                    meta[_HEADER_FIELD[m[1].lower()]] = m[2].strip()
            return meta, "\n".join(lines[end + 1 :])
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and i < 12:
        m = _HEADER.match(lines[i].strip())
        if not m:
            break
        meta.setdefault(_HEADER_FIELD[m[1].lower()], m[2].strip())
        i += 1
    if not meta:
        return {}, text
    return meta, "\n".join(lines[i:])


def _markdown_to_text(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> their text
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)  # heading marks
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.M)  # block quotes
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)  # bold
    text = re.sub(r"^\s*[-*_]{3,}\s*$", "", text, flags=re.M)  # rules
    return text


def _text_document(path: str, text: str, markdown: bool = False) -> RawDocument:
    meta, body = _split_header(text)
    title = meta.get("title")
    if markdown:
        heading = re.search(r"^\s{0,3}#\s+(.+)$", body, flags=re.M)
        if heading and not title:
            title = heading.group(1).strip()
        body = _markdown_to_text(body)
    return RawDocument(
        text=body,
        path=path,
        title=title,
        source=meta.get("source"),
        url=meta.get("url"),
        published=parse_date(meta.get("published")),
        author=meta.get("author"),
    )


def load_text(path: str, data: bytes) -> LoadResult:
    return LoadResult([_text_document(path, decode_bytes(data, path))])


def load_markdown(path: str, data: bytes) -> LoadResult:
    return LoadResult([_text_document(path, decode_bytes(data, path), markdown=True)])


# --------------------------------------------------------------------------- HTML


def load_html(path: str, data: bytes) -> LoadResult:
    """Main text and metadata of a web page (trafilatura, precision-oriented)."""
    import trafilatura

    html = decode_bytes(data, path)
    if not re.search(r"<\s*(html|body|p|div|article|h1|span|br)\b", html[:200_000], re.I):
        # not really HTML: treat it as text rather than losing it
        return LoadResult([_text_document(path, html)])
    try:
        doc = trafilatura.bare_extraction(
            html, favor_precision=True, with_metadata=True, include_comments=False, include_tables=True
        )
    except (RecursionError, ValueError, TypeError) as exc:
        raise IngestError(f"{path}: could not parse the HTML ({type(exc).__name__})") from exc
    if doc is None or not (doc.text or "").strip():
        raise EmptyDocumentError(f"{path}: no article text found in the HTML page")
    return LoadResult(
        [
            RawDocument(
                text=doc.text,
                path=path,
                title=doc.title,
                source=doc.sitename or doc.hostname,
                url=doc.url,
                published=parse_date(doc.date),
                author=doc.author,
            )
        ]
    )


# --------------------------------------------------------------------------- JSON and JSONL


def _record_document(path: str, record: Any, index: int) -> RawDocument:
    if isinstance(record, str):
        record = {"text": record}
    if not isinstance(record, dict):
        raise IngestError(f"expected an object with a 'text' field, got {type(record).__name__}")
    text = next((record[k] for k in TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
    if text is None:
        raise IngestError(f"no text: the record needs one of the fields {', '.join(TEXT_KEYS[:3])}")

    def _str(*keys: str) -> str | None:
        for key in keys:
            value = record.get(key)
            if isinstance(value, (str, int, float)) and str(value).strip():
                return str(value).strip()
        return None

    published = next((parse_date(record[k]) for k in DATE_KEYS if record.get(k) not in (None, "")), None)
    return RawDocument(
        text=text,
        path=path,
        record=index,
        title=_str("title", "headline", "name"),
        source=_str("source", "publisher", "site", "sitename"),
        url=_str("url", "link"),
        published=published,
        author=_str("author", "byline"),
    )


def load_json(path: str, data: bytes) -> LoadResult:
    text = decode_bytes(data, path)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        if "\n{" in text or text.lstrip().startswith("{") and text.count("\n") > 0:
            return load_jsonl(path, data)  # a .json file holding JSON lines
        raise IngestError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(payload, dict):
        records = next((payload[k] for k in ("articles", "items", "data", "records") if isinstance(payload.get(k), list)), None)
        records = records if records is not None else [payload]
    elif isinstance(payload, list):
        records = payload
    else:
        raise IngestError(f"{path}: expected a JSON object or a list of objects")
    result = LoadResult()
    for i, record in enumerate(records):
        try:
            result.documents.append(_record_document(path, record, i))
        except IngestError as exc:
            result.errors.append((f"{path}#{i}", str(exc)))
    return result


def load_jsonl(path: str, data: bytes) -> LoadResult:
    result = LoadResult()
    for lineno, line in enumerate(decode_bytes(data, path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            result.documents.append(_record_document(path, record, lineno))
        except json.JSONDecodeError as exc:
            result.errors.append((f"{path}:{lineno}", f"line {lineno} is not valid JSON ({exc.msg})"))
        except IngestError as exc:
            result.errors.append((f"{path}:{lineno}", f"line {lineno}: {exc}"))
    return result


# --------------------------------------------------------------------------- PDF


def load_pdf(path: str, data: bytes) -> LoadResult:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise IngestError(f"{path}: not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise IngestError(f"{path}: the PDF is password-protected; save an unprotected copy first")
            except NotImplementedError as exc:
                raise IngestError(f"{path}: the PDF is encrypted with an unsupported method") from exc
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= 2000:
                break
            pages.append(page.extract_text() or "")
        info = reader.metadata or {}
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise IngestError(f"{path}: the PDF could not be read ({exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise EmptyDocumentError(
            f"{path}: the PDF has no text layer (a scanned image?); run OCR on it first, e.g. ocrmypdf"
        )
    title = info.get("/Title") if isinstance(info.get("/Title"), str) else None
    author = info.get("/Author") if isinstance(info.get("/Author"), str) else None
    return LoadResult([RawDocument(text=text, path=path, title=title or None, author=author or None)])


# --------------------------------------------------------------------------- dispatch

LOADERS: dict[str, Callable[[str, bytes], LoadResult]] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".xhtml": load_html,
    ".json": load_json,
    ".jsonl": load_jsonl,
    ".ndjson": load_jsonl,
    ".pdf": load_pdf,
}


def supported_suffix(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-2:] and suffixes[-1] == ".gz" and len(suffixes) >= 2 and suffixes[-2] in LOADERS:
        return suffixes[-2] + ".gz"
    return suffixes[-1] if suffixes and suffixes[-1] in LOADERS else None


def load_bytes(path: str, data: bytes, suffix: str, max_bytes: int | None = None) -> LoadResult:
    if suffix.endswith(".gz"):
        import zlib

        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            data = inflater.decompress(data, max_bytes + 1 if max_bytes else 0)
        except zlib.error as exc:
            raise IngestError(f"{path}: not a valid gzip file ({exc})") from exc
        if max_bytes and len(data) > max_bytes:
            raise FileTooLargeError(f"{path}: unpacks to more than the {max_bytes // 2**20} MB limit")
        suffix = suffix[:-3]
    loader = LOADERS.get(suffix)
    if loader is None:
        raise UnsupportedFormatError(
            f"{path}: unsupported file type '{suffix}'; supported: {', '.join(sorted(LOADERS))}"
        )
    if not data.strip():
        raise EmptyDocumentError(f"{path}: the file is empty")
    return loader(path, data)
