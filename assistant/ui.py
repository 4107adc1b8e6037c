"""Gradio web chat over :class:`Assistant`. The only module that imports gradio.

Everything goes through the Assistant API (this module never touches chromadb or sentence_transformers).
Article data is untrusted: every title, quote and article text is HTML-escaped (and Markdown-escaped in the
chat) before it reaches the page. Nothing is loaded from the internet: system fonts, no CDN, no analytics.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gradio as gr  # this module is imported only by `app.py` and `assistant serve`

from .config import SAMPLES_DIR, Settings
from .errors import AssistantError

if TYPE_CHECKING:
    from .api import Assistant
    from .models import Answer, ArticleInfo

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".pdf", ".gz"]
TRY_INSTEAD = (
    "**What you can try:** ask again with names, places or dates that appear in your articles, "
    "or add articles that cover the topic in the **Add articles** tab."
)

CSS = """
.sources { max-height: 70vh; overflow-y: auto; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 10px; }
.source.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.source .meta { font-size: 0.85em; opacity: 0.8; margin: 2px 0 6px; }
.source .article-text { max-height: 220px; overflow-y: auto; white-space: pre-wrap; font-size: 0.9em;
  line-height: 1.45; padding: 6px; background: var(--background-fill-secondary); border-radius: 6px; }
