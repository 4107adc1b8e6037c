"""Whether llama.cpp's extra CPU weight layouts run on this machine, checked once in a child process.

llama.cpp repacks a model's weights at load into layouts for the CPU it was compiled for ("extra buffer types":
AMX tiles on recent Xeons, interleaved blocks for AVX2/AVX-512). A build compiled on a machine with AMX uses AMX
wherever the CPU reports it, and some virtual machines report AMX without letting a program configure its tiles:
the first question then dies on a general protection fault (``ldtilecfg``) and takes the whole process with it,
web app included (found 2026-12-07 on a KVM virtual machine with a Sapphire Rapids Xeon).

So before a model is loaded with those layouts, a child process loads it and evaluates a short prompt. If the
child dies, the model is loaded without them: the weights are used in place, as the file stores them (there, with
AVX-512, prompts ran faster that way than with llama.cpp's AVX2 repacking; benchmarks/RESULTS.md). The verdict
is kept beside the model, keyed by the llama.cpp build, the CPU and the kernel, so the check runs once per machine
and build (a second or two, in the background thread that loads the judge).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 300.0  # seconds for the child to load the model and evaluate the probe prompt
PROBE_PROMPT = "The quick brown fox jumps over the lazy dog. " * 6  # ~60 tokens: a batch, as questions are
_PARAMS_LOCK = threading.Lock()  # the defaults function is swapped while a model loads

Runner = Callable[[list[str], float], int]  # (command, timeout) -> exit status


def _machine_key() -> str:
    """What the verdict depends on: the llama.cpp build, the CPU and its flags, the kernel."""
    parts = [platform.release(), platform.machine()]
    try:
        import llama_cpp

        parts.append(getattr(llama_cpp, "__version__", "?"))
        lib = Path(llama_cpp.__file__).parent / "lib"
        for so in sorted(lib.glob("libggml-cpu*.so*")):
            stat = so.stat()
            parts.append(f"{so.name}:{stat.st_size}:{int(stat.st_mtime)}")
    except ImportError:
        parts.append("no-llama-cpp")
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        first = cpuinfo.split("\n\n", 1)[0]
        parts += [line for line in first.splitlines() if line.startswith(("model name", "flags"))]
    except OSError:
        parts.append(platform.processor())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _run(command: list[str], timeout: float) -> int:
    try:
        return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout, check=False).returncode
    except subprocess.TimeoutExpired:
        return -1


def supports_param() -> bool:
    """Whether this llama-cpp-python lets a caller switch the extra layouts off (``use_extra_bufts``)."""
    try:
        import llama_cpp
    except ImportError:
        return False
    params = getattr(llama_cpp, "llama_model_params", None)  # absent from a stand-in module
    return any(name == "use_extra_bufts" for name, *_ in getattr(params, "_fields_", ()))


def extra_layouts_work(model_path: Path, run: Runner = _run, key: Callable[[], str] = _machine_key) -> bool:
    """True when the model runs with llama.cpp's extra CPU layouts here, as a child process found (once; the
    verdict is cached in ``<model>.cpu.json``). A child that timed out leaves no verdict and counts as False."""
    model_path = Path(model_path)
    cache = model_path.with_name(model_path.name + ".cpu.json")
    machine = key()
    try:
        saved = json.loads(cache.read_text())
        if saved.get("key") == machine and isinstance(saved.get("extra_layouts"), bool):
            return saved["extra_layouts"]
    except (OSError, ValueError, AttributeError):
        pass
    status = run([sys.executable, "-m", __name__, str(model_path)], PROBE_TIMEOUT)
    works = status == 0
    if status == -1:
        log.warning("llama.cpp's check of %s did not finish in %.0f s; loading it without the CPU's extra weight "
                    "layouts this time", model_path.name, PROBE_TIMEOUT)
        return False
    if not works:
        log.warning("llama.cpp crashed (exit status %s) running %s with its extra CPU weight layouts on this "
                    "machine (an AMX build on a VM that blocks AMX does this); the model runs without them, slower",
                    status, model_path.name)
    with contextlib.suppress(OSError):
        tmp = cache.with_name(cache.name + ".tmp")
        tmp.write_text(json.dumps({"key": machine, "extra_layouts": works}))
        os.replace(tmp, cache)
    return works


@contextlib.contextmanager
def model_params(**fields) -> Iterator[None]:
    """Within the block, llama-cpp-python's ``Llama`` builds its model parameters with ``fields`` set (it has no
    argument for them). One load at a time."""
    import llama_cpp.llama_cpp as low

    with _PARAMS_LOCK:
        original = low.llama_model_default_params

        def defaults():
            params = original()
            for name, value in fields.items():
                setattr(params, name, value)
            return params

        low.llama_model_default_params = defaults
        try:
            yield
        finally:
            low.llama_model_default_params = original


def _probe(model_path: str) -> None:
    """The child: load the model with the extra layouts and evaluate a prompt (a crash is the answer)."""
    from llama_cpp import Llama

    llm = Llama(model_path=model_path, n_ctx=256, n_threads=1, verbose=False)
    tokens = llm.tokenize(PROBE_PROMPT.encode())
    llm.eval(tokens)
    llm.eval([tokens[0]])


if __name__ == "__main__":
    _probe(sys.argv[1])
