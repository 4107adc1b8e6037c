"""The default feature reader: packaged weights, furniture never evidence, scores as probabilities."""

import pytest

from assistant.errors import ConfigError
from assistant.features import ANSWERABILITY, FEATURES
from assistant.reader import FeatureReader, Model
from tests.conftest import EXAMPLE_QUESTION, EXAMPLE_QUOTE, SAMPLE

FURNITURE_ARTICLE = ("Title: Alibaba listing\n\nAlibaba could raise as much as $12.9bn from its Hong Kong listing, "
                     "the company said.\nRead more: Alibaba poised to launch record-breaking $13.4bn Hong Kong "
                     "listing\nThe shares start trading next week.\n")


def test_the_packaged_weights_cover_every_feature():
    model = Model.packaged()
    assert len(model.weights) == len(FEATURES) and len(model.answerable) == len(ANSWERABILITY)
    assert 0 < model.threshold < 1


def test_missing_weights_are_a_config_error_that_says_how_to_rebuild(monkeypatch):
    from assistant import reader

    monkeypatch.setattr(reader, "WEIGHTS_FILE", "no-such-weights.json")
    with pytest.raises(ConfigError, match="train_reader.py"):
        Model.packaged()


def test_the_default_reader_is_the_feature_reader(make_assistant):
    a = make_assistant(reader="features")
    assert isinstance(a.reader, FeatureReader) and a.pipeline.threshold == a.reader.threshold


def test_scores_are_probabilities_best_first(make_assistant):
    a = make_assistant(reader="features")
    a.ingest([SAMPLE])
    info_vec = a.embedder.encode_one(EXAMPLE_QUESTION)
    from assistant.question import analyze

    scored = a.reader.read(analyze(EXAMPLE_QUESTION), info_vec, a.retriever.retrieve(EXAMPLE_QUESTION, info_vec))
    scores = [s.score for s in scored]
    assert scores == sorted(scores, reverse=True) and all(0 <= x <= 1 for x in scores)
    assert EXAMPLE_QUOTE in [s.span.text for s in scored]


def _one_article(make_assistant, tmp_path, reader: str, text: str, question: str):
    """An assistant over one article, and the reader's scored sentences for the question."""
    from assistant.question import analyze

    a = make_assistant(reader=reader)
    path = tmp_path / "article.txt"
    path.write_text(text)
    a.ingest([path])
    vec = a.embedder.encode_one(question)
    return a, a.reader.read(analyze(question), vec, a.retriever.retrieve(question, vec))


def test_page_furniture_is_never_evidence(make_assistant, tmp_path):
    question = "How much could Alibaba raise from its Hong Kong listing?"
    a, scored = _one_article(make_assistant, tmp_path, "features", FURNITURE_ARTICLE, question)
    assert scored and all(not s.span.text.startswith("Read more") for s in scored)
    answer = a.ask(question)
    assert all("Read more" not in c.quote for c in answer.citations)


TOUR_ARTICLE = ("Title: Cycling results\n\nEgan Bernal officially won the 2019 Tour de France on Sunday, the first "
                "Colombian to do so.\n\nThe race covered 3,400 kilometres over three weeks.\n")


@pytest.mark.parametrize("reader", ["features", "similarity"])
def test_a_sentence_about_another_years_edition_is_never_evidence(make_assistant, tmp_path, reader):
    question = "Who won the 2021 Tour de France?"
    a, scored = _one_article(make_assistant, tmp_path, reader, TOUR_ARTICLE, question)
    bernal = next(s for s in scored if "Bernal" in s.span.text)
    assert bernal.score == 0.0 and bernal.features["other_edition"] == 1.0
    answer = a.ask(question)
    assert answer.refused and "Cycling results" in answer.text  # the refusal still points at the closest article
    assert not a.ask("Who won the 2019 Tour de France?").refused  # the year's own edition is evidence


def test_a_question_may_name_the_articles_author_or_a_place_by_its_adjective(make_assistant, tmp_path):
    # the byline is in the article's metadata, not its text; the text says "China", the question "Chinese"
    text = ("Title: Starting out online\nAuthor: Pamela Wilson\n\nBack in late 2009, I was managing my design and "
            "marketing business, Zurek Design.\n\nI later moved my studio to Shanghai, China.\n")
    a, scored = _one_article(make_assistant, tmp_path, "features",
                             text, "What was the design business that Pamela Wilson was running in late 2009?")
    assert scored[0].features["names_article"] == 1.0 and "Zurek Design" in scored[0].span.text
    q = "In which Chinese city is Pamela Wilson's studio?"
    vec = a.embedder.encode_one(q)
    from assistant.question import analyze

    scored = a.reader.read(analyze(q), vec, a.retriever.retrieve(q, vec))
    assert all(s.features["names_article"] == 1.0 for s in scored)
