"""The keyword index (SQLite FTS5): ranking, IDF, in-place updates, and a file that survives a kill or corruption."""

from __future__ import annotations

import sqlite3

import pytest

from assistant.keyword import FILENAME, KeywordIndex, token

IDS = ["turkey-0", "jordan-0", "lebanon-0", "bank-0"]
TEXTS = [
    "Turkey already shelters more than 120,000 Syrian refugees in camps.",
    "Jordan hosts the Zaatari camp, where refugees from Syria wait.",
    "Lebanon counts many refugees in the Bekaa valley.",
    "The central bank raised interest rates on Tuesday.",
]
ROWS = [(i, i.split("-")[0], t) for i, t in zip(IDS, TEXTS)]


def built(folder=None) -> KeywordIndex:
    index = KeywordIndex(folder)
    index.build(ROWS)
    return index


# --------------------------------------------------------------------------- search


def test_the_document_with_the_querys_terms_ranks_first():
    hits = built().search("Zaatari camp", k=4)
    assert hits[0][0] == "jordan-0"
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_search_returns_only_documents_that_share_a_term_with_the_query():
    assert [doc for doc, _ in built().search("interest rates", k=4)] == ["bank-0"]


def test_search_matches_stemmed_words():
    assert built().search("sheltering", k=4)[0][0] == "turkey-0"  # "shelters" and "sheltering" share a stem


def test_a_query_with_no_known_term_finds_nothing():
    assert built().search("volcano eruption", k=4) == []


@pytest.mark.parametrize("query", ["", "   ", "the of and", '"', "NEAR(a b)", "refugees OR", "*", "AND NOT"])
def test_queries_that_look_like_fts_syntax_or_hold_no_term_are_searched_as_words(query):
    assert isinstance(built().search(query, k=4), list)  # never an FTS5 syntax error


def test_accented_words_and_apostrophes_are_matched_whole():
    index = KeywordIndex()
    index.build([("a-0", "a", "The café in Zürich reopened."), ("b-0", "b", "A cafe chain closed.")])
    assert [d for d, _ in index.search("café", 4)] == ["a-0"]  # 'café' is not folded into 'cafe'
    assert token("café") != "café" and token("cafe") == "cafe"


def test_an_empty_index_finds_nothing():
    index = KeywordIndex()
    assert index.search("refugees", k=4) == []
    assert index.n_docs == 0


def test_search_returns_at_most_k_documents():
    assert len(built().search("refugees", k=2)) == 2


# --------------------------------------------------------------------------- idf


def test_a_rare_term_has_a_higher_idf_than_a_common_one():
    index = built()
    assert index.idf("zaatari") > index.idf("refuge")  # "refugees" is in three of four documents


def test_an_unseen_term_has_the_highest_idf():
    index = built()
    assert index.idf("volcano") > index.idf("zaatari")


def test_idf_follows_updates():
    index = built()
    before = index.idf("zaatari")
    index.update(add=[("jordan-1", "jordan", "Zaatari again."), ("jordan-2", "jordan", "And Zaatari.")])
    assert index.idf("zaatari") < before


# --------------------------------------------------------------------------- updates in place


def test_update_adds_replaces_and_deletes_whole_articles():
    index = built()
    version = index.version
    index.update(add=[("turkey-0", "turkey", "Turkey opened a new border crossing."), ("oman-0", "oman", "Oman.")],
                 delete_articles=["bank"])
    assert index.ids() == {"turkey-0", "jordan-0", "lebanon-0", "oman-0"}
    assert index.search("shelters", 4) == []  # the replaced text is gone
    assert index.search("crossing", 4)[0][0] == "turkey-0"
    assert index.search("interest", 4) == []
    assert index.version != version


def test_sync_adds_what_is_missing_and_drops_what_is_extra():
    index = built()
    fetched = []

    def fetch(ids):
        fetched.extend(ids)
        return [(i, "oman", "Oman held an election.") for i in ids]

    assert index.sync(["turkey-0", "jordan-0", "oman-0"], fetch) == (1, 2)
    assert fetched == ["oman-0"]  # only the missing chunk is read back
    assert index.ids() == {"turkey-0", "jordan-0", "oman-0"}
    version = index.version
    assert index.sync(["turkey-0", "jordan-0", "oman-0"], fetch) == (0, 0)
    assert index.version == version  # nothing changed, nothing derived needs refreshing


def test_dirty_is_set_before_a_write_and_cleared_once_it_is_committed():
    index = built()
    assert not index.dirty
    index.mark_dirty()
    index.update(add=[("x-0", "x", "text")])
    assert index.dirty  # the other store may not have it yet
    index.commit_write()
    assert not index.dirty


