"""Sentence vectors are computed once at ingest and kept with their chunk: a question embeds only itself."""

import numpy as np
import pytest

from assistant.models import Chunk
from assistant.sentence_vectors import (
    META_KEY,
    SPANS_KEY,
    chunk_sentences,
    chunk_vector,
    encode_chunks,
    pack,
    unpack,
)
from assistant.question import analyze
from tests.conftest import EXAMPLE_QUESTION, SAMPLE


def test_pack_and_unpack_round_trip_within_float16_precision():
    v = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    back = unpack(pack(v), 3, 8)
    assert back.shape == (3, 8) and np.abs(back - v).max() < 1e-3


@pytest.mark.parametrize("stored", [None, "", 42, "not base64!", pack(np.ones((2, 8)))])
def test_vectors_that_are_missing_or_do_not_fit_are_ignored(stored):
    assert unpack(stored, 3, 8) is None  # wrong count, wrong type, garbage: the reader embeds instead


def test_overlapping_chunks_embed_a_shared_sentence_once(fake_embedder):
    text = "One sentence here. Two sentence here. Three sentence here."
    a = Chunk(id="a-0", article_id="a", text=text[:37], start=0, end=37, index=0)
    b = Chunk(id="a-1", article_id="a", text=text[19:], start=19, end=len(text), index=1)
    spans, per_chunk = encode_chunks(fake_embedder, [a, b])
    assert [[s.text for s in x] for x in spans] == [["One sentence here.", "Two sentence here."],
                                                    ["Two sentence here.", "Three sentence here."]]
    assert [len(v) for v in per_chunk] == [2, 2]
    assert fake_embedder.calls == [3]  # "Two sentence here." is shared
    assert np.allclose(per_chunk[0][1], per_chunk[1][0])
    v = chunk_vector(per_chunk[0], chunk_sentences(a))
    assert abs(np.linalg.norm(v) - 1) < 1e-5


def test_every_chunk_stores_the_vectors_of_its_sentences(sample_assistant, fake_embedder):
    got = sample_assistant.index.store.chunks.get(include=["documents", "metadatas"])
    assert got["ids"]
    for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
        chunk = Chunk(id=chunk_id, article_id=meta["article_id"], text=text, start=meta["start"], end=meta["end"])
        spans = chunk_sentences(chunk)
        assert chunk_sentences(chunk, meta) == spans  # the stored boundaries are the split's
        stored = unpack(meta[META_KEY], len(spans), fake_embedder.dim)
        assert stored is not None
        assert np.allclose(stored, fake_embedder.encode([s.text for s in spans]), atol=2e-3)


def test_a_question_embeds_only_itself(sample_assistant, fake_embedder):
    fake_embedder.calls.clear()
    answer = sample_assistant.ask(EXAMPLE_QUESTION)
    assert not answer.refused
    assert fake_embedder.calls == [1]


@pytest.mark.parametrize("reader", ["similarity", "features"])
def test_chunks_without_stored_vectors_get_the_same_scores(make_assistant, fake_embedder, reader):
    """An index written before sentence vectors existed: the reader embeds the sentences itself."""
    a = make_assistant(reader=reader)
    a.ingest([SAMPLE])
    info = analyze(EXAMPLE_QUESTION)
    q_vec = fake_embedder.encode_one(EXAMPLE_QUESTION)
    cands = a.retriever.retrieve(EXAMPLE_QUESTION, q_vec)
    with_vectors = a.reader.read(info, q_vec, cands)
    for c in cands:
        c.meta = {k: v for k, v in c.meta.items() if k not in (META_KEY, SPANS_KEY)}
    fake_embedder.calls.clear()
    without = a.reader.read(info, q_vec, cands)
    assert fake_embedder.calls  # embedded at question time
    scores = {s.span.start: s.score for s in without}
    assert len(scores) == len(with_vectors)
    assert all(abs(s.score - scores[s.span.start]) < 5e-3 for s in with_vectors)  # float16 storage


@pytest.mark.parametrize("stored", ["0:5,x:9", "0:999", "5:2", "", None, 7])
def test_stored_boundaries_that_do_not_fit_the_chunk_are_ignored(stored):
    chunk = Chunk(id="a-0", article_id="a", text="First one. Second one.", start=100, end=122, index=0)
    spans = chunk_sentences(chunk, {SPANS_KEY: stored})
    assert [s.text for s in spans] == ["First one.", "Second one."] and spans[0].start == 100


def test_a_question_on_an_index_with_stored_boundaries_does_not_load_the_sentence_splitter(tmp_path):
    """Answering reads the boundaries stored at ingest: NLTK (over a second to import) is not imported."""
    import subprocess
    import sys
    import textwrap

    from tests.conftest import ROOT

    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.conftest import FakeEmbedder, SAMPLE
        from assistant import Assistant
        a = Assistant(index_dir={str(tmp_path / "ix")!r}, embedder=FakeEmbedder(), reader="similarity",
                      refusal_threshold=0.3, load_samples=False)
        a.ingest([SAMPLE])
        for name in [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]:
            del sys.modules[name]
        import assistant.textutil as t
        t._punkt.cache_clear()
        answer = a.ask("How many refugees does Turkey shelter?")
        print(answer.refused, "nltk" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.stdout.split() == ["False", "False"], out.stderr[-2000:]
