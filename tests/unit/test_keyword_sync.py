"""The keyword index stays in step with Chroma across kills, corruption and restarts, without full rebuilds."""

import pytest

from assistant.keyword import FILENAME
from assistant.store import ChromaStore
from tests.conftest import EXAMPLE_QUESTION, SAMPLE


def keyword_file(a):
    return a.index.keyword.path


def in_step(a) -> bool:
    return a.index.keyword.ids() == set(a.index.store.chunk_ids())


def test_a_clean_open_does_not_read_every_chunk_id(make_assistant, tmp_path, monkeypatch):
    make_assistant(index_dir=tmp_path / "ix").ingest([SAMPLE])

    def fail(self):
        raise AssertionError("opened by comparing every chunk id")

    monkeypatch.setattr(ChromaStore, "chunk_ids", fail)
    a = make_assistant(index_dir=tmp_path / "ix")
    assert not a.ask(EXAMPLE_QUESTION).refused


def test_a_write_killed_between_chroma_and_the_keyword_index_is_repaired_on_open(make_assistant, tmp_path):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.ingest([SAMPLE])
    article_id = a.articles()[0].id
    # what a kill leaves: Chroma has the chunks, the keyword index was marked and never updated
    a.index.keyword.mark_dirty()
    a.index.keyword.update(delete_articles=[article_id])
    assert a.index.keyword.n_docs == 0
    b = make_assistant(index_dir=tmp_path / "ix")
    assert in_step(b) and b.index.keyword.n_docs > 0 and not b.index.keyword.dirty
    assert b.index.keyword.search("refugees Turkey", 3)


def test_a_count_mismatch_without_the_mark_is_repaired_on_open(make_assistant, tmp_path):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.ingest([SAMPLE])
    a.index.keyword.update(add=[("ghost-00000", "ghost", "a chunk Chroma does not have")])
    b = make_assistant(index_dir=tmp_path / "ix")
    assert in_step(b) and "ghost-00000" not in b.index.keyword.ids()


@pytest.mark.parametrize("damage", [b"garbage" * 500, b"SQLite format 3\x00" + b"\x01" * 4000])
def test_a_corrupt_keyword_file_is_rebuilt_from_chroma_on_open(make_assistant, tmp_path, damage):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.ingest([SAMPLE])
    path = keyword_file(a)
    a.index.keyword.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(FILENAME + suffix).unlink(missing_ok=True)
    path.write_bytes(damage)
    b = make_assistant(index_dir=tmp_path / "ix")
    assert in_step(b) and b.index.keyword.n_docs > 0
    assert not b.ask(EXAMPLE_QUESTION).refused


def test_a_missing_keyword_file_is_rebuilt_from_chroma_on_open(make_assistant, tmp_path):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.ingest([SAMPLE])
    path = keyword_file(a)
    a.index.keyword.close()
    for suffix in ("", "-wal", "-shm"):
        path.with_name(FILENAME + suffix).unlink(missing_ok=True)
    b = make_assistant(index_dir=tmp_path / "ix")
    assert in_step(b) and b.index.keyword.n_docs > 0


def test_adding_and_deleting_touch_only_that_articles_rows(make_assistant, tmp_path, monkeypatch):
    from tests.conftest import ROOT

    a = make_assistant(index_dir=tmp_path / "ix")
    a.ingest([SAMPLE])
    before = a.index.keyword.ids()

    def fail(self):
        raise AssertionError("a write read every chunk back")

    monkeypatch.setattr(ChromaStore, "chunk_ids", fail)
    monkeypatch.setattr(ChromaStore, "iter_chunks", fail)
    fixture = sorted((ROOT / "tests" / "fixtures" / "news").glob("*.txt"))[0]
    report = a.ingest([fixture])
    new_id = report.files[0].article_id
    added = a.index.keyword.ids() - before
    assert added and all(i.startswith(new_id) for i in added)
    a.delete(new_id)
    assert a.index.keyword.ids() == before
    assert not a.index.keyword.dirty


