"""Gradio web chat over :class:`Assistant`. The only module that imports gradio.

Everything goes through the Assistant API (this module never touches chromadb or sentence_transformers).
Article data is untrusted: every title, quote and article text is HTML-escaped (and Markdown-escaped in the
chat) before it reaches the page. Nothing is loaded from the internet: system fonts, no CDN, no analytics.
Conversations live in the browser (``gr.BrowserState``); ``chats.py`` holds their logic.
"""

from __future__ import annotations

import copy
import html
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import gradio as gr  # this module is imported only by `app.py` and `assistant serve`
from pydantic import ValidationError

from . import chats as C
from .answer import refusal_text
from .config import SAMPLES_DIR, Settings
from .errors import AssistantError, IngestError, InvalidQuestionError
from .models import Answer
from .suggest import pick_examples

if TYPE_CHECKING:
    from .api import Assistant
    from .models import Article, ArticleInfo, Citation

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".pdf", ".gz"]
SAMPLE_TYPES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".pdf"}
TRY_INSTEAD = (
    "**What you can try:** ask again with names, places or dates that appear in your articles, "
    "or add articles that cover the topic in the **Add articles** tab."
)
EMPTY_LIBRARY = "No articles are in the library yet, so I can't answer. Add some in the **Add articles** tab."
STOPPED = "*Stopped before the answer was finished. Ask again, or edit the question.*"
ARTICLE_CAP = 60_000  # characters of an article shown around its quotes (news articles are far shorter)

CSS = """
.sources { max-height: 75vh; overflow-y: auto; }
.sources-for { font-size: 0.9em; opacity: 0.85; margin: 0 0 8px; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 10px; }
.source.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.source .meta, .reader .meta { font-size: 0.85em; opacity: 0.85; margin: 2px 0 6px; }
.source .article-text { max-height: 220px; overflow-y: auto; white-space: pre-wrap; font-size: 0.9em;
  line-height: 1.45; padding: 6px; background: var(--background-fill-secondary); border-radius: 6px; }
.source:not(.expanded) .before { display: none; }
.source.expanded .lead { display: none; }
.source.expanded .article-text { max-height: 70vh; }
.source mark, .reader mark { background: #ffe58a; color: #000; padding: 0 2px; }
.source mark.current { background: #ffc400; outline: 2px solid #b07d00; }
.read-more { margin-top: 6px; font-size: 0.85em; text-decoration: underline; background: none; border: none;
  padding: 2px 0; cursor: pointer; color: var(--body-text-color); }
.reader { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; }
.reader .reader-text { white-space: pre-wrap; line-height: 1.5; max-height: 70vh; overflow-y: auto; }
.empty-note { padding: 10px; border-radius: 8px; background: var(--background-fill-secondary); }
#library-summary p { margin: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
details.chip { border: 1px solid var(--border-color-primary); border-radius: 14px; font-size: 0.82em;
  background: var(--background-fill-secondary); max-width: 100%; }
details.chip[open] { border-radius: 8px; flex-basis: 100%; }
details.chip summary { cursor: pointer; padding: 3px 10px; list-style: none; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
details.chip summary::-webkit-details-marker { display: none; }
details.chip .chip-n { font-weight: 700; }
details.chip .chip-quote { margin: 0 10px 8px; padding: 2px 0 2px 8px; font-style: italic; white-space: normal;
  border-left: 3px solid #ffc400; }
details.chip .chip-quote a { font-style: normal; margin-left: 4px; }
.stopped-note { opacity: 0.8; }
:is(button, a, summary, input, textarea, select, [tabindex]):focus-visible {
  outline: 3px solid var(--color-accent) !important; outline-offset: 2px; }
@media (max-width: 640px) { .source .article-text { max-height: 160px; } }
"""

# [n] links and source chips open the matching source card and scroll its text to the highlighted quote;
# "Read the whole article" expands a card. Chips open and close with a click, a tap, Enter or Escape.
HEAD = """
<script>
(function () {
  function activate(n, scrollPage) {
    window.__newsCite = n;
    const mark = document.getElementById("quote-" + n);
    const box = mark ? mark.closest(".source") : document.getElementById("source-" + n);
    document.querySelectorAll(".source.active").forEach(function (el) { el.classList.remove("active"); });
    document.querySelectorAll(".source mark.current").forEach(function (el) { el.classList.remove("current"); });
    if (!box) return;
    box.classList.add("active");
    if (mark) {
      mark.classList.add("current");
      if (mark.closest(".before")) { expand(box, true); }
    }
    if (scrollPage) {
      box.scrollIntoView({block: "nearest"});
      if (mark) mark.scrollIntoView({block: "center"});
    } else if (mark) {
      const text = mark.closest(".article-text");
      if (text) text.scrollTop = mark.offsetTop - text.offsetTop - 30;
    }
  }
  function expand(card, open) {
    card.classList.toggle("expanded", open);
    const button = card.querySelector(".read-more");
    if (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Show less" : "Read the whole article";
    }
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest('a[href^="#cite-"]');
    if (link) {
      event.preventDefault();
      activate(link.getAttribute("href").slice(6), true);
      return;
    }
    const more = event.target.closest(".read-more");
    if (more) {
      const card = more.closest(".source");
      expand(card, !card.classList.contains("expanded"));
      return;
    }
    const summary = event.target.closest("details.chip > summary");
    if (summary) {
      const chip = summary.parentElement;
      const m = /cite-(\\d+)/.exec(chip.className);
      if (m && !chip.open) activate(m[1], false);
      setTimeout(function () { if (chip.open) chip.scrollIntoView({block: "nearest"}); }, 0);
    }
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.chip[open]").forEach(function (d) { d.open = false; });
  });
})();
</script>
"""

