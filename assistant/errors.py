"""Every error the assistant raises on purpose.

All of them derive from :class:`AssistantError`, so callers can catch one type. Each message says what went
wrong *and* what to do about it. The hierarchy (every class is importable from ``assistant``)::

    AssistantError
    ├── ConfigError                 a setting (ASSISTANT_* variable, argument, .env) has an unusable value
    │   └── ModelNotFoundError      the embedding model is not on this machine
    ├── IngestError                 one file or record cannot become an article (reported, not raised, by ingest)
    │   ├── UnsupportedFormatError  a file type the loaders do not read
    │   ├── FileTooLargeError       over ASSISTANT_MAX_FILE_MB
    │   └── EmptyDocumentError      no text left after cleaning
    ├── StoreError                  the index (Chroma) cannot be opened, read or written
    │   ├── IndexNotWritableError   a write (ingest, delete, reset) on a read-only index folder
    │   ├── StoreUnavailableError   the Chroma server at ASSISTANT_CHROMA_URL cannot be reached
    │   └── EmbedderMismatchError   the index was built with another embedding model
    ├── ArticleNotFoundError        (also a KeyError) no article with that id
    │   └── AmbiguousIdError        an id prefix that matches several articles
    ├── InvalidQuestionError        (also a ValueError) the question or the history is not usable
    └── GeneratorError              the LLM backend failed (the extractive answer is used instead)
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error raised on purpose by the assistant."""


class ConfigError(AssistantError):
    """A setting has a value the assistant cannot use."""


class ModelNotFoundError(ConfigError):
    """The embedding model named in the settings cannot be found on this machine."""


class IngestError(AssistantError):
    """A file could not be turned into an article. The message is the reason shown to the user."""


class UnsupportedFormatError(IngestError):
    """A file type the loaders do not read."""


class FileTooLargeError(IngestError):
    """A file over the ``ASSISTANT_MAX_FILE_MB`` limit."""


class EmptyDocumentError(IngestError):
    """A file or record with no text left after cleaning."""


class StoreError(AssistantError):
    """The index (Chroma) could not be opened, read or written."""


class IndexNotWritableError(StoreError):
    """A write (ingest, delete, reset) on an index whose folder this process cannot write to."""


class StoreUnavailableError(StoreError):
    """The Chroma server at the configured URL cannot be reached."""


class EmbedderMismatchError(StoreError):
    """The index was built with another embedding model than the one configured now."""


class ArticleNotFoundError(AssistantError, KeyError):
    """No article has that id (or id prefix)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "article not found"


class AmbiguousIdError(ArticleNotFoundError):
    """An article id prefix that matches several articles: give more characters."""


class InvalidQuestionError(AssistantError, ValueError):
    """The question (or the conversation history given with it) is empty, too long or of the wrong type."""


class GeneratorError(AssistantError):
    """The generator backend failed (server down, timeout, bad reply); the extractive answer is used instead."""