def test_articles_are_paged_newest_first_and_kept_current_without_rereading(make_assistant, tmp_path, monkeypatch):
    from tests.conftest import ROOT

    a = make_assistant(index_dir=tmp_path / "ix")
    fixtures = sorted((ROOT / "tests" / "fixtures" / "news").glob("*.txt"))
    a.ingest(fixtures[:6])
    everything = a.articles()
    assert len(everything) == 6
    assert a.articles(offset=2, limit=2) == everything[2:4]
    assert a.articles(offset=10) == [] and a.articles(limit=0) == []
    reads = []
    real = ChromaStore.list_articles
    monkeypatch.setattr(ChromaStore, "list_articles", lambda self, ids=None: reads.append(ids) or real(self, ids))
    report = a.ingest([fixtures[6]])
    new_id = report.files[0].article_id
    assert new_id in {x.id for x in a.articles()} and len(a.articles()) == 7
    a.delete(new_id)
    assert new_id not in {x.id for x in a.articles()} and len(a.articles()) == 6
    assert None not in reads  # each write updated the cached list; nothing read the whole library again
    assert a.articles() == everything


STORY = ("The harbour bridge in Port Elin reopened on Monday after 14 months of repairs, the city council said. "
         "Engineers replaced 212 steel cables and resurfaced the deck. Traffic had been diverted through the old "
         "tunnel, adding about 25 minutes to the commute. The repairs cost 48 million dollars, council figures show.")


@pytest.mark.parametrize("together", [True, False])
def test_syndicated_copies_share_a_group_whether_ingested_together_or_later(make_assistant, tmp_path, together):
    a = make_assistant(index_dir=tmp_path / "ix")
    docs = [{"text": STORY, "title": "Bridge reopens", "source": "Daily Ledger", "path": "ledger.txt"},
            {"text": STORY + " Officials thanked residents.", "title": "Port Elin bridge reopens",
             "source": "Cedar Review", "path": "cedar.txt"},
            {"text": "The central bank raised interest rates by a quarter point on Tuesday, citing inflation.",
             "title": "Rates up", "source": "Daily Ledger", "path": "rates.txt"}]
    if together:
        a.add_documents(docs)
    else:
        for doc in docs:
            a.add_documents([doc])
    groups = {x.title: x.group for x in a.articles()}
    assert groups["Bridge reopens"] == groups["Port Elin bridge reopens"]
    assert groups["Rates up"] != groups["Bridge reopens"]
    # who else carried a story comes from the keyword file's groups table, kept by every write
    by_title = {x.title: x for x in a.articles()}
    ledger, cedar = by_title["Bridge reopens"], by_title["Port Elin bridge reopens"]
    articles = a.index.get_articles([ledger.id, cedar.id])
    assert a.index.syndicated_by(articles.values()) == {ledger.id: ["Cedar Review"], cedar.id: ["Daily Ledger"]}
    a.delete(cedar.id)
    assert a.index.syndicated_by([articles[ledger.id]]) == {}


LONG_STORY = " ".join(
    f"In district {i}, engineers inspected {i * 4 + 3} bridges and found {i + 1} that needed new cables before "
    f"winter." for i in range(40))


def test_a_long_copy_with_a_new_lead_found_through_its_chunks_joins_the_stored_group(make_assistant, tmp_path):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.add_documents([{"text": LONG_STORY, "title": "Bridge survey", "source": "Daily Ledger", "path": "a.txt"}])
    a.add_documents([{"text": "Editor's note: this report first ran in the Daily Ledger. " + LONG_STORY,
                      "title": "Bridge survey (wire)", "source": "Cedar Review", "path": "b.txt"},
                     {"text": "The central bank raised interest rates by a quarter point on Tuesday.",
                      "title": "Rates up", "source": "Daily Ledger", "path": "c.txt"}])
    groups = {x.title: (x.group, x.n_chunks) for x in a.articles()}
    assert groups["Bridge survey"][1] > 3  # several chunks, their boundaries shifted by the new lead
    assert groups["Bridge survey (wire)"][0] == groups["Bridge survey"][0]
    assert groups["Rates up"][0] != groups["Bridge survey"][0]


