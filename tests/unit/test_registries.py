"""Plug-in registries (generators and readers chosen by name) and resetting an index folder."""

from __future__ import annotations

import pytest

from assistant import Assistant, generation, reader
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.generation import Generator, load_generator, register_generator
from assistant.index import reset
from assistant.reader import CandidateSentences, Reader, SimilarityReader, load_reader, register_reader
from assistant.records import ScoredSentence

DOCS = [
    {"text": "Turkey already shelters more than 120,000 Syrian refugees. Officials said the magic number is 7,000 "
             "new arrivals a week. The camps are near the border.",
     "title": "Turkey shelters refugees", "source": "Daily Ledger", "published": "2012-11-09"},
]
QUESTION = "How many refugees does Turkey shelter?"
BEST = "Turkey already shelters more than 120,000 Syrian refugees."
MAGIC = "Officials said the magic number is 7,000 new arrivals a week."


@pytest.fixture(autouse=True)
def private_registries(monkeypatch):
    """Registrations made by a test go into copies of the registries, discarded afterwards."""
    monkeypatch.setattr(generation, "_GENERATORS", dict(generation._GENERATORS))
    monkeypatch.setattr(reader, "_READERS", dict(reader._READERS))


# --------------------------------------------------------------------------- generators


class EchoGenerator(Generator):
    """Writes the best evidence sentence back with its marker, as a faithful generator would."""

    name = "echo"

    def __init__(self, settings: Settings):
        self.settings = settings

    def generate(self, system, user, stop, max_tokens):
        yield f"{BEST[:-1]} [1]."


def test_a_registered_generator_is_built_from_the_settings_by_name():
    register_generator("myname", EchoGenerator)
    settings = Settings(generator="myname")
    built = load_generator(settings)
    assert isinstance(built, EchoGenerator)
    assert built.settings is settings


def test_generator_names_are_case_insensitive():
    register_generator("MyName", EchoGenerator)
    assert isinstance(load_generator(Settings(generator="MYNAME")), EchoGenerator)


def test_the_assistant_answers_with_the_generator_its_name_selects(make_assistant):
    register_generator("myname", EchoGenerator)
    a = make_assistant(generator="myname")
    assert isinstance(a.generator, EchoGenerator)
    assert a.add_documents(DOCS).added == 1
    answer = a.ask(QUESTION)
    assert answer.generator == "echo"
    assert answer.text == f"{BEST[:-1]} [1]."
    assert [c.quote for c in answer.citations] == [BEST]


def test_an_unknown_generator_name_raises_config_error_naming_the_choices():
    register_generator("myname", EchoGenerator)
    with pytest.raises(ConfigError) as err:
        load_generator(Settings(generator="nope"))
    message = str(err.value)
    assert "'nope'" in message
    for choice in ("none", "openai", "llamacpp", "gemma", "myname"):
        assert choice in message


def test_an_unknown_generator_name_fails_when_the_assistant_is_built(make_assistant):
    with pytest.raises(ConfigError):
        make_assistant(generator="nope")


def test_none_means_no_generator():
    assert load_generator(Settings(generator="none")) is None
    assert load_generator(Settings(generator="None")) is None


def test_none_cannot_be_registered():
    with pytest.raises(ValueError):
        register_generator("none", EchoGenerator)


# --------------------------------------------------------------------------- readers


class MagicReader(Reader):
    """Scores the sentence containing 'magic' highest, everything else low."""

    name = "magic"

    def __init__(self, **pieces):
        self.pieces = pieces

    def read(self, info, q_vec, candidates):
        scored = [ScoredSentence(span, cand.chunk, cand.meta, 0.99 if "magic" in span.text else 0.1, {"kind": 1.0})
                  for span, cand, _ in CandidateSentences.of(candidates).items]
        return sorted(scored, key=lambda s: s.score, reverse=True)


def test_a_registered_reader_is_built_by_name_with_the_assistants_pieces(make_assistant):
    register_reader("fake", MagicReader)
    a = make_assistant(reader="fake")
    assert isinstance(a.reader, MagicReader)
    assert a.reader.pieces["embedder"] is a.embedder
    assert a.reader.pieces["keyword"] is a.index.keyword
    assert a.reader.pieces["settings"] is a.settings


def test_the_registered_reader_decides_which_sentence_the_answer_quotes(make_assistant):
    register_reader("fake", MagicReader)
    a = make_assistant(reader="fake")
    assert a.add_documents(DOCS).added == 1
    answer = a.ask(QUESTION)
    assert [c.quote for c in answer.citations] == [MAGIC]


def test_the_similarity_reader_quotes_a_different_sentence_for_the_same_question(make_assistant):
    a = make_assistant(reader="similarity")
    assert isinstance(a.reader, SimilarityReader)
    assert a.add_documents(DOCS).added == 1
    assert [c.quote for c in a.ask(QUESTION).citations] == [BEST]


def test_an_unknown_reader_name_raises_config_error_naming_the_choices(make_assistant):
    with pytest.raises(ConfigError, match="similarity"):
        load_reader("nope")
    with pytest.raises(ConfigError):
        make_assistant(reader="nope")


# --------------------------------------------------------------------------- reset


def test_reset_removes_exactly_the_chroma_and_bm25_folders_it_wrote(make_assistant, tmp_path):
    folder = tmp_path / "idx"
    a = make_assistant(index_dir=folder)
    assert a.add_documents(DOCS).added == 1
    a.record_feedback(a.ask(QUESTION), "up")
    (folder / "uploads").mkdir()
    (folder / "uploads" / "article.txt").write_text("An uploaded article.")
    written = {p.name for p in folder.iterdir()}
    assert {"chroma", "bm25", "feedback.jsonl", "uploads"} <= written

    removed = Assistant.reset(index_dir=folder)

    assert sorted(removed) == sorted([str(folder / "chroma"), str(folder / "bm25")])
    assert {p.name for p in folder.iterdir()} == written - {"chroma", "bm25"}
    assert (folder / "feedback.jsonl").read_text().strip()
    assert (folder / "uploads" / "article.txt").read_text() == "An uploaded article."


def test_reset_is_the_index_function_behind_the_assistant(tmp_path):
    folder = tmp_path / "idx"
    (folder / "chroma").mkdir(parents=True)
    (folder / "bm25").mkdir()
    assert sorted(reset(Settings(index_dir=folder))) == sorted([str(folder / "chroma"), str(folder / "bm25")])
    assert list(folder.iterdir()) == []


def test_resetting_an_empty_folder_removes_nothing(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert Assistant.reset(index_dir=folder) == []
    assert folder.is_dir()