def test_a_failed_update_rolls_back_completely():
    index = built()

    def rows():
        yield ("new-0", "new", "A new article about refugees.")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        index.update(add=rows(), delete_articles=["bank"])
    assert index.ids() == set(IDS)  # neither the delete nor the half-done add happened


# --------------------------------------------------------------------------- persistence


def test_the_file_opens_in_a_new_instance_with_the_same_results(tmp_path):
    original = built(tmp_path / "bm25")
    reloaded = KeywordIndex(tmp_path / "bm25")
    assert reloaded.ids() == set(IDS) and not reloaded.recovered
    for query in ("Zaatari camp", "refugees", "interest rates"):
        assert reloaded.search(query, 4) == original.search(query, 4)
    assert reloaded.idf("zaatari") == original.idf("zaatari")
    assert reloaded.version == original.version


def test_a_dirty_mark_survives_a_restart(tmp_path):
    index = built(tmp_path / "bm25")
    index.mark_dirty()
    index.close()
    assert KeywordIndex(tmp_path / "bm25").dirty


@pytest.mark.parametrize("damage", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\x00" * 50])
def test_a_corrupt_file_is_started_afresh_and_flagged_for_a_rebuild(tmp_path, damage):
    built(tmp_path / "bm25").close()
    path = tmp_path / "bm25" / FILENAME
    for suffix in ("-wal", "-shm"):
        (tmp_path / "bm25" / (FILENAME + suffix)).unlink(missing_ok=True)
    path.write_bytes(damage)
    reopened = KeywordIndex(tmp_path / "bm25")
    assert reopened.n_docs == 0 and reopened.search("refugees", 4) == []
    if damage:  # an empty file is a valid empty database
        assert reopened.recovered  # the Index then rebuilds it from Chroma, with a log line


def test_files_of_the_earlier_format_are_removed(tmp_path):
    folder = tmp_path / "bm25"
    (folder / "gen-3" / "bm25").mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    KeywordIndex(folder)
    assert not (folder / "gen-3").exists() and not (folder / "manifest.json").exists()
    assert (folder / FILENAME).exists()


def test_an_in_memory_index_writes_nothing(tmp_path):
    index = KeywordIndex(None)
    index.build(ROWS)
    assert index.path is None and index.n_docs == 4


def test_the_file_is_a_plain_sqlite_database(tmp_path):
    built(tmp_path / "bm25").close()
    db = sqlite3.connect(tmp_path / "bm25" / FILENAME)
    assert db.execute("SELECT count(*) FROM docs").fetchone()[0] == 4


def test_in_a_large_index_very_common_terms_are_left_out_of_the_match(monkeypatch):
    import assistant.keyword as kw

    monkeypatch.setattr(kw, "PRUNE_FROM", 4)
    monkeypatch.setattr(kw, "COMMON", 0.5)
    index = built()
    # "refugees" is in 3 of 4 chunks, "zaatari" and "camp" are rarer: the common term no longer matches alone
    assert [d for d, _ in index.search("Zaatari camp refugees", 4)] == ["jordan-0", "turkey-0"]
    # every term that common: nothing to rank by (the dense retriever ranks alone)
    assert index.search("refugees", 4) == []
    monkeypatch.setattr(kw, "PRUNE_FROM", 10_000)
    assert len(index.search("Zaatari camp refugees", 4)) == 3  # small indexes match every term


def test_in_a_large_index_chunks_with_the_rarest_term_and_another_rank_first(monkeypatch):
    import assistant.keyword as kw

    monkeypatch.setattr(kw, "PRUNE_FROM", 4)
    monkeypatch.setattr(kw, "COMMON", 0.5)
    index = built()
    assert [d for d, _ in index.search("Zaatari camps", 1)] == ["jordan-0"]  # holds both: enough for k=1
    hits = [d for d, _ in index.search("Zaatari camps", 3)]  # too few hold both: every chunk with either term
    assert hits[0] == "jordan-0" and set(hits) == {"jordan-0", "turkey-0"}


def test_a_file_locked_by_another_writer_is_reported_and_kept(tmp_path, monkeypatch):
    import assistant.keyword as kw
    from assistant.errors import StoreError

    built(tmp_path / "bm25").close()
    path = tmp_path / "bm25" / FILENAME
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
    monkeypatch.setattr(kw, "BUSY_TIMEOUT", 0.1)
    with pytest.raises(StoreError, match="retry"):
        KeywordIndex(tmp_path / "bm25")
    other.execute("ROLLBACK")
    other.close()
    assert KeywordIndex(tmp_path / "bm25").ids() == set(IDS)  # nothing was deleted
