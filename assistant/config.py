"""Settings, read from arguments, then ``ASSISTANT_*`` environment variables, then a ``.env`` file."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"
# The sample news article, shipped inside the package (a wheel has it); the app ingests it into an empty index.
SAMPLES_DIR = Path(str(resources.files("assistant") / "samples"))

# The product runs offline: no telemetry, no hub look-ups. Importing the library changes no environment
# variable; the entry points (the CLI, app.py) call offline_environment() before any heavy import.
OFFLINE_ENVIRONMENT = {
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def offline_environment() -> None:
    """For entry points only: no telemetry, no hub look-ups (values already set by the user are kept)."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


JUDGE_SHOWN = 3  # the judge's default choice of sentences (the measurements are in assistant.judge)
JUDGE_CHECK = 0.0  # the judge's pick is refused when, asked afresh, its YES is less likely (0: no second call)
JUDGE_CLOSE = 0.5  # a sure answer goes to the judge when the runner-up scores at least this share of it (0: never)


class Settings(BaseSettings):
    """All settings of the assistant. Every field can be set as ``ASSISTANT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    index_dir: Path = Field(Path("index"), description="Folder of the embedded index (Chroma + BM25).")
    chroma_url: str | None = Field(
        None, description="URL of a `chroma run` server (e.g. http://localhost:8000); unset = embedded on disk."
    )
    collection_prefix: str = Field("news", description="Prefix of the Chroma collection names.")
    embed_model: str = Field(
        DEFAULT_EMBED_MODEL,
        description="Embedding model: 'all-MiniLM-L6-v2' (packaged, default) or a local sentence-transformers folder.",
    )
    embed_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="Runtime of the packaged embedder: auto (ONNX int8 when installed, else torch), onnx or "
        "torch. Both give the same model's vectors; an index opens with either.",
    )
    embed_batch_size: int = Field(64, ge=1, le=4096)
    top_k_dense: int = Field(20, ge=1, le=500)
    top_k_bm25: int = Field(20, ge=1, le=500)
    top_k_rerank: int = Field(8, ge=1, le=100, description="Chunks whose sentences are scored for the answer.")
    refusal_threshold: float | None = Field(
        None, description="Minimum evidence score (0..1) below which the assistant says the articles don't answer; "
        "unset = the reader's own fitted threshold.",
    )
    max_citations: int = Field(2, ge=1, le=10)
    chunk_size: int = Field(900, ge=200, le=8000, description="Target chunk length in characters.")
    chunk_overlap_sentences: int = Field(1, ge=0, le=5)
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are refused at ingest.")
    max_question_chars: int = Field(2000, ge=10)
    ui_host: str = "127.0.0.1"
    ui_port: int = Field(7860, ge=0, le=65535)
    ui_username: str | None = None
    ui_password: str | None = None
    max_upload_mb: float = Field(20.0, gt=0)
    load_samples: bool = Field(True, description="Ingest the shipped sample articles when the index is empty.")
    reader: str = Field("features", description="How candidate sentences are scored: features (default) or similarity (see assistant.reader).")
    judge: Literal["auto", "qwen", "off"] = Field(
        "auto", description="LLM judge for the questions the fast reader is unsure about: auto (Qwen 1.5B when its "
        "packages are installed and the machine has ~1.3 GB of memory free for it, else off), qwen (required) or off.",
    )
    judge_below: float = Field(
        0.4, ge=0, le=1, description="The judge decides when the fast reader's best probability is below this "
        "(1: every question; slower, about 1.5 s each on 2 cores, and more accurate).",
    )
    judge_shown: int = Field(
        JUDGE_SHOWN, ge=1, le=10,
        description="Sentences the judge chooses among (the fast reader's best): 3 refuses more "
        "of the questions the articles do not answer; 5 answers more questions right and wrongly refuses fewer.",
    )
    judge_check: float = Field(
        JUDGE_CHECK, ge=0, le=1,
        description="The judge's pick is put to it again, alone, as a yes/no question, and refused when YES is less "
        "likely than this (0: no check). 0.2 refuses more of what the articles do not say; adds a second model call "
        "(about 1.3 s on 2 cores) to each question the judge answers.",
    )
    judge_close: float = Field(
        JUDGE_CLOSE, ge=0, le=1,
        description="A sure answer goes to the judge too when the next best sentence scores at least this share of "
        "it, or when it lacks every word of what the question asks for ('anniversary' in 'Which anniversary ...?') "
        "and a runner-up has one; the judge may then choose the other sentence but not refuse (0: never).",
    )
    judge_wait: float = Field(
        0.0, ge=0, le=600, description="Seconds an unsure question may wait for the judge model to finish loading "
        "(0: answer with the fast reader meanwhile; the one-shot CLI waits).",
    )
    models_dir: Path | None = Field(
        None, description="Folder for models assembled from their PyPI parts (default: <index_dir>/models).",
    )
    generator: str = Field("none", description="none (extractive), openai, llamacpp or gemma.")
    llm_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://localhost:8080/v1.")
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_model_path: str | None = Field(None, description="GGUF file for the llamacpp generator.")
    llm_timeout: float = Field(30.0, gt=0)
    llm_max_tokens: int = Field(160, ge=16, le=2048)
    prompt_version: str = "answer-v2"

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(explain_settings_error(exc, set(values))) from exc

    @field_validator("chroma_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


_KINDS = {int: "a whole number", float: "a number", bool: "true or false (1/0, yes/no)", Path: "a folder path",
          str: "text"}


def _expected(name: str) -> str:
    """What a setting accepts, in words: 'a whole number from 1 to 500'."""
    field = Settings.model_fields.get(name)
    if field is None:
        return "a valid value"
    annotation = field.annotation
    options = getattr(annotation, "__args__", ())  # str | None -> (str, NoneType)
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(map(str, options))
    kind = next((words for typ, words in _KINDS.items() if annotation is typ or typ in options), "a valid value")
    bounds = {type(m).__name__: getattr(m, type(m).__name__.lower()) for m in field.metadata
              if type(m).__name__ in ("Ge", "Gt", "Le", "Lt")}
    if "Ge" in bounds and "Le" in bounds:
        kind += f" from {bounds['Ge']:g} to {bounds['Le']:g}"
    else:
        words = {"Ge": "at least", "Gt": "greater than", "Le": "at most", "Lt": "less than"}
        kind += "".join(f" {words[k]} {v:g}" for k, v in bounds.items())
    return kind


def explain_settings_error(exc: ValidationError, arguments: set[str]) -> str:
    """A pydantic error about settings, told in the names the user set: ``ASSISTANT_TOP_K_DENSE='abc'``."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "?"
        value = f"={error.get('input')!r}"
        where = name + value if name in arguments else f"ASSISTANT_{name.upper()}{value} (environment or .env)"
        problems.append(f"{where} is not valid: expected {_expected(name)}")
    return "; ".join(problems)
