"""Question answering over news articles with verified, numbered citations.

``from assistant import Assistant`` is the library entry point; heavy dependencies (torch, chromadb, gradio)
are imported only when first needed, so importing this package is fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import config as _config  # noqa: F401  (sets the offline/no-telemetry environment first)
from .errors import (
    AmbiguousIdError,
    ArticleNotFoundError,
    AssistantError,
    ConfigError,
    EmbedderMismatchError,
    EmptyDocumentError,
    FileTooLargeError,
    GeneratorError,
    IndexNotWritableError,
    IngestError,
    InvalidQuestionError,
    ModelNotFoundError,
    StoreError,
    StoreUnavailableError,
    UnsupportedFormatError,
)
from .models import Answer, Article, ArticleInfo, Chunk, Citation, IngestReport, StreamEvent

if TYPE_CHECKING:
    from .api import Assistant
    from .config import Settings

__version__ = "0.1.0"

__all__ = [
    "AmbiguousIdError", "Answer", "Article", "ArticleInfo", "ArticleNotFoundError", "Assistant", "AssistantError",
    "Chunk", "Citation", "ConfigError", "EmbedderMismatchError", "EmptyDocumentError", "FileTooLargeError",
    "GeneratorError", "IndexNotWritableError", "IngestError", "IngestReport", "InvalidQuestionError",
    "ModelNotFoundError", "Settings", "StoreError", "StoreUnavailableError", "StreamEvent", "UnsupportedFormatError",
]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .api import Assistant

        return Assistant
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
