"""Verification, on hand-made records: what makes an answer draft fail (`verify`), and which generated sentences
survive (`check_generated`)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer import check_generated, verify
from assistant.models import Article, Chunk, Citation, Span
from assistant.records import Draft, ScoredSentence

REFUSAL = "The articles don't say."

TURKEY_TEXT = "Turkey already shelters more than 120,000 Syrian refugees. Officials in Ankara asked the UN for help."
TURKEY_QUOTE = "Turkey already shelters more than 120,000 Syrian refugees."
JORDAN_TEXT = "Aid workers say the camp is crowded. Jordan hosts the Zaatari camp near the border."
JORDAN_QUOTE = "Jordan hosts the Zaatari camp near the border."

TURKEY = Article(id="turkey", title="Turkey shelters refugees", source="Daily Ledger", published=date(2012, 11, 9),
                 text=TURKEY_TEXT)
JORDAN = Article(id="jordan", title="A crowded camp", source="Cedar Review", published=date(2012, 10, 15),
                 text=JORDAN_TEXT)
ARTICLES = {a.id: a for a in (TURKEY, JORDAN)}


def citation(number: int, article: Article, sentence: str, **changes) -> Citation:
    """Citation [number] of ``sentence`` at its true offsets in ``article``; ``changes`` forge any field."""
    start = article.text.index(sentence)
    fields = {"number": number, "article_id": article.id, "title": article.title, "source": article.source,
              "published": article.published, "quote": sentence, "start": start, "end": start + len(sentence)}
    return Citation(**{**fields, **changes})


def draft(text: str, citations: list[Citation], **changes) -> Draft:
    return Draft(**{"text": text, "citations": citations, "refused": False, "confidence": 0.8, **changes})


# --------------------------------------------------------------------------- verify


def test_a_draft_quoting_its_article_with_only_quoted_numbers_has_no_problems():
    d = draft(f"{TURKEY_QUOTE[:-1]} [1].", [citation(1, TURKEY, TURKEY_QUOTE)])
    assert verify(d, ARTICLES) == []


def test_a_quote_that_is_not_the_article_text_at_its_offsets_is_a_problem():
    forged = citation(1, TURKEY, TURKEY_QUOTE, quote="Turkey already shelters more than 120,000 Iraqi refugees.")
    problems = verify(draft("Turkey already shelters more than 120,000 Iraqi refugees [1].", [forged]), ARTICLES)
    assert problems == ["[1] quote is not at 0:58 of its article"]


def test_a_quote_at_shifted_offsets_is_a_problem_even_if_the_text_is_elsewhere_in_the_article():
    shifted = citation(1, TURKEY, TURKEY_QUOTE, start=1, end=59)
    assert any("[1] quote is not at" in p for p in verify(draft("Turkey shelters refugees [1].", [shifted]), ARTICLES))


def test_a_citation_of_an_unknown_article_is_a_problem():
    unknown = citation(1, TURKEY, TURKEY_QUOTE, article_id="deleted")
    assert verify(draft("Turkey shelters refugees [1].", [unknown]), ARTICLES) == [
        "[1] cites an unknown article deleted"
    ]


def test_a_number_in_no_cited_quote_is_a_problem():
    d = draft("Turkey already shelters more than 150,000 Syrian refugees [1].", [citation(1, TURKEY, TURKEY_QUOTE)])
    assert verify(d, ARTICLES) == ["the number 150000 is in no cited quote"]


def test_a_number_from_the_cited_articles_date_as_written_is_allowed():
    text = f"As of 9 November 2012 (Daily Ledger): {TURKEY_QUOTE[:-1]} [1]."
    assert verify(draft(text, [citation(1, TURKEY, TURKEY_QUOTE)]), ARTICLES) == []


def test_the_date_numbers_are_allowed_only_because_the_citation_carries_that_date():
    text = f"As of 9 November 2012 (Daily Ledger): {TURKEY_QUOTE[:-1]} [1]."
    undated = citation(1, TURKEY, TURKEY_QUOTE, published=None)
    assert verify(draft(text, [undated]), ARTICLES) == [
        "the number 9 is in no cited quote", "the number 2012 is in no cited quote",
    ]


def test_a_number_of_another_articles_date_is_a_problem():
    text = f"As of 15 October 2012: {TURKEY_QUOTE[:-1]} [1]."
    assert verify(draft(text, [citation(1, TURKEY, TURKEY_QUOTE)]), ARTICLES) == [
        "the number 15 is in no cited quote"
    ]


def test_a_number_in_extra_numbers_is_allowed():
    text = "3 articles mention Turkey, newest first: “Turkey shelters refugees” [1]."
    cited = [citation(1, TURKEY, TURKEY_QUOTE)]
    assert verify(draft(text, cited), ARTICLES) == ["the number 3 is in no cited quote"]
    assert verify(draft(text, cited, extra_numbers={"3"}), ARTICLES) == []


def test_a_marker_without_its_citation_is_a_problem():
    d = draft(f"{TURKEY_QUOTE[:-1]} [1][3].", [citation(1, TURKEY, TURKEY_QUOTE)])
    assert verify(d, ARTICLES) == ["markers [3] have no citation"]


def test_an_answer_that_cites_nothing_is_a_problem():
    assert verify(draft("Turkey shelters many refugees.", []), ARTICLES) == ["the answer cites nothing"]


def test_citations_without_a_marker_in_the_text_still_count_as_citing_nothing():
    d = draft("Turkey shelters many refugees.", [citation(1, TURKEY, TURKEY_QUOTE)])
    assert "the answer cites nothing" in verify(d, ARTICLES)


def test_a_refused_draft_has_no_problems():
    refused = draft("The articles don't say. 42 is not an answer.", [], refused=True)
    assert verify(refused, ARTICLES) == []


def test_every_citation_of_a_multi_source_draft_is_checked():
    text = f"{TURKEY_QUOTE[:-1]} [1]. {JORDAN_QUOTE[:-1]} [2]."
    good = [citation(1, TURKEY, TURKEY_QUOTE), citation(2, JORDAN, JORDAN_QUOTE)]
    assert verify(draft(text, good), ARTICLES) == []
    bad = [good[0], citation(2, JORDAN, JORDAN_QUOTE, start=0)]
    assert verify(draft(text, bad), ARTICLES) == [f"[2] quote is not at 0:{bad[1].end} of its article"]


# --------------------------------------------------------------------------- check_generated


def evidence_of(article: Article, sentence: str, score: float = 0.8) -> ScoredSentence:
    start = article.text.index(sentence)
    chunk = Chunk(id=f"{article.id}-00000", article_id=article.id, text=article.text, start=0, end=len(article.text))
    meta = {"title": article.title, "source": article.source, "published": article.published.isoformat()}
    return ScoredSentence(Span(text=sentence, start=start, end=start + len(sentence)), chunk, meta, score,
                          {"kind": 1.0})


EVIDENCE = [evidence_of(TURKEY, TURKEY_QUOTE), evidence_of(JORDAN, JORDAN_QUOTE)]  # shown as [1] and [2]


def test_a_sentence_citing_existing_evidence_in_its_words_is_kept():
    checked = check_generated("Turkey already shelters more than 120,000 Syrian refugees [1].", EVIDENCE, REFUSAL)
    assert checked.text == "Turkey already shelters more than 120,000 Syrian refugees [1]."
    assert checked.dropped == [] and not checked.refused
    assert [(c.number, c.article_id, c.quote) for c in checked.citations] == [(1, "turkey", TURKEY_QUOTE)]


def test_kept_citations_quote_the_evidence_sentence_verbatim_at_its_offsets():
    checked = check_generated("Turkey shelters more than 120,000 Syrian refugees [1].", EVIDENCE, REFUSAL)
    (c,) = checked.citations
    assert TURKEY.text[c.start : c.end] == c.quote == TURKEY_QUOTE


def test_a_sentence_with_an_invented_number_is_dropped_with_the_reason():
    checked = check_generated("Turkey shelters 500,000 Syrian refugees [1].", EVIDENCE, REFUSAL)
    assert checked.citations == [] and checked.text == ""
    assert checked.dropped == ["Turkey shelters 500,000 Syrian refugees [1]. (the number 500000 is not in the cited evidence)"]


def test_a_number_from_the_cited_evidences_date_is_allowed():
    checked = check_generated("As of 9 November 2012, Turkey shelters more than 120,000 Syrian refugees [1].",
                              EVIDENCE, REFUSAL)
    assert checked.dropped == []
    assert len(checked.citations) == 1


def test_a_sentence_citing_evidence_that_does_not_exist_is_dropped():
    checked = check_generated("Jordan hosts the Zaatari camp [9].", EVIDENCE, REFUSAL)
    assert checked.citations == []
    assert checked.dropped == ["Jordan hosts the Zaatari camp [9]. (cites evidence that does not exist)"]


def test_a_sentence_citing_nothing_is_dropped():
    checked = check_generated("Refugees are everywhere.", EVIDENCE, REFUSAL)
    assert checked.citations == []
    assert checked.dropped == ["Refugees are everywhere. (cites nothing)"]


def test_a_sentence_whose_words_are_not_in_the_cited_evidence_is_dropped():
    checked = check_generated("Turkey opens its beaches to tourists and bankers [1].", EVIDENCE, REFUSAL)
    assert checked.citations == []
    assert checked.dropped[0].endswith("(not supported by the cited evidence)")


def test_a_sentence_citing_the_wrong_evidence_is_dropped():
    checked = check_generated("Jordan hosts the Zaatari camp near the border [1].", EVIDENCE, REFUSAL)
    assert checked.citations == []
    assert len(checked.dropped) == 1


@pytest.mark.parametrize("text", [REFUSAL, "I'm sorry. The articles don't say", ""])
def test_the_refusal_phrase_or_an_empty_draft_is_a_refusal(text):
    checked = check_generated(text, EVIDENCE, REFUSAL)
    assert checked.refused is True
    assert checked.citations == []


def test_kept_citations_are_renumbered_in_order_of_first_use():
    generated = (f"{JORDAN_QUOTE[:-1]} [2]. Refugees are everywhere. "
                 f"{TURKEY_QUOTE[:-1]} [1]. The Zaatari camp is near the border [2].")
    checked = check_generated(generated, EVIDENCE, REFUSAL)
    assert [(c.number, c.article_id) for c in checked.citations] == [(1, "jordan"), (2, "turkey")]
    assert checked.text == (f"{JORDAN_QUOTE[:-1]} [1]. {TURKEY_QUOTE[:-1]} [2]. "
                            "The Zaatari camp is near the border [1].")
    assert checked.dropped == ["Refugees are everywhere. (cites nothing)"]


def test_what_check_generated_keeps_passes_verify():
    generated = f"As of 9 November 2012, {TURKEY_QUOTE[:-1]} [1]. {JORDAN_QUOTE[:-1]} [2]. Turkey pays 7 billion [1]."
    checked = check_generated(generated, EVIDENCE, REFUSAL, ARTICLES)
    assert len(checked.citations) == 2
    assert checked.dropped == ["Turkey pays 7 billion [1]. (the number 7 is not in the cited evidence)"]
    assert verify(draft(checked.text, checked.citations), ARTICLES) == []
