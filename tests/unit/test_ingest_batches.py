"""Ingest in several batches: every batch is stored whole, progress counts every chunk, and an embedding error
stops the ingest with the batches before it stored whole and nothing of the failed one."""

import pytest

import assistant.index as index_module
from tests.conftest import FakeEmbedder


class RecordingEmbedder(FakeEmbedder):
    """The fake embedder, counting its calls and failing from the ``fail_at``-th call on."""

    def __init__(self, fail_at: int | None = None):
        super().__init__()
        self.fail_at = fail_at

    def encode(self, texts):
        if self.fail_at is not None and len(self.calls) + 1 >= self.fail_at:
            raise RuntimeError("the embedding model stopped")
        return super().encode(texts)


def documents(n: int) -> list[dict]:
    return [{"title": f"Dispatch {i}", "path": f"dispatch-{i}.txt",
             "text": f"The clinic in Town{i} treated {i * 3 + 7} patients on Monday. Doctors in Town{i} asked for "
                     f"more supplies after a flood. Officials said roads to Town{i} reopened."} for i in range(n)]


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(index_module, "MAX_BATCH_ARTICLES", 10)


def test_several_batches_are_all_stored(make_assistant, small_batches):
    embedder = RecordingEmbedder()
    a = make_assistant(embedder=embedder)
    report = a.add_documents(documents(35))
    assert report.added == 35 and not report.failed
    assert len(embedder.calls) == 4  # 10 + 10 + 10 + 5 articles
    assert a.index.store.count() == (35, 35)
    titles = {info.id: info.title for info in a.articles()}
    for i in (0, 17, 34):
        hits = a.search(f"Town{i} clinic patients", 3)
        assert hits and titles[hits[0].article_id] == f"Dispatch {i}"


def test_progress_over_several_batches_counts_every_chunk_in_order(make_assistant, small_batches, tmp_path):
    a = make_assistant(embedder=RecordingEmbedder())
    folder = tmp_path / "files"
    folder.mkdir()
    for d in documents(25):
        (folder / d["path"]).write_text(f"Title: {d['title']}\n\n{d['text']}")
    calls = []
    report = a.ingest([folder], progress=lambda done, total, path: calls.append((done, total)))
    assert report.added == 25
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (report.chunks, report.chunks)


def test_an_embedding_error_keeps_the_batches_before_whole_and_nothing_of_the_failed_one(make_assistant,
                                                                                         small_batches):
    a = make_assistant(embedder=RecordingEmbedder(fail_at=3))
    with pytest.raises(RuntimeError, match="the embedding model stopped"):
        a.add_documents(documents(35))
    articles, chunks = a.index.store.count()
    assert (articles, chunks) == (20, 20)  # batches 1 and 2 stored; batch 3 failed, batch 4 never started
    stored = {info.title for info in a.articles()}
    assert stored == {f"Dispatch {i}" for i in range(20)}
    # the index is usable and a second try stores the rest, nothing twice
    b = make_assistant(embedder=RecordingEmbedder())
    report = b.add_documents(documents(35))
    assert (report.added, len([r for r in report.files if r.status == "skipped"])) == (15, 20)
    assert b.index.store.count() == (35, 35)