# On a narrow screen the list of chats starts folded away (its toggle button opens it).
ON_LOAD_JS = """
() => {
  if (window.innerWidth < 900) {
    const button = document.querySelector('#chats-sidebar .toggle-button');
    const bar = button && button.closest('.sidebar');
    if (bar && bar.classList.contains('open')) button.click();
  }
}
"""


# --------------------------------------------------------------------------- rendering (pure functions)


def md_escape(text: str) -> str:
    """Text shown inside Markdown: HTML escaped and Markdown punctuation backslash-escaped."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>])", r"\\\1", text)


def site_of(source: str | None, url: str | None) -> str:
    """The outlet's name, else the web site of its link, else ''."""
    if source:
        return source
    host = urlparse(url).hostname if url and re.match(r"https?://", url) else None
    return host.removeprefix("www.") if host else ""


def _date(d: date | None) -> str:
    return d.isoformat() if d else "undated"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _by_number(citations: list[Citation]) -> dict[int, list[Citation]]:
    """Citations grouped by their number (quotes of one article share a number), in order."""
    out: dict[int, list[Citation]] = {}
    for c in citations:
        out.setdefault(c.number, []).append(c)
    return out


def chips_html(citations: list[Citation]) -> str:
    """One chip per source under the answer: number, site, date, title; the quote on hover (title) and on a
    click or tap (the chip opens), with a link that shows the quote in its article."""
    chips = []
    for number, cits in _by_number(citations).items():
        c = cits[0]
        label = " · ".join(x for x in (site_of(c.source, c.url), _date(c.published), _short(c.title, 60)) if x)
        quotes = [f"“{_short(q.quote, 300)}”" for q in cits]
        tip = html.escape(f"{' '.join(quotes)} — {c.title}", quote=True)
        shown = " ".join(f"“{html.escape(q.quote)}”" for q in cits)
        chips.append(
            f'<details class="chip cite-{number}"><summary title="{tip}"><span class="chip-n">[{number}]</span> '
            f'{html.escape(label)}</summary><div class="chip-quote">{shown} '
            f'<a href="#cite-{number}">Show in the article</a></div></details>'
        )
    return f'<div class="chips">{"".join(chips)}</div>' if chips else ""


def _linked(text: str, numbers: set[int]) -> str:
    """Escaped text whose [n] markers of real citations are links to their sources."""
    out = []
    for part in re.split(r"(\[\d+\])", text):
        m = re.fullmatch(r"\[(\d+)\]", part)
        out.append(f"[\\[{m.group(1)}\\]](#cite-{m.group(1)})" if m and int(m.group(1)) in numbers else md_escape(part))
    return "".join(out)


def refusal_markdown(text: str, citations: list[Citation] | None = None) -> str:
    """A refusal as the chat shows it: apart from answers, the closest article (if any) as a source, the advice
    said once (ours, not the text's)."""
    if text == refusal_text("", empty_index=True):
        return f"> *{EMPTY_LIBRARY}*"
    said = " ".join(s for s in re.split(r"(?<=[.!?])\s+", text) if not s.startswith("Try "))
    chips = chips_html(citations or [])
    said = _linked(said, {c.number for c in citations or []})
    return f"> *{said}*\n\n" + (f"{chips}\n\n" if chips else "") + TRY_INSTEAD


def answer_markdown(answer: Answer) -> str:
    """The chat message for an answer: escaped text, [n] markers as links to the sources, refusals apart,
    source chips underneath."""
    notes = _notes(answer)
    if answer.refused:
        return f"{notes}{refusal_markdown(answer.text, answer.citations)}"
    chips = chips_html(answer.citations)
    lead = f"**{md_escape(answer.short)}**\n\n" if answer.short else ""  # the answer first, its sentence below
    body = notes + lead + _linked(answer.text, {c.number for c in answer.citations})
    return f"{body}\n\n{chips}" if chips else body


def _notes(answer: Answer) -> str:
    """How the question was understood and answered, in small print over the answer (or '')."""
    notes = []
    if answer.resolved_question:
        notes.append(f"Understood as: {md_escape(answer.resolved_question)}")
    tf = answer.time_filter
    if tf is not None and tf.applied and tf.phrase:
        notes.append(f"Searched articles dated {md_escape(tf.phrase)}")
    elif tf is not None and tf.prefer_recent:
        notes.append("Newest articles first")
    if answer.generator != "none" and not answer.refused:
        notes.append(f"Written by {md_escape(answer.generator)}, every sentence checked against its sources")
    if answer.dropped_sentences:
        notes.append(f"{len(answer.dropped_sentences)} unsupported sentence(s) removed")
    if answer.fallback:
        notes.append(md_escape(C.friendly(answer.fallback)))
    return f"<small><em>{' · '.join(notes)}</em></small>\n\n" if notes else ""


def _visible_start(text: str, start: int) -> int:
    """Where a card's text starts so that its first quote is in view: the start of the quote's paragraph,
    or of a sentence at most ~300 characters before it."""
    cut = text.rfind("\n", 0, start) + 1
    if start - cut > 300:
        window = text[start - 300 : start]
        m = re.search(r"[.!?][\"'”’)]*\s+", window)
        cut = start - 300 + m.end() if m else start
    return cut


