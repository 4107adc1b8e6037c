"""Every error the assistant raises on purpose.

All of them derive from :class:`AssistantError`, so callers can catch one type. Each message says what went
wrong *and* what to do about it.
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
    pass


class FileTooLargeError(IngestError):
    pass


class EmptyDocumentError(IngestError):
    pass


class StoreError(AssistantError):
    """The index (Chroma) could not be opened, read or written."""


class IndexNotWritableError(StoreError):
    pass


class StoreUnavailableError(StoreError):
    """The Chroma server at the configured URL cannot be reached."""


class EmbedderMismatchError(StoreError):
    """The index was built with another embedding model than the one configured now."""


class ArticleNotFoundError(AssistantError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "article not found"


class InvalidQuestionError(AssistantError, ValueError):
    """The question is empty or too long."""
