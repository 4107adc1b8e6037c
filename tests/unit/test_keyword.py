"""The BM25 keyword index: ranking, IDF, persistence that survives a crash or corruption, and the ids digest."""

from __future__ import annotations

import json

import pytest

from assistant.keyword import KeywordIndex, ids_digest

IDS = ["turkey-0", "jordan-0", "lebanon-0", "bank-0"]
TEXTS = [
    "Turkey already shelters more than 120,000 Syrian refugees in camps.",
    "Jordan hosts the Zaatari camp, where refugees from Syria wait.",
    "Lebanon counts many refugees in the Bekaa valley.",
    "The central bank raised interest rates on Tuesday.",
]


def built(folder=None) -> KeywordIndex:
    index = KeywordIndex(folder)
    index.build(IDS, TEXTS)
    return index


# --------------------------------------------------------------------------- build / search


def test_the_document_with_the_querys_terms_ranks_first():
    hits = built().search("Zaatari camp", k=4)
    assert hits[0][0] == "jordan-0"
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_search_returns_only_documents_that_share_a_term_with_the_query():
    hits = built().search("interest rates", k=4)
    assert [doc for doc, _ in hits] == ["bank-0"]


def test_search_matches_stemmed_words():
    assert built().search("sheltering", k=4)[0][0] == "turkey-0"  # "shelters" and "sheltering" share a stem


def test_a_query_with_no_known_term_finds_nothing():
    assert built().search("volcano eruption", k=4) == []


def test_an_empty_index_finds_nothing():
    index = KeywordIndex()
    index.build([], [])
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


# --------------------------------------------------------------------------- persistence


def test_a_saved_index_loads_in_a_new_instance_with_the_same_results_and_digest(tmp_path):
    original = built(tmp_path / "bm25")
    original.save()
    reloaded = KeywordIndex(tmp_path / "bm25")
    assert reloaded.load() is True
    assert reloaded.digest == original.digest
    assert reloaded.ids == original.ids
    for query in ("Zaatari camp", "refugees", "interest rates"):
        assert reloaded.search(query, 4) == original.search(query, 4)
    assert reloaded.idf("zaatari") == original.idf("zaatari")


def test_saving_again_replaces_the_previous_generation(tmp_path):
    index = built(tmp_path / "bm25")
    index.save()
    index.build(IDS[:2], TEXTS[:2])
    index.save()
    assert [p.name for p in (tmp_path / "bm25").glob("gen-*")] == ["gen-2"]
    reloaded = KeywordIndex(tmp_path / "bm25")
    assert reloaded.load() and reloaded.ids == IDS[:2]


def test_load_without_a_saved_index_returns_false(tmp_path):
    assert KeywordIndex(tmp_path / "never-saved").load() is False


def test_load_without_a_folder_returns_false():
    assert KeywordIndex(None).load() is False


def test_load_with_a_corrupt_manifest_returns_false(tmp_path):
    built(tmp_path / "bm25").save()
    (tmp_path / "bm25" / "manifest.json").write_text("{not json")
    assert KeywordIndex(tmp_path / "bm25").load() is False


def test_load_with_a_corrupt_generation_returns_false_and_keeps_the_index_empty(tmp_path):
    built(tmp_path / "bm25").save()
    generation = json.loads((tmp_path / "bm25" / "manifest.json").read_text())["generation"]
    (tmp_path / "bm25" / f"gen-{generation}" / "ids.json").write_text("[truncated")
    reloaded = KeywordIndex(tmp_path / "bm25")
    assert reloaded.load() is False
    assert reloaded.n_docs == 0 and reloaded.digest == ids_digest([])


def test_load_with_a_zero_length_array_file_returns_false(tmp_path):
    built(tmp_path / "bm25").save()
    generation = json.loads((tmp_path / "bm25" / "manifest.json").read_text())["generation"]
    arrays = sorted((tmp_path / "bm25" / f"gen-{generation}" / "bm25").glob("*.npy"))
    assert arrays, "the saved BM25 index has array files"
    arrays[0].write_bytes(b"")
    assert KeywordIndex(tmp_path / "bm25").load() is False


def test_load_with_a_missing_generation_folder_returns_false(tmp_path):
    built(tmp_path / "bm25").save()
    (tmp_path / "bm25" / "manifest.json").write_text(json.dumps({"generation": 99, "digest": "x", "n_chunks": 4}))
    assert KeywordIndex(tmp_path / "bm25").load() is False


# --------------------------------------------------------------------------- ids_digest


def test_ids_digest_does_not_depend_on_the_order_of_the_ids():
    assert ids_digest(["a", "b", "c"]) == ids_digest(["c", "a", "b"])


def test_ids_digest_differs_for_different_ids():
    assert ids_digest(["a", "b"]) != ids_digest(["a", "c"])
    assert ids_digest(["a", "b"]) != ids_digest(["a"])


def test_ids_digest_counts_repeated_ids_it_sorts_them_but_does_not_deduplicate():
    assert ids_digest(["a", "a", "b"]) != ids_digest(["a", "b"])


def test_ids_digest_separates_ids_so_concatenations_differ():
    assert ids_digest(["ab", "c"]) != ids_digest(["a", "bc"])


def test_the_index_digest_is_the_digest_of_its_ids():
    assert built().digest == ids_digest(IDS)
    assert KeywordIndex().digest == ids_digest([])