def article_html(text: str, quotes: list[tuple[int, int, int]], card: bool = True) -> str:
    """Escaped article text with ``(number, start, end)`` quotes marked. In a card, the text before the first
    quote's paragraph is folded away (shown by "Read the whole article")."""
    quotes = sorted(q for q in quotes if 0 <= q[1] < q[2] <= len(text))
    lo = max(0, quotes[0][1] - ARTICLE_CAP // 2) if quotes else 0
    hi = min(len(text), max(quotes[-1][2] + ARTICLE_CAP // 2, lo + ARTICLE_CAP)) if quotes else min(len(text), ARTICLE_CAP)
    pieces, pos = [], lo
    if card and quotes:
        shown_from = _visible_start(text, quotes[0][1])
        if shown_from > lo:
            pieces.append(f'<span class="before">{html.escape(text[lo:shown_from])}</span><span class="lead">… </span>')
            pos = shown_from
    elif lo > 0:
        pieces.append("… ")
    seen: set[int] = set()
    for number, start, end in quotes:
        anchor = f' id="quote-{number}"' if number not in seen else ""
        seen.add(number)
        if start < pos:  # the same sentence cited twice: an anchor for the second number
            if anchor:
                pieces.append(f"<span{anchor}></span>")
            continue
        pieces.append(html.escape(text[pos:start]) + f"<mark{anchor}>{html.escape(text[start:end])}</mark>")
        pos = end
    pieces.append(html.escape(text[pos:hi]))
    if hi < len(text):
        pieces.append(f" … ({len(text) - hi:,} more characters)")
    return "".join(pieces)


def _meta_line(source: str | None, url: str | None, published: date | None, extra: list[str] | None = None) -> str:
    meta = [html.escape(s) for s in (site_of(source, url),) if s]
    meta.append(_date(published))
    meta += extra or []
    if url and re.match(r"https?://", url):
        meta.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer nofollow">open original</a>')
    return " · ".join(meta)


def sources_html(answer: Answer | None, texts: dict[str, str] | None = None) -> str:
    """One card per cited article: title, site, date, the article text with every quote highlighted, the first
    one in view, and "Read the whole article" (all escaped). Card ``source-<n>`` holds quote ``quote-<n>``."""
    if answer is None:
        return ("<div class='sources'><p><em>The sources of an answer appear here: click a number like [1] or a "
                "source under an answer to see its quote in the article.</em></p></div>")
    if not answer.citations:
        return "<div class='sources'><p><em>No sources: the articles don't answer this question.</em></p></div>"
    by_article: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_article.setdefault(c.article_id, []).append(c)
    items = []
    for cits in by_article.values():
        first = cits[0]
        text = (texts or {}).get(first.article_id)
        valid = [c for c in cits if text is not None and text[c.start : c.end] == c.quote]
        numbers = list(dict.fromkeys(c.number for c in cits))
        if valid and text is not None:
            body = article_html(text, [(c.number, c.start, c.end) for c in valid])
            marked = {c.number for c in valid}
            for c in cits:  # a quote no longer found in the text: shown after it
                if c.number not in marked:
                    body += f' <mark id="quote-{c.number}">{html.escape(c.quote)}</mark>'
                    marked.add(c.number)
            more = '<button type="button" class="read-more" aria-expanded="false">Read the whole article</button>'
        else:  # the article is gone or changed: the quotes alone
            body = " … ".join(f"<mark{_quote_id(c.number, cits[:i])}>{html.escape(c.quote)}</mark>"
                              for i, c in enumerate(cits))
            more = ""
        cited = ", ".join(f"[{n}]" for n in numbers)
        items.append(
            f'<div class="source" id="source-{first.number}" tabindex="-1">'
            f"<div><strong>{html.escape(first.title)}</strong></div>"
            f'<div class="meta">{_meta_line(first.source, first.url, first.published, [f"cited as {cited}"])}</div>'
            f'<div class="article-text" tabindex="0" role="region" aria-label="Text of the article">{body}</div>'
            f"{more}</div>"
        )
    if answer.refused:
        head = ("<p class='sources-for'>The closest article found for "
                f"<q>{html.escape(_short(answer.question, 120))}</q>; it does not answer it.</p>")
    else:
        head = f"<p class='sources-for'>For: <q>{html.escape(_short(answer.question, 120))}</q></p>"
    return "<div class='sources'>" + head + "".join(items) + "</div>"


def _quote_id(number: int, before: list[Citation]) -> str:
    """' id="quote-<n>"' on the first quote of each number (ids are unique on a page), else ''."""
    return f' id="quote-{number}"' if all(c.number != number for c in before) else ""


def reader_html(article: Article | None) -> str:
    """An article to read in the library: title, site, date, file, the whole text (escaped)."""
    if article is None:
        return "<div class='reader'><p><em>Pick an article above (or click a row) to read it here.</em></p></div>"
    extra = [html.escape(Path(re.sub(r"#\d+$", "", article.path)).name)] if article.path else []
    text = article.text if len(article.text) <= 200_000 else article.text[:200_000] + " …"
    return (f"<article class='reader' aria-label='The article'><h3>{html.escape(article.title)}</h3>"
            f"<div class='meta'>{_meta_line(article.source, article.url, article.published, extra)}</div>"
            f"<div class='reader-text' tabindex='0'>{html.escape(text)}</div></article>")


def safe_upload_name(name: str) -> str:
    """A file name that cannot leave the upload folder: last path part, tame characters, no leading dots."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return base[:150] or "upload"


LIBRARY_HEADERS = ["Title", "Source", "Published", "Added", "File"]


def _file_of(path: str | None) -> str:
    return Path(re.sub(r"#\d+$", "", path)).name if path else ""


def _matches(a: ArticleInfo, query: str | None) -> bool:
    q = (query or "").strip().lower()
    return not q or q in f"{a.title} {a.source or ''} {a.url or ''} {a.published or ''} {_file_of(a.path)}".lower()


LIBRARY_PAGE = 500  # rows the library table and the article list show; the filter box finds the others


def _matching(articles: list[ArticleInfo], query: str | None, limit: int) -> tuple[list[ArticleInfo], int]:
    """The first ``limit`` articles that match, and how many match in all."""
    found = [a for a in articles if _matches(a, query)]
    return found[:limit], len(found)


def library_rows(articles: list[ArticleInfo], query: str | None = "", limit: int = LIBRARY_PAGE) -> list[list[Any]]:
    shown, total = _matching(articles, query, limit)
    rows = []
    for a in shown:
        added = a.ingested_at.date().isoformat() if a.ingested_at else ""
        rows.append([a.title, site_of(a.source, a.url) or "—", _date(a.published), added, _file_of(a.path)])
    if total > len(shown):
        rows.append([f"… and {total - len(shown):,} more: type in the filter box to find them", "", "", "", ""])
    return rows


def article_choices(articles: list[ArticleInfo], query: str | None = "", limit: int = LIBRARY_PAGE) -> list[tuple[str, str]]:
    shown, _ = _matching(articles, query, limit)
    return [(f"{_short(a.title, 90)} ({_date(a.published)})", a.id) for a in shown]


def exchange_messages(exchange: dict[str, Any]) -> list[dict[str, str]]:
    """The two chat messages of an exchange: the question, and the answer, error or stopped text."""
    status, text = exchange.get("status"), str(exchange.get("text") or "")
    if status == "answered" and exchange.get("answer"):
        try:
            content = answer_markdown(Answer.model_validate(exchange["answer"]))
        except ValidationError:  # a chat kept by an older version, or damaged in the browser
            content = "*This answer can no longer be shown; ask the question again.*"
    elif status == "pending":
        content = md_escape(text) if text else "*Searching your articles…*"
    elif status == "stopped":
        content = (md_escape(text) + "\n\n" if text else "") + STOPPED
    else:
        content = f"**Problem:** {md_escape(text)}"
    return [{"role": "user", "content": md_escape(C.shown_question(str(exchange.get("question", ""))))},
            {"role": "assistant", "content": content}]


def chat_messages(conversation: dict[str, Any]) -> list[dict[str, str]]:
    return [m for ex in conversation.get("exchanges", []) for m in exchange_messages(ex)]


# --------------------------------------------------------------------------- helpers with state


class _Examples:
    """Example questions for the current library (3 to 5, each checked to be answered from its own article),
    computed once per library state."""

    def __init__(self, assistant: Assistant, n: int = 4):
        self.assistant = assistant
        self.n = n
        self.lock = threading.Lock()
        self.key: tuple[str, ...] | None = None
        self.questions: list[str] = []

    def get(self, articles: list[ArticleInfo]) -> list[str]:
        key = tuple(a.id for a in articles)
        with self.lock:
            if key != self.key:
                newest = [a.id for a in articles[:10]]
                texts = self.assistant.get_articles(newest)
                pairs = [(i, texts[i].text) for i in newest if i in texts]
                self.questions = pick_examples(pairs, self._answerable, self.n)
                self.key = key
            return list(self.questions)

    def warm(self) -> None:
        try:
            self.get(self.assistant.articles())
        except Exception:  # the first page computes them again
            log.exception("could not prepare the example questions")

    def _answerable(self, question: str, article_id: str) -> bool:
        try:
            answer = self.assistant.ask(question)
        except AssistantError:
            return False
        return not answer.refused and any(c.article_id == article_id for c in answer.citations)


def _browser_secret(index_dir: Path) -> str:
    """The key gr.BrowserState scrambles the kept chats with; stable across restarts so they stay readable.

    Gradio hands it to the page, so it hides nothing from the browser's user: chats read back from a browser are
    untrusted data like any other (escaped, validated)."""
    path = index_dir / "ui-secret"
    try:
        if path.exists():
            return path.read_text().strip()
        index_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret)
        return secret
    except OSError as exc:  # a read-only index: chats are kept until the server restarts
        log.warning("could not keep the browser-chat key in %s (%s); saved chats end with this run", path, exc)
        return secrets.token_urlsafe(24)


def _own(conv: dict[str, Any] | None) -> dict[str, Any]:
    """A handler's own copy of the page's conversation (a new one before the page has any)."""
    return copy.deepcopy(conv) if isinstance(conv, dict) and conv.get("id") else C.new_conversation()


def _user_error(exc: Exception) -> str:
    """What the chat says about an error: its own words for the user's mistakes, a plain note for the rest."""
    if isinstance(exc, (InvalidQuestionError, IngestError)):
        return C.friendly(str(exc))
    if isinstance(exc, AssistantError):
        log.warning("question failed: %s", exc)
    return ("Something went wrong on the server while answering, so there is no answer. Try again in a moment; "
            "if it keeps happening, tell the person who runs this app (the details are in its log).")


# --------------------------------------------------------------------------- the app


def build_app(assistant: Assistant) -> gr.Blocks:
    settings = assistant.settings
    index_dir = Path(settings.index_dir)
    upload_dir = index_dir / "uploads"
    export_dir = Path(tempfile.gettempdir()) / "news-assistant-exports"
    max_bytes = int(settings.max_upload_mb * 2**20)
    examples = _Examples(assistant)
    threading.Thread(target=examples.warm, name="examples", daemon=True).start()  # ready for the first page
    files_lock = threading.Lock()  # uploads and deletes decide together which uploaded files are still needed
    showing: dict[str, str] = {}  # page (session) -> the conversation it shows

    # -------------------------------------------------------------- the library as the chat shows it

    def library_view(articles: list[ArticleInfo], with_examples: bool = True):
        """The line over the chat, the empty-library note, and the example questions."""
        if articles:
            note = gr.update(value="", visible=False)
        else:
            note = gr.update(visible=True, value=(
                "<div class='empty-note'><strong>No articles yet.</strong> Add news articles (text, Markdown, web "
                "pages, JSON, PDF) in the <em>Add articles</em> tab, then ask about them here.</div>"))
        summary = C.library_summary([a.published for a in articles])
        if not with_examples:
            return gr.update(value=summary), note
        return gr.update(value=summary), note, examples_update(articles)

    def examples_update(articles: list[ArticleInfo] | None = None):
        articles = assistant.articles() if articles is None else articles
        questions = examples.get(articles) if articles else []
        return gr.update(examples=[{"text": q} for q in questions] or None)

    def library_tables(articles: list[ArticleInfo], query: str = ""):
        return (library_rows(articles, query), gr.update(choices=article_choices(articles, query), value=None))

    # -------------------------------------------------------------- conversation handlers

    def sources_for(exchange: dict[str, Any] | None) -> str:
        if not exchange or exchange.get("status") != "answered" or not exchange.get("answer"):
            if exchange and exchange.get("status") in ("error", "stopped"):
                return "<div class='sources'><p><em>No sources: this question was not answered.</em></p></div>"
            return sources_html(None)
        try:
            answer = Answer.model_validate(exchange["answer"])
        except ValidationError:
            return sources_html(None)
        texts = {i: a.text for i, a in assistant.get_articles([c.article_id for c in answer.citations]).items()}
        return sources_html(answer, texts)

    def buttons(busy: bool):
        return gr.update(visible=not busy), gr.update(visible=busy)

    def take(message: str):
        """Clear the box at once; the question travels in `pending`; Stop replaces Ask while it is answered."""
        if not (message or "").strip():
            return message, "", *buttons(False)
        return "", message, *buttons(True)

    def respond(question: str, conv: dict[str, Any], request: gr.Request):
        conv = _own(conv)
        question = (question or "").strip()
        if not question:
            yield gr.update(), gr.update(), conv, gr.update()
            return
        session = show(request, conv["id"])
        earlier = chat_messages(conv)
        turns = C.history(conv)
        ex = {"question": question, "status": "pending", "text": "", "answer": None, "vote": None}
        conv["exchanges"].append(ex)
        shown = len(conv["exchanges"]) - 1
        yield earlier + exchange_messages(ex), sources_html(None), conv, shown
        answer = None
        try:
            for event in assistant.stream(question, history=turns):
                if event.type == "token":
                    ex["text"] += event.text or ""
                    if showing.get(session) != conv["id"]:
                        return  # the page shows another conversation now
                    yield earlier + exchange_messages(ex), gr.update(), conv, shown
                elif event.type == "answer" and event.answer is not None:
                    answer = event.answer
            if answer is None:
                raise RuntimeError("the answer stream ended without an answer")
        except Exception as exc:  # shown in the chat; an unexpected one is logged with its traceback
            if not isinstance(exc, AssistantError):
                log.exception("answering %r failed", question[:200])
            ex.update(status="error", text=_user_error(exc), question=C.shown_question(question))
        else:
            ex.update(status="answered", text="", answer=C.slim_answer(answer.model_dump(mode="json")))
        if showing.get(session) == conv["id"]:
            yield earlier + exchange_messages(ex), sources_for(ex), conv, shown

    def chat_list_update(chats: list, current: str | None):
        choices = C.chat_choices(chats)
        return gr.update(choices=choices, value=current if any(v == current for _, v in choices) else None,
                         visible=bool(choices))

    def download_update(conv: dict[str, Any]):
        if not conv.get("exchanges"):
            return gr.update(value=None, interactive=False)
        return gr.update(value=str(C.export_file(conv, export_dir)), interactive=True)

    def finish(conv: dict[str, Any], chats: list):
        """After an answer: keep the conversation in the browser, refresh the list and the download."""
        conv = _own(conv)
        chats = C.save(chats, conv)
        return chats, chat_list_update(chats, conv["id"]), download_update(conv), *buttons(False)

    def stopped(conv: dict[str, Any], chats: list):
        conv = _own(conv)
        C.stop_pending(conv)
        return (chat_messages(conv), conv, *finish(conv, chats))

    def show(request: gr.Request | None, conversation_id: str) -> str:
        """Note which conversation a page shows; an answer still streaming for another one stops."""
        session = getattr(request, "session_hash", None) or ""
        showing.pop(session, None)
        showing[session] = conversation_id
        while len(showing) > 10_000:  # forget the oldest pages
            showing.pop(next(iter(showing)))
        return session

    def start_new(conv: dict[str, Any], chats: list, request: gr.Request | None = None, keep_old: bool = True):
        """A new, empty conversation; the old one is kept in the list (its unfinished answer marked stopped)."""
        old = _own(conv)
        C.stop_pending(old)
        chats = C.save(chats, old) if keep_old else C.remove(chats, old["id"])
        fresh = C.new_conversation()
        show(request, fresh["id"])
        return ([], sources_html(None), fresh, None, "", chats, chat_list_update(chats, None),
                download_update(fresh), *buttons(False))

    def new_chat(conv, chats, request: gr.Request):
        return start_new(conv, chats, request, keep_old=True)

    def delete_chat(conv, chats, request: gr.Request):
        return start_new(conv, chats, request, keep_old=False)

    def open_chat(chat_id: str | None, chats: list, conv: dict[str, Any], request: gr.Request):
        chats = C.save(chats, stopped_copy(conv))
        found = C.find(chats, chat_id)
        if found is None:
            return start_new(conv, chats, request)[:-2] + (gr.update(), *buttons(False))
        found = copy.deepcopy(found)
        show(request, found["id"])
        last = len(found["exchanges"]) - 1
        return (chat_messages(found), sources_for(found["exchanges"][last] if last >= 0 else None), found, last, "",
                chats, chat_list_update(chats, found["id"]), download_update(found), gr.Tabs(selected="chat"),
                *buttons(False))

    def stopped_copy(conv: dict[str, Any]) -> dict[str, Any]:
        conv = _own(conv)
        C.stop_pending(conv)
        return conv

    def take_retry(conv: dict[str, Any]):
        """Regenerate: the last question is asked again (its old answer goes)."""
        conv = _own(conv)
        if not conv["exchanges"]:
            return "", conv, *buttons(False)
        last = conv["exchanges"].pop()
        return last["question"], conv, *buttons(True)

    def take_edit(conv: dict[str, Any], data: gr.EditData):
        """An edited question replaces it and everything after it, and is asked."""
        conv = _own(conv)
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2
        text = data.value if isinstance(data.value, str) else str(data.value or "")
        if not text.strip() or position >= len(conv["exchanges"]):
            return "", conv, gr.update(value=chat_messages(conv)), *buttons(False)
        conv["exchanges"] = conv["exchanges"][:position]
        return text, conv, gr.update(), *buttons(True)

    def show_sources(conv: dict[str, Any], shown: int | None, data: gr.SelectData):
        """Clicking a message (or a source in it) shows the sources of that exchange."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2
        conv = conv or {}
        if position == shown or position >= len(conv.get("exchanges", [])):
            return gr.update(), shown
        return sources_for(conv["exchanges"][position]), position

    def on_like(conv: dict[str, Any], chats: list, data: gr.LikeData):
        """A thumb on an answer (or on an error): recorded; a changed vote replaces the earlier one."""
        conv = _own(conv)
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2
        if position >= len(conv["exchanges"]):
            return conv, chats
        ex = conv["exchanges"][position]
        if ex.get("status") == "pending":
            gr.Info("Wait for the answer to finish, then rate it.")
            return conv, chats
        vote = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(data.liked)
        previous, record = ex.get("vote"), C.feedback_record(ex)
        with assistant.index.lock:  # the lock record_feedback takes: no other vote lands in between
            if previous:
                C.withdraw_vote(index_dir / "feedback.jsonl", record, previous)
            if vote:
                assistant.record_feedback(record, vote)
        ex["vote"] = vote
        if vote is None:
            gr.Info("Your vote was removed.")
        elif previous:
            gr.Info("Your vote was changed.")
        elif ex.get("status") == "answered":
            gr.Info("Thanks for the feedback.")
        else:
            gr.Info("Thanks: your feedback on this message was recorded.")
        return conv, C.save(chats, conv)

    def on_example(data: gr.SelectData):
        text = data.value["text"] if isinstance(data.value, dict) else str(data.value)
        return text, *buttons(True)

    # -------------------------------------------------------------- library handlers

    def referenced_files() -> set[Path]:
        return {Path(re.sub(r"#\d+$", "", a.path)).resolve() for a in assistant.articles() if a.path}

    def forget_unused_uploads(paths: list[Path]) -> None:
        """Remove uploaded files that no article comes from (failed, duplicate or deleted ones)."""
        used = referenced_files()
        for path in paths:
            try:
                if path.resolve().parent == upload_dir.resolve() and path.resolve() not in used:
                    path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove the uploaded file %s: %s", path.name, exc)

    def add_files(files: list[str] | None, progress=gr.Progress()):
        """Copy uploads into the index's upload folder under safe names, ingest them, report per file."""
        if not files:
            return [], "Choose one or more files first."
        upload_dir.mkdir(parents=True, exist_ok=True)
        rows, to_ingest = [], []
        with files_lock:
            for tmp in files:
                path = Path(tmp if isinstance(tmp, str) else tmp.name)
                name = safe_upload_name(path.name)
                size = path.stat().st_size
                if size > max_bytes:
                    limit = f"{settings.max_upload_mb:g} MB"
                    rows.append([name, "failed", f"{size / 2**20:.1f} MB is over the {limit} upload limit"])
                    continue
                target = upload_dir / name
                shutil.copyfile(path, target)
                to_ingest.append(target)
            if to_ingest:
                progress(0, desc="Reading the files")

                def report_progress(done: int, total: int, where: str) -> None:
                    if total:
                        progress((done, total), desc=f"Reading and indexing {Path(where).name}", unit="chunks")

                report = assistant.ingest(to_ingest, progress=report_progress)
                for f in report.files:
                    name = Path(f.path).name
                    if f.status in ("added", "updated"):
                        detail = f.title or ""
                    elif f.reason and f.reason.startswith("already"):
                        detail = "already in the library (same text)"
                    else:
                        detail = C.friendly(f.reason or "", name=Path(f.path).name)
                    rows.append([name, f.status, detail])
                forget_unused_uploads(to_ingest)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[1]] = counts.get(row[1], 0) + 1
        summary = ", ".join(f"{v} {k}" for k, v in counts.items()) or "Nothing to add."
        return rows, summary

    def delete_article(article_id: str) -> None:
        with files_lock:
            info = next((a for a in assistant.articles() if a.id == article_id), None)
            assistant.delete(article_id)
            if info is not None and info.path:
                forget_unused_uploads([Path(re.sub(r"#\d+$", "", info.path))])

    def on_page_load(chats: list, query: str, request: gr.Request):
        """Every page load shows the library as it is now (not as it was when the server started), and starts
        a new conversation of its own."""
        articles = assistant.articles()
        fresh = C.new_conversation()
        show(request, fresh["id"])
        return (*library_view(articles, with_examples=False), *library_tables(articles, query),
                chat_list_update(chats, None), download_update(fresh), fresh)

    def after_change(query: str = ""):
        """Everything that shows the library: the table, the article list, the chat's summary line, examples."""
        articles = assistant.articles()
        return (*library_tables(articles, query), *library_view(articles), reader_html(None))

    def on_search(query: str):
        return library_tables(assistant.articles(), query)

    def open_article(article_id: str | None):
        if not article_id:
            return reader_html(None)
        try:
            return reader_html(assistant.article(article_id))
        except AssistantError:
            return reader_html(None)

    def open_row(query: str, data: gr.SelectData):
        """A click on a row of the library opens that article (and picks it in the list below)."""
        row = data.row_value or []
        for a in assistant.articles():
            if _matches(a, query) and library_rows([a])[0] == list(row)[: len(LIBRARY_HEADERS)]:
                return gr.update(value=a.id), open_article(a.id)
        return gr.update(), gr.update()

    def ask_delete(article_id: str | None):
        if not article_id:
            return gr.update(visible=False), "Pick an article to delete first."
        title = next((a.title for a in assistant.articles() if a.id == article_id), None)
        if title is None:
            return gr.update(visible=False), "That article is no longer in the library."
        return gr.update(visible=True), f"Delete **{md_escape(title)}** from the library? This cannot be undone."

    def confirm_delete(article_id: str | None):
        message = "Nothing deleted."
        if article_id:
            try:
                delete_article(article_id)
                message = "Deleted."
            except AssistantError as exc:
                message = C.friendly(str(exc))
        return gr.update(visible=False), message

    # -------------------------------------------------------------- API-only endpoints

    def ask_api(question: str) -> dict[str, Any]:
        """Answer a question; returns the Answer as JSON (text, citations, refused, timings)."""
        try:
            return assistant.ask(question).model_dump(mode="json")
        except AssistantError as exc:
            raise gr.Error(C.friendly(str(exc))) from exc

    def chat_api(question: str, history: list[list[str]] | None = None) -> dict[str, Any]:
        """Answer with earlier turns [[role, text], ...] for follow-ups."""
        try:
            return assistant.ask(question, history=[tuple(t) for t in history or []]).model_dump(mode="json")
        except AssistantError as exc:
            raise gr.Error(C.friendly(str(exc))) from exc

    def articles_api() -> list[dict[str, Any]]:
        """The indexed articles (without their text; the file name only, no server path)."""
        return [{**a.model_dump(mode="json", exclude={"path"}), "file": Path(a.path).name if a.path else None}
                for a in assistant.articles()]

    def delete_api(article_id: str) -> str:
        """Delete one article by id (and its uploaded file, when no other article comes from it)."""
        try:
            delete_article(article_id)
        except AssistantError as exc:
            raise gr.Error(C.friendly(str(exc))) from exc
        return f"deleted {article_id}"

    def feedback_api(answer: dict[str, Any], vote: str) -> str:
        """Record a vote ('up' or 'down') on an answer returned by /ask."""
        try:
            assistant.record_feedback(answer, vote)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return "recorded"

    # -------------------------------------------------------------- layout

    # cached downloads and uploads older than a day are removed (each page makes a new one per answer)
    with gr.Blocks(title="News assistant", analytics_enabled=False, fill_width=True, delete_cache=(3600, 86400)) as demo:
        chats_store = gr.BrowserState([], storage_key="news-assistant-chats", secret=_browser_secret(index_dir))
        with gr.Sidebar(label="Chats", open=True, width=270, elem_id="chats-sidebar"):
            gr.Markdown("### Your chats")
            new_side = gr.Button("New chat", elem_id="sidebar-new-chat", size="sm")
            chat_list = gr.Radio(choices=[], label="Past chats", elem_id="chat-list", visible=False)
            gr.Markdown("<small>Chats are kept in this browser only.</small>")
            download = gr.DownloadButton("Download this chat (Markdown)", elem_id="download-chat", size="sm",
                                         interactive=False)
            delete_chat_btn = gr.Button("Delete this chat", elem_id="delete-chat", size="sm")
        gr.Markdown("## News assistant\nAsk about your news articles. Every answer quotes the sentences it comes "
                    "from; click a number like **[1]** or a source under the answer to see the quote.")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                summary = gr.Markdown(elem_id="library-summary")
                note = gr.HTML(elem_id="empty-note", visible=False)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        chatbot = gr.Chatbot(show_label=False, label="Conversation", elem_id="chat", height=520,
                                             sanitize_html=True, buttons=["copy"], editable="user",
                                             placeholder="Ask a question about your articles, or try one of these:")
                        with gr.Row(elem_id="ask-row"):
                            box = gr.Textbox(show_label=False, label="Your question",
                                             placeholder="Type a question and press Enter, e.g. how many … ?",
                                             elem_id="question", scale=5, autofocus=True, max_lines=4)
                            send = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                            stop = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, min_width=80,
                                             visible=False)
                        clear = gr.Button("New chat", elem_id="new-chat", size="sm")
                    with gr.Column(scale=2, min_width=300):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(sources_html(None), elem_id="sources")
            with gr.Tab("Add articles", id="add"):
                gr.Markdown(f"Upload news articles: {', '.join(UPLOAD_TYPES)} (several at once, up to "
                            f"{settings.max_upload_mb:g} MB each). Files already in the library are skipped.")
                files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, type="filepath", label="Files",
                                elem_id="upload")
                add = gr.Button("Add to library", variant="primary", elem_id="add-files")
                add_summary = gr.Markdown(elem_id="add-summary")
                add_table = gr.Dataframe(headers=["File", "Result", "Details"], interactive=False, wrap=True,
                                         elem_id="add-results", column_widths=["30%", "15%", "55%"])
            with gr.Tab("Library", id="library"):
                search = gr.Textbox(label="Search titles, sources, dates, files", elem_id="library-search")
                table = gr.Dataframe(headers=LIBRARY_HEADERS, interactive=False, wrap=True, elem_id="library",
                                     column_widths=["44%", "18%", "13%", "11%", "14%"], max_height=420)
                with gr.Row(equal_height=False):
                    pick = gr.Dropdown(choices=[], value=None, label="Article (read or delete)", elem_id="delete-pick",
                                       scale=4)
                    delete = gr.Button("Delete…", variant="stop", elem_id="delete", scale=1, min_width=110,
                                       size="md")
                delete_msg = gr.Markdown(elem_id="delete-msg")
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button("Yes, delete it", variant="stop", elem_id="confirm-delete")
                    cancel = gr.Button("Cancel", elem_id="cancel-delete")
                reader = gr.HTML(reader_html(None), elem_id="reader")

        conv = gr.State(None)  # each page gets its own conversation on load (a shared default would mix pages)
        shown = gr.State(None)
        pending = gr.State("")

        private: dict[str, Any] = {"api_visibility": "private"}
        respond_io = {"inputs": [pending, conv], "outputs": [chatbot, sources, conv, shown], "concurrency_id": "ask",
                      **private}
        finish_out = [chats_store, chat_list, download, send, stop]
        asking = []  # every running answer, so Stop, New chat and opening another chat can cancel it

        def then_answer(event):
            step = event.then(respond, **respond_io)
            asking.append(step)
            step.then(finish, [conv, chats_store], finish_out, **private)

        for trigger in (box.submit, send.click):
            then_answer(trigger(take, [box], [box, pending, send, stop], queue=False, **private))
        then_answer(chatbot.example_select(on_example, outputs=[pending, send, stop], **private))
        then_answer(chatbot.retry(take_retry, [conv], [pending, conv, send, stop], **private))
        then_answer(chatbot.edit(take_edit, [conv], [pending, conv, chatbot, send, stop], **private))

        stop.click(None, cancels=asking, **private).then(
            stopped, [conv, chats_store], [chatbot, conv, *finish_out], **private)
        new_out = [chatbot, sources, conv, shown, box, chats_store, chat_list, download, send, stop]
        # a new chat starts at once, not behind other users' answers in the queue: a question asked right after
        # it would otherwise be read into the old chat and swept away when the new one is shown
        for trigger in (clear.click, new_side.click, chatbot.clear):
            trigger(None, cancels=asking, **private).then(new_chat, [conv, chats_store], new_out, queue=False,
                                                          **private)
        delete_chat_btn.click(None, cancels=asking, **private).then(
            delete_chat, [conv, chats_store], new_out, queue=False, **private)
        chat_list.input(None, cancels=asking, **private).then(
            open_chat, [chat_list, chats_store, conv],
            [chatbot, sources, conv, shown, box, chats_store, chat_list, download, tabs, send, stop], **private)
        chatbot.select(show_sources, [conv, shown], [sources, shown], **private)
        chatbot.like(on_like, [conv, chats_store], [conv, chats_store], **private)

        view_out = [summary, note, chatbot]
        demo.load(on_page_load, [chats_store, search], [summary, note, table, pick, chat_list, download, conv],
                  **private)
        demo.load(examples_update, outputs=[chatbot], **private)  # apart: the first computation takes a moment
        demo.load(None, js=ON_LOAD_JS, **private)

        change_out = [table, pick, *view_out, reader]
        add.click(add_files, inputs=[files], outputs=[add_table, add_summary], concurrency_id="ingest",
                  concurrency_limit=1, api_name="upload").then(  # files are checked and moved by gr.File
            after_change, inputs=[search], outputs=change_out, **private)
        search.change(on_search, inputs=[search], outputs=[table, pick], **private)
        pick.input(open_article, inputs=[pick], outputs=[reader], **private)
        table.select(open_row, inputs=[search], outputs=[pick, reader], **private)
        delete.click(ask_delete, inputs=[pick], outputs=[confirm_row, delete_msg], **private)
        confirm.click(confirm_delete, inputs=[pick], outputs=[confirm_row, delete_msg], **private).then(
            after_change, inputs=[search], outputs=change_out, **private)
        cancel.click(lambda: (gr.update(visible=False), "Nothing deleted."), outputs=[confirm_row, delete_msg],
                     **private)

        gr.api(ask_api, api_name="ask", concurrency_id="ask")
        gr.api(chat_api, api_name="chat", concurrency_id="ask")
        gr.api(articles_api, api_name="articles")
        gr.api(delete_api, api_name="delete")
        gr.api(feedback_api, api_name="feedback")
    return demo


