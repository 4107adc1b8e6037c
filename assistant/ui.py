"""Gradio web chat over :class:`Assistant`. The only module that imports gradio.

This is the minimal chat of the foundation issue: ask, streamed answer, sources with their quotes, and an
``/ask`` API endpoint. It never imports chromadb or sentence_transformers: everything goes through Assistant.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from .config import SAMPLES_DIR, Settings
from .errors import AssistantError

if TYPE_CHECKING:
    import gradio as gr

    from .api import Assistant
    from .models import Answer

log = logging.getLogger(__name__)


def sources_html(answer: Answer) -> str:
    """The citations of an answer as HTML; every piece of article data is escaped (it is untrusted)."""
    if answer.refused or not answer.citations:
        return "<p><em>No sources: the articles don't answer this question.</em></p>"
    items = []
    for c in answer.citations:
        date = c.published.isoformat() if c.published else "undated"
        source = f" — {html.escape(c.source)}" if c.source else ""
        link = f' <a href="{html.escape(c.url)}" rel="noopener noreferrer" target="_blank">link</a>' if c.url else ""
        items.append(
            f'<li id="source-{c.number}"><strong>[{c.number}] {html.escape(c.title)}</strong>{source}, {date}{link}'
            f"<blockquote><mark>{html.escape(c.quote)}</mark></blockquote></li>"
        )
    return "<ol class='sources'>" + "".join(items) + "</ol>"


def build_app(assistant: Assistant) -> gr.Blocks:
    import gradio as gr

    def respond(message: str, history: list[dict[str, Any]]):
        turns = [(m["role"], _content_text(m["content"])) for m in history or []]
        history = list(history or []) + [{"role": "user", "content": message}]
        try:
            answer = assistant.ask(message, history=turns)
        except AssistantError as exc:
            yield history + [{"role": "assistant", "content": f"⚠️ {exc}"}], "", ""
            return
        text = ""
        for word in answer.text.split(" "):
            text = f"{text} {word}" if text else word
            yield history + [{"role": "assistant", "content": text}], "", ""
        yield history + [{"role": "assistant", "content": answer.text}], sources_html(answer), ""

    def ask_api(question: str) -> dict[str, Any]:
        return assistant.ask(question).model_dump(mode="json")

    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown("## News assistant\nAsk about the indexed articles. Every answer quotes and cites its sources.")
        chat = gr.Chatbot(label="Conversation", height=420)
        box = gr.Textbox(label="Your question", placeholder="How many refugees does Turkey shelter?")
        sources = gr.HTML(label="Sources")
        box.submit(respond, [box, chat], [chat, sources, box], api_visibility="private")
        gr.api(ask_api, api_name="ask")
    return demo


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def prepare(settings: Settings) -> Assistant:
    from .api import Assistant

    assistant = Assistant(settings=settings)
    if settings.load_samples and not assistant.articles() and SAMPLES_DIR.is_dir():
        report = assistant.ingest([SAMPLES_DIR])
        log.info("ingested the sample articles: %s added", report.added)
    return assistant


def launch(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    assistant = prepare(settings)
    demo = build_app(assistant)
    auth = (settings.ui_username, settings.ui_password) if settings.ui_username and settings.ui_password else None
    demo.queue(default_concurrency_limit=4).launch(
        server_name=settings.ui_host, server_port=settings.ui_port, auth=auth, share=False, show_error=True
    )
