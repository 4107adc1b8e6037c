"""How evidence becomes answer text: select_evidence and compose, on hand-made scored sentences."""

from datetime import date

from assistant.answer import closest_refusal, compose, select_evidence, verify
from assistant.models import Article, Chunk, Span
from assistant.question import analyze
from assistant.records import Evidence, ScoredSentence

TEXT = ("DUBAI, United Arab Emirates (AP) — Iran said 120 people were detained. "
        "Officials said 30 of them were released on Monday. The talks ended without a deal.")
ART = Article(id="a1", title="Iran detains protesters", source="AP", published=date(2019, 11, 20), text=TEXT)
OTHER = Article(id="a2", title="Protests spread", source="Reuters", published=date(2019, 11, 21),
                text="Iran said 150 people were detained by Thursday.")


def scored(article: Article, sentence: str, score: float) -> ScoredSentence:
    start = article.text.index(sentence)
    span = Span(text=sentence, start=start, end=start + len(sentence))
    chunk = Chunk(id=f"{article.id}:0", article_id=article.id, text=article.text, start=0, end=len(article.text))
    meta = {"title": article.title, "source": article.source, "published": article.published.isoformat()}
    return ScoredSentence(span, chunk, meta, score, {"kind": 1.0, "cos": 0.5})


FIRST = "DUBAI, United Arab Emirates (AP) — Iran said 120 people were detained."
SECOND = "Officials said 30 of them were released on Monday."


def test_the_quote_starts_after_the_dateline_and_still_matches_the_article():
    draft = compose(analyze("How many people did Iran detain?"), [scored(ART, FIRST, 0.9)], {"a1": ART})
    [cit] = draft.citations
    assert cit.quote == "Iran said 120 people were detained."
    assert ART.text[cit.start:cit.end] == cit.quote
    assert "DUBAI" not in draft.text and verify(draft, {"a1": ART}) == []


def test_two_quotes_from_one_article_share_one_citation_number_and_one_as_of():
    ev = Evidence([scored(ART, FIRST, 0.9), scored(ART, SECOND, 0.85)])
    draft = compose(analyze("How many people were detained?"), ev, {"a1": ART})
    assert [c.number for c in draft.citations] == [1, 1]
    assert draft.text.count("As of") == 1 and draft.text.count("[1]") == 2
    assert verify(draft, {"a1": ART}) == []


def test_quotes_from_different_articles_get_their_own_numbers():
    ev = Evidence([scored(OTHER, OTHER.text, 0.9), scored(ART, FIRST, 0.8)], conflict=True)
    draft = compose(analyze("How many people were detained?"), ev, {"a1": ART, "a2": OTHER})
    assert [c.number for c in draft.citations] == [1, 2]
    assert draft.text.startswith("The articles give different figures")
    assert verify(draft, {"a1": ART, "a2": OTHER}) == []


def test_no_evidence_is_a_refusal_without_citations():
    draft = compose(analyze("Who won the World Cup?"), Evidence([], scored=[]))
    assert draft.refused and draft.citations == [] and draft.text.startswith("The articles don't say")


def test_the_best_sentence_must_clear_the_threshold():
    weak = [scored(ART, FIRST, 0.2)]
    assert select_evidence(weak, 0.5, 2).sentences == []
    assert select_evidence(weak, 0.1, 2).sentences == weak


def test_a_near_equal_sentence_joins_within_the_margin_only():
    best, close, far = scored(ART, FIRST, 0.9), scored(ART, SECOND, 0.85), scored(OTHER, OTHER.text, 0.3)
    chosen = select_evidence([best, close, far], 0.1, 3, margin=0.1).sentences
    assert chosen == [best, close]


def test_a_refusal_can_point_at_the_closest_article_and_is_still_verified():
    from assistant.answer import cite_sentence
    from assistant.records import Draft

    closest = cite_sentence(1, scored(ART, SECOND, 0.1), {"a1": ART})
    text = closest_refusal(closest)
    assert "Iran detains protesters" in text and "[1]" in text and "20 November 2019" in text
    assert verify(Draft(text, [closest], True, 0.1), {"a1": ART}) == []
    tampered = closest.model_copy(update={"quote": "Officials said nothing."})
    assert verify(Draft(text, [tampered], True, 0.1), {"a1": ART})  # a pointer with a wrong quote is caught