.source mark { background: #ffe58a; color: #000; padding: 0 2px; }
.source.active mark { background: #ffc400; }
.empty-note { padding: 10px; border-radius: 8px; background: var(--background-fill-secondary); }
"""

# [n] links in answers open the matching source and scroll its article text to the highlighted quote.
HEAD = """
<script>
document.addEventListener("click", function (event) {
  const link = event.target.closest('a[href^="#cite-"]');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const n = link.getAttribute("href").slice(6);
  document.querySelectorAll(".source.active").forEach(function (el) { el.classList.remove("active"); });
  const box = document.getElementById("source-" + n);
  const mark = document.getElementById("quote-" + n);
  if (box) { box.classList.add("active"); box.scrollIntoView({block: "nearest"}); }
  if (mark) { mark.scrollIntoView({block: "center"}); }
}, true);
</script>
"""


# --------------------------------------------------------------------------- rendering (pure functions)


def md_escape(text: str) -> str:
    """Text shown inside Markdown: HTML escaped and Markdown punctuation backslash-escaped."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>])", r"\\\1", text)


def answer_markdown(answer: Answer) -> str:
    """The chat message for an answer: escaped text, [n] markers as links to the sources, refusals apart."""
    if answer.refused:
        return f"> *{md_escape(answer.text)}*\n\n{TRY_INSTEAD}"
    numbers = {c.number for c in answer.citations}
    parts = re.split(r"(\[\d+\])", answer.text)
    out = []
    for part in parts:
        m = re.fullmatch(r"\[(\d+)\]", part)
        out.append(f"[\\[{m.group(1)}\\]](#cite-{m.group(1)})" if m and int(m.group(1)) in numbers else md_escape(part))
    body = "".join(out)
    notes = []
    if answer.resolved_question:
        notes.append(f"Understood as: {md_escape(answer.resolved_question)}")
    tf = answer.time_filter
    if tf is not None and tf.applied and tf.phrase:
        notes.append(f"Searched articles dated {md_escape(tf.phrase)}")
    elif tf is not None and tf.prefer_recent:
        notes.append("Newest articles first")
    if answer.generator != "none":
        notes.append(f"Written by {md_escape(answer.generator)}, every sentence checked against its sources")
    if answer.dropped_sentences:
        notes.append(f"{len(answer.dropped_sentences)} unsupported sentence(s) removed")
    if answer.fallback:
        notes.append(md_escape(answer.fallback))
    if notes:
        body = f"<small><em>{' · '.join(notes)}</em></small>\n\n{body}"
    refs = "  \n".join(
        f"[\\[{c.number}\\]](#cite-{c.number}) {md_escape(c.title)} — "
        f"{md_escape(c.source) + ', ' if c.source else ''}{c.published.isoformat() if c.published else 'undated'}"
        for c in answer.citations
    )
    return f"{body}\n\n<small>{refs}</small>" if refs else body


def sources_html(answer: Answer | None, texts: dict[str, str] | None = None) -> str:
    """Every citation with its metadata and the article text, the quote highlighted (all escaped)."""
    if answer is None:
        return "<div class='sources'><p><em>Sources of the answer appear here.</em></p></div>"
    if answer.refused or not answer.citations:
        return "<div class='sources'><p><em>No sources: the articles don't answer this question.</em></p></div>"
    items = []
    for c in answer.citations:
        date = c.published.isoformat() if c.published else "undated"
        meta = [html.escape(c.source)] if c.source else []
        meta.append(date)
        if c.url and re.match(r"https?://", c.url):
            meta.append(f'<a href="{html.escape(c.url)}" target="_blank" rel="noopener noreferrer nofollow">open original</a>')
        text = (texts or {}).get(c.article_id)
        if text is not None and text[c.start : c.end] == c.quote:
            body = (
                html.escape(text[max(0, c.start - 3000) : c.start])
                + f'<mark id="quote-{c.number}">{html.escape(c.quote)}</mark>'
                + html.escape(text[c.end : c.end + 3000])
            )
        else:
            body = f'<mark id="quote-{c.number}">{html.escape(c.quote)}</mark>'
        items.append(
            f'<div class="source" id="source-{c.number}"><div><strong>[{c.number}] {html.escape(c.title)}</strong></div>'
            f'<div class="meta">{" · ".join(meta)}</div><div class="article-text">{body}</div></div>'
        )
    return "<div class='sources'>" + "".join(items) + "</div>"


def safe_upload_name(name: str) -> str:
    """A file name that cannot leave the upload folder: last path part, tame characters, no leading dots."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return base[:150] or "upload"


def library_rows(articles: list[ArticleInfo], query: str | None = "") -> list[list[Any]]:
    q = (query or "").strip().lower()
    rows = []
    for a in articles:
        if q and q not in f"{a.title} {a.source or ''} {a.published or ''}".lower():
            continue
        rows.append([a.title, a.source or "", a.published.isoformat() if a.published else "undated", a.n_chunks, a.id])
    return rows


# --------------------------------------------------------------------------- the app


def build_app(assistant: Assistant) -> gr.Blocks:
    settings = assistant.settings
    upload_dir = Path(settings.index_dir) / "uploads"
    max_bytes = int(settings.max_upload_mb * 2**20)

    def empty_note():
        if assistant.stats()["articles"]:
            return gr.update(value="", visible=False)
        return gr.update(visible=True, value="<div class='empty-note'><strong>No articles yet.</strong> Add news articles (txt, md, html, json, "
                "jsonl, pdf) in the <em>Add articles</em> tab, or on the command line: "
                "<code>assistant ingest PATH</code>.</div>")

    def examples_update():
        return gr.update(examples=[{"text": q} for q in assistant.suggest_questions(4)] or None)

    def article_choices():
        return [(f"{a.title} ({a.published or 'undated'})", a.id) for a in assistant.articles()]

    # -------------------------------------------------------------- chat handlers

    def respond(message: str, chat: list[dict[str, Any]], turns: list[list[str]], answers: dict[int, dict]):
        message = (message or "").strip()
        if not message:
            yield chat, gr.update(), turns, answers
            return
        chat = list(chat or []) + [{"role": "user", "content": md_escape(message)}]
        try:
            events = assistant.stream(message, history=[tuple(t) for t in turns])
            text = ""
            for event in events:
                if event.type == "token":
                    text += event.text or ""
                    yield chat + [{"role": "assistant", "content": md_escape(text)}], gr.update(), turns, answers
                elif event.type == "answer" and event.answer is not None:
                    answer = event.answer
        except AssistantError as exc:
            yield chat + [{"role": "assistant", "content": f"**Problem:** {md_escape(str(exc))}"}], gr.update(), turns, answers
            return
        chat = chat + [{"role": "assistant", "content": answer_markdown(answer)}]
        answers = {**answers, len(chat) - 1: answer.model_dump(mode="json")}
        turns = turns + [["user", answer.resolved_question or message], ["assistant", answer.text]]
        texts = {c.article_id: assistant.article(c.article_id).text for c in answer.citations}
        yield chat, sources_html(answer, texts), turns, answers

    def new_chat():
        return [], sources_html(None), [], {}, ""

    def on_like(data: gr.LikeData, answers: dict[int, dict]):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        answer = answers.get(index) or answers.get(str(index))
        if answer is None:
            return
        assistant.record_feedback(answer, "up" if data.liked else "down")
        gr.Info("Thanks for the feedback.")

    def on_example(data: gr.SelectData):
        return data.value["text"] if isinstance(data.value, dict) else str(data.value)

    # -------------------------------------------------------------- library handlers

    def add_files(files: list[str] | None, progress=gr.Progress()):
        """Copy uploads into the index's upload folder under safe names, ingest them, report per file."""
        if not files:
            return [], "Choose one or more files first."
        upload_dir.mkdir(parents=True, exist_ok=True)
        rows, to_ingest = [], []
        for tmp in files:
            path = Path(tmp if isinstance(tmp, str) else tmp.name)
            name = safe_upload_name(path.name)
            size = path.stat().st_size
            if size > max_bytes:
                rows.append([name, "failed", f"{size / 2**20:.1f} MB is over the {settings.max_upload_mb:g} MB upload limit "
                             "(ASSISTANT_MAX_UPLOAD_MB)"])
                continue
            target = upload_dir / name
            shutil.copyfile(path, target)
            to_ingest.append(target)
        if to_ingest:
            progress(0, desc="Reading and indexing")
            report = assistant.ingest(
                to_ingest, progress=lambda done, total, p: progress((done, total), desc=f"Indexing {Path(p).name}")
            )
            for f in report.files:
                detail = f.title if f.status in ("added", "updated") else (
                    "already in the library (same text)" if f.reason and f.reason.startswith("already") else f.reason)
                rows.append([Path(f.path).name if f.path.startswith(str(upload_dir)) else f.path, f.status, detail or ""])
        counts = {k: sum(1 for r in rows if r[1] == k) for k in ("added", "updated", "skipped", "failed")}
        summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "Nothing to add."
        return rows, summary

    def after_change(query: str = ""):
        """Everything that shows the library: the table, the delete list, example questions, the empty note."""
        return (library_rows(assistant.articles(), query), gr.update(choices=article_choices(), value=None),
                examples_update(), empty_note())

    def refresh_library(query: str):
        return library_rows(assistant.articles(), query), gr.update(choices=article_choices())

    def ask_delete(article_id: str | None):
        if not article_id:
            return gr.update(visible=False), "Pick an article to delete first."
        title = next((a.title for a in assistant.articles() if a.id == article_id), article_id)
        return gr.update(visible=True), f"Delete **{md_escape(title)}** from the library? This cannot be undone."

    def confirm_delete(article_id: str | None):
        message = "Nothing deleted."
        if article_id:
            try:
                assistant.delete(article_id)
                message = "Deleted."
            except AssistantError as exc:
                message = str(exc)
        return gr.update(visible=False), message

    # -------------------------------------------------------------- API-only endpoints

    def ask_api(question: str) -> dict[str, Any]:
        """Answer a question; returns the Answer as JSON (text, citations, refused, timings)."""
        try:
            return assistant.ask(question).model_dump(mode="json")
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc

    def chat_api(question: str, history: list[list[str]] | None = None) -> dict[str, Any]:
        """Answer with earlier turns [[role, text], ...] for follow-ups."""
        try:
            return assistant.ask(question, history=[tuple(t) for t in history or []]).model_dump(mode="json")
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc

    def articles_api() -> list[dict[str, Any]]:
        """The indexed articles (without their text; the file name only, no server path)."""
        return [{**a.model_dump(mode="json", exclude={"path"}), "file": Path(a.path).name if a.path else None}
                for a in assistant.articles()]

    def delete_api(article_id: str) -> str:
        """Delete one article by id."""
        try:
            assistant.delete(article_id)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        return f"deleted {article_id}"

    def feedback_api(answer: dict[str, Any], vote: str) -> str:
        """Record a vote ('up' or 'down') on an answer returned by /ask."""
        try:
            assistant.record_feedback(answer, vote)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return "recorded"

    # -------------------------------------------------------------- layout

    with gr.Blocks(title="News assistant", analytics_enabled=False, fill_width=True) as demo:
        gr.Markdown("## News assistant\nAsk about your news articles. Every answer quotes the sentences it comes "
                    "from; click a number like **[1]** to see the source.")
        with gr.Tab("Chat", id="chat"):
            note = gr.HTML(elem_id="empty-note", visible=False)
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(label="Conversation", elem_id="chat", height=480, sanitize_html=True,
                                         buttons=["copy"], placeholder="Ask a question about your articles.")
                    with gr.Row():
                        box = gr.Textbox(show_label=False, placeholder="Type a question, e.g. how many … ?",
                                         elem_id="question", scale=5, autofocus=True, max_lines=4)
                        send = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
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
            add_table = gr.Dataframe(headers=["file", "result", "details"], interactive=False, wrap=True,
                                     elem_id="add-results")
        with gr.Tab("Library", id="library"):
            search = gr.Textbox(label="Search titles, sources, dates", elem_id="library-search")
            table = gr.Dataframe(value=library_rows(assistant.articles()),
                                 headers=["title", "source", "published", "chunks", "id"], interactive=False,
                                 wrap=True, elem_id="library")
            with gr.Row():
                pick = gr.Dropdown(choices=article_choices(), label="Article to delete", elem_id="delete-pick", scale=4)
                delete = gr.Button("Delete…", variant="stop", elem_id="delete", scale=1)
            delete_msg = gr.Markdown(elem_id="delete-msg")
            with gr.Row(visible=False) as confirm_row:
                confirm = gr.Button("Yes, delete it", variant="stop", elem_id="confirm-delete")
                cancel = gr.Button("Cancel", elem_id="cancel-delete")

        turns = gr.State([])
        answers = gr.State({})
        pending = gr.State("")

        chat_io = dict(inputs=[pending, chatbot, turns, answers], outputs=[chatbot, sources, turns, answers],
                       concurrency_id="ask", api_visibility="private")

        def take(message: str):  # clear the box at once; the question travels in `pending`
            return "", message

        for trigger in (box.submit, send.click):
            trigger(take, [box], [box, pending], queue=False, api_visibility="private").then(respond, **chat_io)
        chatbot.example_select(on_example, outputs=[pending], api_visibility="private").then(respond, **chat_io)
        clear.click(new_chat, outputs=[chatbot, sources, turns, answers, box], api_visibility="private")
        chatbot.like(on_like, inputs=[answers], api_visibility="private")
        demo.load(lambda: (examples_update(), empty_note()), outputs=[chatbot, note], api_visibility="private")

        library_outputs = [table, pick, chatbot, note]
        add.click(add_files, inputs=[files], outputs=[add_table, add_summary], concurrency_id="ingest",
                  concurrency_limit=1, api_name="upload").then(  # files are checked and moved by gr.File
            after_change, inputs=[search], outputs=library_outputs, api_visibility="private")
        search.change(refresh_library, inputs=[search], outputs=[table, pick], api_visibility="private")
        delete.click(ask_delete, inputs=[pick], outputs=[confirm_row, delete_msg], api_visibility="private")
        confirm.click(confirm_delete, inputs=[pick], outputs=[confirm_row, delete_msg], api_visibility="private").then(
            after_change, inputs=[search], outputs=library_outputs, api_visibility="private")
        cancel.click(lambda: (gr.update(visible=False), "Nothing deleted."), outputs=[confirm_row, delete_msg],
                     api_visibility="private")

        gr.api(ask_api, api_name="ask", concurrency_id="ask")
        gr.api(chat_api, api_name="chat", concurrency_id="ask")
        gr.api(articles_api, api_name="articles")
        gr.api(delete_api, api_name="delete")
        gr.api(feedback_api, api_name="feedback")
    return demo


def prepare(settings: Settings) -> Assistant:
    """The Assistant for the app; on an empty index the shipped samples are ingested (unless turned off)."""
    from .api import Assistant

    assistant = Assistant(settings=settings)
    if settings.load_samples and not assistant.articles() and SAMPLES_DIR.is_dir():
        report = assistant.ingest(sorted(SAMPLES_DIR.glob("*.txt")))  # articles only
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
