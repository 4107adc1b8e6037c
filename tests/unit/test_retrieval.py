"""Hybrid retrieval: reciprocal rank fusion, the minimal `where` evaluator, and the Retriever on a real index."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.news import TimeFilter
from assistant.retrieval import RRF_K, _matches, reciprocal_rank_fusion

# --------------------------------------------------------------------------- reciprocal rank fusion


def test_a_document_ranked_in_both_lists_beats_one_ranked_first_in_only_one():
    fused = reciprocal_rank_fusion([["solo", "both"], ["both", "other"]])
    assert fused["both"] > fused["solo"]


def test_fused_scores_are_sums_of_one_over_k_plus_rank_plus_one():
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=10)
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 1 / 11)
    assert fused["c"] == pytest.approx(1 / 12)


def test_the_default_k_is_rrf_k():
    assert reciprocal_rank_fusion([["a"]])["a"] == pytest.approx(1 / (RRF_K + 1))


def test_fusing_no_rankings_gives_no_scores():
    assert reciprocal_rank_fusion([]) == {}
    assert reciprocal_rank_fusion([[], []]) == {}


# --------------------------------------------------------------------------- _matches (where filters on fetched chunks)

META = {"published_ord": 734816, "source": "Daily Ledger", "group": "g1"}


def test_eq_matches_only_an_equal_value():
    assert _matches(META, {"source": {"$eq": "Daily Ledger"}})
    assert not _matches(META, {"source": {"$eq": "Cedar Review"}})


def test_a_bare_value_means_equality():
    assert _matches(META, {"source": "Daily Ledger"})
    assert not _matches(META, {"source": "Cedar Review"})


def test_gte_and_lte_include_their_bound():
    assert _matches(META, {"published_ord": {"$gte": 734816}})
    assert _matches(META, {"published_ord": {"$lte": 734816}})
    assert not _matches(META, {"published_ord": {"$gte": 734817}})
    assert not _matches(META, {"published_ord": {"$lte": 734815}})


def test_in_matches_a_value_in_the_list():
    assert _matches(META, {"group": {"$in": ["g0", "g1"]}})
    assert not _matches(META, {"group": {"$in": ["g2", "g3"]}})


def test_and_needs_every_clause():
    inside = {"$and": [{"published_ord": {"$gte": 734800}}, {"published_ord": {"$lte": 734900}}]}
    half = {"$and": [{"published_ord": {"$gte": 734800}}, {"published_ord": {"$lte": 734810}}]}
    assert _matches(META, inside)
    assert not _matches(META, half)


def test_a_range_on_a_missing_key_does_not_match():
    assert not _matches({}, {"published_ord": {"$gte": 1}})


def test_a_time_filter_where_keeps_days_in_the_period_and_leaves_out_undated_ones():
    where = TimeFilter(start=date(2012, 1, 1), end=date(2012, 12, 31)).where()
    assert _matches({"published_ord": date(2012, 11, 9).toordinal()}, where)
    assert not _matches({"published_ord": date(2013, 1, 20).toordinal()}, where)
    assert not _matches({"published_ord": 0}, where)  # undated


# --------------------------------------------------------------------------- Retriever on a real Chroma index

DOCS = [
    {"text": "Turkey already shelters more than 120,000 Syrian refugees. Officials in Ankara asked for help.",
     "title": "Turkey shelters refugees", "source": "Daily Ledger", "published": "2012-11-09"},
    {"text": "Jordan hosts the Zaatari camp near the border. Aid workers say the camp is crowded with refugees.",
     "title": "Camp in Jordan", "source": "Cedar Review", "published": "2012-10-15"},
    {"text": "Lebanon counts many refugees in the Bekaa valley. The war affects every neighbour.",
     "title": "Lebanon and neighbours", "source": "Wire", "published": "2013-01-20"},
    {"text": "Refugees and interest rates: the central bank raised rates on Tuesday. Markets fell sharply.",
     "title": "Rates rise", "source": "Money Desk", "published": "2011-05-02"},
    {"text": "Refugees in Greece wait for papers. The islands are full.", "title": "Greek islands", "source": "Undated Post"},
]


@pytest.fixture
def indexed(make_assistant):
    a = make_assistant()
    assert a.add_documents(DOCS).added == len(DOCS)
    return a


def retrieve(a, query, **kwargs):
    return a.retriever.retrieve(query, a.embedder.encode_one(query), **kwargs)


def test_the_chunk_with_the_querys_rare_keyword_comes_first(indexed):
    cands = retrieve(indexed, "Zaatari camp")
    assert cands[0].chunk.text.startswith("Jordan hosts the Zaatari camp")
    assert cands[0].bm25_rank == 0


def test_candidates_are_ordered_by_their_fused_score(indexed):
    cands = retrieve(indexed, "refugees camp")
    scores = [c.rrf for c in cands]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


def test_a_date_filter_leaves_out_articles_outside_the_period_and_undated_ones(indexed):
    where = TimeFilter(start=date(2012, 1, 1), end=date(2012, 12, 31)).where()
    # "interest rates" is a keyword hit in the 2011 article: keyword hits are filtered too, not only dense ones
    cands = retrieve(indexed, "refugees interest rates", where=where)
    assert {c.meta["published"] for c in cands} == {"2012-11-09", "2012-10-15"}


def test_without_a_filter_every_matching_article_can_be_found(indexed):
    cands = retrieve(indexed, "refugees interest rates")
    assert "Rates rise" in {c.meta["title"] for c in cands}
    assert len({c.chunk.article_id for c in cands}) == len(DOCS)


def test_limit_caps_the_number_of_candidates(indexed):
    assert len(retrieve(indexed, "refugees", limit=2)) == 2