def test_article_records_carry_a_placeholder_vector_not_a_full_one(assistant):
    assistant.add_documents([{"text": STORY, "title": "Bridge reopens", "source": "Daily Ledger"}])
    got = assistant.index.store.articles.get(include=["embeddings"])
    assert [len(v) for v in got["embeddings"]] == [1]
    chunks = assistant.index.store.chunks.get(include=["embeddings"])
    assert {len(v) for v in chunks["embeddings"]} == {assistant.embedder.dim}


def test_an_index_written_with_article_vectors_keeps_them_and_still_groups_copies(make_assistant, tmp_path,
                                                                                   fake_embedder):
    import chromadb
    from chromadb.config import Settings

    from assistant.store import SCHEMA_VERSION

    index = tmp_path / "ix"
    old = chromadb.PersistentClient(path=str(index / "chroma"), settings=Settings(anonymized_telemetry=False))
    stamp = {"embed_model": fake_embedder.model_id, "embed_dim": fake_embedder.dim, "schema": SCHEMA_VERSION}
    for name in ("news_chunks", "news_articles"):  # as versions before the placeholder made them
        old.get_or_create_collection(name, metadata=stamp, embedding_function=None,
                                     configuration={"hnsw": {"space": "cosine"}})
    del old
    a = make_assistant(index_dir=index)
    a.add_documents([{"text": STORY, "title": "Bridge reopens", "source": "Daily Ledger"}])
    a.add_documents([{"text": STORY + " Officials thanked residents.", "title": "Copy", "source": "Cedar Review"}])
    got = a.index.store.articles.get(include=["embeddings"])
    assert {len(v) for v in got["embeddings"]} == {fake_embedder.dim}
    assert len({x.group for x in a.articles()}) == 1
    answer = a.ask("How many steel cables did engineers replace?")
    assert not answer.refused and "212" in answer.text


def test_a_keyword_file_from_before_the_groups_table_is_filled_from_the_records_on_open(make_assistant, tmp_path):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.add_documents([{"text": STORY, "title": "Bridge reopens", "source": "Daily Ledger"},
                     {"text": STORY + " Officials thanked residents.", "title": "Copy", "source": "Cedar Review"}])
    db = a.index.keyword._db  # what an older version left: no groups table, no 'groups' mark
    db.execute("DROP TABLE groups")
    db.execute("DELETE FROM meta WHERE key = 'groups'")
    a.index.keyword.close()
    b = make_assistant(index_dir=tmp_path / "ix")
    assert b.index.keyword.groups_complete
    group = b.articles()[0].group
    assert sorted(s for _, s in b.index.keyword.group_members(group)) == ["Cedar Review", "Daily Ledger"]
    ledger = next(x for x in b.articles() if x.source == "Daily Ledger")
    assert b.index.syndicated_by([b.index.article(ledger.id)]) == {ledger.id: ["Cedar Review"]}
    answer = b.ask("How many steel cables did engineers replace?")
    assert not answer.refused and "212" in answer.text


def test_a_keyword_sync_forgets_the_groups_of_articles_chroma_no_longer_has(make_assistant, tmp_path):
    a = make_assistant(index_dir=tmp_path / "ix")
    a.add_documents([{"text": STORY, "title": "Bridge reopens", "source": "Daily Ledger"}])
    ghost = ("ghost-00000", "ghost", "a chunk Chroma does not have", None, "ghost-group", "Nowhere Times")
    a.index.keyword.update(add=[ghost])
    assert a.index.keyword.group_members("ghost-group") == [("ghost", "Nowhere Times")]
    a.index.refresh()
    assert a.index.keyword.group_members("ghost-group") == []
    assert len(a.index.keyword.group_members(a.articles()[0].group)) == 1
