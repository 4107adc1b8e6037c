"""Sentence vectors are computed once at ingest and kept beside their chunk: a question embeds only itself."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from assistant.models import Chunk
from assistant.question import analyze
from assistant.sentence_vectors import chunk_vector, encode_chunks, for_chunks, pack, split, unpack
from tests.conftest import EXAMPLE_QUESTION, ROOT, SAMPLE

CHUNK = Chunk(id="a-0", article_id="a", text="First one. Second one.", start=100, end=122, index=0)


def test_pack_and_unpack_round_trip_within_float16_precision():
    spans = split(CHUNK)
    v = np.random.default_rng(0).normal(size=(2, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    back_spans, back = unpack(CHUNK, pack(CHUNK, spans, v), 8)
    assert back_spans == spans and spans[1].start == 111
    assert back.shape == (2, 8) and np.abs(back - v).max() < 1e-3


@pytest.mark.parametrize("stored", [None, ("", b""), ("0:5,x:9", b"\0" * 32), ("0:999", b"\0" * 16),
                                    ("5:2", b"\0" * 16), ("0:10", b"\0" * 15), ("0:10,11:22", b"\0" * 16)])
def test_stored_sentences_that_do_not_fit_the_chunk_are_ignored(stored):
    assert unpack(CHUNK, stored, 8) is None  # the reader splits and embeds again instead


def test_overlapping_chunks_embed_a_shared_sentence_once(fake_embedder):
    text = "One sentence here. Two sentence here. Three sentence here."
    a = Chunk(id="a-0", article_id="a", text=text[:37], start=0, end=37, index=0)
    b = Chunk(id="a-1", article_id="a", text=text[19:], start=19, end=len(text), index=1)
    spans, per_chunk = encode_chunks(fake_embedder, [a, b])
    assert [[s.text for s in x] for x in spans] == [["One sentence here.", "Two sentence here."],
                                                    ["Two sentence here.", "Three sentence here."]]
    assert fake_embedder.calls == [3]  # "Two sentence here." is shared
    assert np.allclose(per_chunk[0][1], per_chunk[1][0])
    assert abs(np.linalg.norm(chunk_vector(per_chunk[0], spans[0])) - 1) < 1e-5


def test_missing_vectors_are_embedded_once_and_saved(fake_embedder):
    saved = {}
    first = for_chunks(fake_embedder, [CHUNK], {}, save=saved.update)
    assert fake_embedder.calls == [2] and set(saved) == {"a-0"}
    again = for_chunks(fake_embedder, [CHUNK], saved, save=saved.update)
    assert fake_embedder.calls == [2]  # read back, not embedded again
    assert np.allclose(first["a-0"][1], again["a-0"][1], atol=2e-3)


def test_every_chunk_keeps_its_sentences_and_their_vectors_at_ingest(sample_assistant, fake_embedder):
    ids = sample_assistant.index.store.chunk_ids()
    stored = sample_assistant.index.keyword.sentence_vectors(ids)
    assert set(stored) == set(ids)
    for hit in sample_assistant.index.store.get_chunks(ids):
        spans, vectors = unpack(hit.chunk, stored[hit.chunk.id], fake_embedder.dim)
        assert spans == split(hit.chunk)
        assert np.allclose(vectors, fake_embedder.encode([s.text for s in spans]), atol=2e-3)
        assert "sentence" not in " ".join(hit.meta)  # Chroma's metadata stays lean


def test_a_question_embeds_only_itself(sample_assistant, fake_embedder):
    fake_embedder.calls.clear()
    answer = sample_assistant.ask(EXAMPLE_QUESTION)
    assert not answer.refused
    assert fake_embedder.calls == [1]


@pytest.mark.parametrize("reader", ["similarity", "features"])
def test_chunks_without_stored_vectors_get_the_same_scores_and_are_cached(make_assistant, fake_embedder, reader):
    """A chunk synced from a Chroma server, or after the keyword file was rebuilt: embedded when first read."""
    a = make_assistant(reader=reader)
    a.ingest([SAMPLE])
    info = analyze(EXAMPLE_QUESTION)
    q_vec = fake_embedder.encode_one(EXAMPLE_QUESTION)
    cands = a.retriever.retrieve(EXAMPLE_QUESTION, q_vec)
    with_vectors = a.reader.read(info, q_vec, cands)
    a.index.keyword._db.execute("UPDATE docs SET bounds = NULL, vectors = NULL")
    fake_embedder.calls.clear()
    without = a.reader.read(info, q_vec, cands)
    assert fake_embedder.calls  # embedded at question time
    scores = {s.span.start: s.score for s in without}
    assert len(scores) == len(with_vectors)
    assert all(abs(s.score - scores[s.span.start]) < 5e-3 for s in with_vectors)  # float16 storage
    fake_embedder.calls.clear()
    a.reader.read(info, q_vec, cands)
    assert fake_embedder.calls == []  # cached by the first read


def test_a_question_does_not_load_the_sentence_splitter(tmp_path):
    """Answering reads the sentence boundaries stored at ingest: NLTK (over a second to import) is not imported."""
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
