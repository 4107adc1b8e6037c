"""Questions about the collection (which articles, which sources, how many, a timeline) are detected by rules
and answered from the whole index, each listed article cited where it says so."""

from __future__ import annotations

import pytest

from assistant.collection import CollectionRequest, detect
from assistant.textutil import numbers

# --------------------------------------------------------------------------- detect


@pytest.mark.parametrize(
    ("question", "kind", "topic"),
    [
        ("Which articles mention Jordan?", "mention", "Jordan"),
        ("What stories cover the Zaatari camp?", "mention", "the Zaatari camp"),
        ("What sources do I have about Syria?", "sources", "Syria"),
        ("How many articles are from October 2012?", "count", "October 2012"),
        ("Give me a timeline of the refugee numbers", "timeline", "refugee numbers"),
    ],
)
def test_a_question_about_the_collection_is_detected_with_its_topic(question, kind, topic):
    assert detect(question) == CollectionRequest(kind, topic)


@pytest.mark.parametrize(
    "question",
    ["How many refugees does Turkey shelter?", "Which camp is the largest?", "What did the articles say about Jordan?"],
)
def test_an_ordinary_question_is_not_a_collection_question(question):
    assert detect(question) is None


def test_how_many_articles_without_a_topic_counts_the_whole_library():
    assert detect("How many articles do I have?") == CollectionRequest("count", "")


def test_how_many_articles_are_there_counts_the_whole_library():
    assert detect("How many articles are there?") == CollectionRequest("count", "")
    assert detect("How many stories were there?") == CollectionRequest("count", "")


# --------------------------------------------------------------------------- answers, end to end

DOCS = [
    {"text": "Turkey already shelters more than 120,000 Syrian refugees. Officials in Ankara asked for help.",
     "title": "Turkey shelters refugees", "source": "Daily Ledger", "published": "2012-11-09"},
    {"text": "Aid workers say the camp is crowded. Jordan hosts the Zaatari camp near the border.",
     "title": "A crowded camp", "source": "Cedar Review", "published": "2012-10-15"},
    {"text": "Lebanon counts many refugees in the Bekaa valley. Jordan and Turkey are also affected by the war.",
     "title": "Lebanon and neighbours", "source": "Wire", "published": "2013-01-20"},
]


@pytest.fixture
def library(make_assistant):
    a = make_assistant()
    assert a.add_documents(DOCS).added == len(DOCS)
    return a


def test_which_articles_mention_a_name_cites_exactly_the_articles_that_name_it_verbatim(library):
    answer = library.ask("Which articles mention Jordan?")
    assert answer.kind == "collection"
    assert not answer.refused
    assert {c.title for c in answer.citations} == {"A crowded camp", "Lebanon and neighbours"}
    for c in answer.citations:
        quote = library.article(c.article_id).text[c.start : c.end]
        assert c.quote == quote
        assert "Jordan" in c.quote  # the cited sentence is the one that names it, not the article's first
    # newest first, each with its marker, and the count it states is the number of articles cited
    assert [c.title for c in answer.citations] == ["Lebanon and neighbours", "A crowded camp"]
    assert answer.text.startswith("2 articles mention Jordan")
    assert "[1]" in answer.text and "[2]" in answer.text


def test_a_count_by_period_counts_and_cites_only_the_articles_published_in_it(library):
    answer = library.ask("How many articles are from October 2012?")
    assert answer.kind == "collection"
    assert [c.title for c in answer.citations] == ["A crowded camp"]
    assert numbers(answer.text)[0] == "1"
    for c in answer.citations:
        assert c.quote == library.article(c.article_id).text[c.start : c.end]


def test_a_count_without_a_topic_counts_and_cites_every_article(library):
    answer = library.ask("How many articles do I have?")
    assert answer.kind == "collection"
    assert numbers(answer.text)[0] == str(len(DOCS))
    assert len(answer.citations) == len(DOCS)


def test_a_count_with_a_topic_counts_the_articles_that_name_it(library):
    answer = library.ask("How many articles are about Jordan?")
    assert answer.kind == "collection"
    assert numbers(answer.text)[0] == "2"
    assert {c.title for c in answer.citations} == {"A crowded camp", "Lebanon and neighbours"}


def test_a_count_of_one_article_is_worded_in_the_singular(library):
    answer = library.ask("How many articles are about Lebanon?")
    assert answer.kind == "collection" and len(answer.citations) == 1
    assert answer.text.startswith("1 article mentions Lebanon")