def sample_files() -> list[Path]:
    """The shipped sample articles: article files only (no README or other notes)."""
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in SAMPLES_DIR.iterdir() if p.is_file() and p.suffix.lower() in SAMPLE_TYPES
                  and not p.name.startswith(".") and not re.match(r"(?i)(readme|license|notice|changelog)\b", p.stem))


def prepare(settings: Settings) -> Assistant:
    """The Assistant for the app; on an empty index the shipped sample articles are ingested (unless turned off)."""
    from .api import Assistant

    assistant = Assistant(settings=settings)
    if settings.load_samples and not assistant.articles() and (samples := sample_files()):
        report = assistant.ingest(samples)
        log.info("ingested the sample articles: %s added", report.added)
    return assistant


def theme():
    system = [gr.themes.Font("system-ui"), gr.themes.Font("-apple-system"), gr.themes.Font("Segoe UI"), "sans-serif"]
    mono = [gr.themes.Font("ui-monospace"), gr.themes.Font("Consolas"), "monospace"]
    return gr.themes.Default(font=system, font_mono=mono)


def launch(settings: Settings | None = None, announce: Callable[[str], None] | None = None) -> None:
    """Start the web chat (blocks). ``announce`` gets one line saying where it listens (entry points print it)."""
    settings = settings or Settings()
    assistant = prepare(settings)
    demo = build_app(assistant)
    auth = (settings.ui_username, settings.ui_password) if settings.ui_username and settings.ui_password else None
    line = f"News assistant on http://{settings.ui_host}:{settings.ui_port} (index: {assistant.stats()['index']})"
    log.info(line)
    if announce:
        announce(line)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=settings.ui_host, server_port=settings.ui_port, auth=auth, share=False, show_error=True,
        max_file_size=int(settings.max_upload_mb * 2**20), theme=theme(), css=CSS, head=HEAD, footer_links=[],
        quiet=True,
    )
