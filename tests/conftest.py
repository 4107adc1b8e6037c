"""Shared fixtures: a deterministic fake embedder (injected, never patched) and real Chroma in tmp dirs."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# The LLM judge (a 1.1 GB model) is off unless a test asks for it: tests/slow/test_qwen_judge.py does.
os.environ.setdefault("ASSISTANT_JUDGE", "off")

from assistant.embeddings import Embedder  # noqa: E402
from assistant.textutil import terms  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "assistant" / "samples" / "syria-refugees-turkey.txt"
EXAMPLE_QUESTION = "How many refugees does Turkey shelter?"
EXAMPLE_QUOTE = "Turkey already shelters more than 120,000 Syrian refugees."


class FakeEmbedder(Embedder):
    """Feature-hashed bag of stemmed words: deterministic, fast, and similar texts get similar vectors."""

    def __init__(self, dim: int = 256, model_id: str = "fake/hash-256"):
        self.dim = dim
        self.model_id = model_id
        self.calls: list[int] = []  # batch sizes, so tests can check batching

    def encode(self, texts):
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text) or ["_"]:
                h = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = np.linalg.norm(out[row]) or 1.0
            out[row] /= norm
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def make_assistant(tmp_path, fake_embedder):
    """Factory for Assistants on a real Chroma in a temp dir, with the fake embedder injected."""
    from assistant import Assistant

    def make(index_dir: Path | None = None, embedder: Embedder | None = None, **settings):
        # The default reader's weights and threshold are fitted to the real model's similarities; hashed
        # bag-of-words cosines run lower and mean less. Pipeline tests therefore use the similarity reader with a
        # threshold for the fake embedder; the default reader is tested in test_reader.py and, with the real
        # model, in tests/slow.
        settings.setdefault("reader", "similarity")
        if settings["reader"] == "similarity":
            settings.setdefault("refusal_threshold", 0.3)
        return Assistant(index_dir=index_dir or tmp_path / "index", embedder=embedder or fake_embedder, **settings)

    return make


@pytest.fixture
def assistant(make_assistant):
    return make_assistant()


@pytest.fixture
def sample_assistant(assistant):
    report = assistant.ingest([SAMPLE])
    assert report.added == 1
    return assistant


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}): the shared datasets are only in the project's workspace")
    return SHARED


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(index_dir: Path, log_path: Path, **env_overrides: str):
    """Start `python app.py` on a free port; returns (process, url) once the page answers."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_UI_PORT": str(port),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **env_overrides}
    with open(log_path, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=1)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    proc.kill()
    pytest.fail(f"the app did not start: {log_path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The real app (real model, samples ingested on first start) on a free localhost port: (url, index dir)."""
    index_dir = tmp_path_factory.mktemp("appidx")
    proc, url = start_app(index_dir, tmp_path_factory.mktemp("log") / "app.log")
    yield url, index_dir
    proc.terminate()
    proc.wait(15)


@pytest.fixture(scope="module")
def app_url(app_server):
    """The URL of the real app (see ``app_server``)."""
    return app_server[0]


@pytest.fixture(scope="module")
def app_index(app_server) -> Path:
    """The index folder of the real app (see ``app_server``)."""
    return app_server[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A real `chroma run` server on a free localhost port, for the module."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        found = shutil.which("chroma")
        if not found:
            pytest.skip("the chroma CLI is not installed")
        chroma = Path(found)
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("srv")), "--port", str(port),
                             "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(10)
