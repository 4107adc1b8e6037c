import re
import shutil

import pytest

from assistant import Answer, Assistant
from assistant.errors import (
    ArticleNotFoundError,
    EmbedderMismatchError,
    IndexNotWritableError,
    InvalidQuestionError,
)
from assistant.textutil import normalize_space, numbers
from tests.conftest import EXAMPLE_QUESTION, EXAMPLE_QUOTE, SAMPLE, FakeEmbedder


def _check_invariants(a: Assistant, answer: Answer) -> None:
    """On any answer: every quote is its article's text at its offsets, and every number in the answer text is in
    a cited quote or in the cited article's date as the answer states it."""
    from assistant.news import long_date

    cited_numbers = set()
    for cit in answer.citations:
        if cit.published:  # an answer may say "As of <the cited article's date>"
            cited_numbers.update(numbers(long_date(cit.published)))
        article = a.article(cit.article_id)
        assert article.text[cit.start : cit.end] == cit.quote
        assert normalize_space(cit.quote) in normalize_space(article.text)
        cited_numbers.update(numbers(cit.quote))
    for n in numbers(re.sub(r"\[\d+\]", "", answer.text)):
        assert n in cited_numbers


def test_example_question_is_answered_with_the_exact_sentence(sample_assistant):
    ans = sample_assistant.ask(EXAMPLE_QUESTION)
    assert not ans.refused
    assert "more than 120,000" in ans.text
    assert ans.text == "As of 9 November 2012: Turkey already shelters more than 120,000 Syrian refugees [1]."
    assert ans.short == "more than 120,000"  # the answer first, the sentence as its proof
    first = ans.citations[0]
    assert first.number == 1 and first.quote == EXAMPLE_QUOTE
    assert first.title == "Thousands of Syrians flee into Turkey as rebels take border town"
    assert str(first.published) == "2012-11-09"
    assert set(ans.timings) >= {"embed", "retrieve", "rerank", "answer", "total"}
    _check_invariants(sample_assistant, ans)


def test_junk_never_reaches_chunks_or_answers(sample_assistant):
    for _, text, _ in sample_assistant.index.store.iter_chunks():
        assert "Loading article content" not in text
    [info] = sample_assistant.articles()
    assert "Loading article content" not in sample_assistant.article(info.id).text
    for q in ["Loading article content", "What is loading?", EXAMPLE_QUESTION]:
        ans = sample_assistant.ask(q)
        assert "Loading article content" not in ans.text
        assert all("Loading article content" not in c.quote for c in ans.citations)


def test_unrelated_question_is_refused(sample_assistant):
    ans = sample_assistant.ask("Who won the 2018 World Cup?")
    assert ans.refused and ans.citations == []
    assert ans.text.startswith("The articles don't say")


def test_empty_index_refuses_and_says_how_to_add(assistant):
    ans = assistant.ask(EXAMPLE_QUESTION)
    assert ans.refused and "assistant ingest" in ans.text


def test_reingest_is_skipped_and_changes_nothing(sample_assistant):
    before = (sample_assistant.index.store.count(), sample_assistant.index.keyword.version)
    report = sample_assistant.ingest([SAMPLE])
    assert (report.added, report.updated, report.skipped) == (0, 0, 1)
    assert report.files[0].reason == "already indexed (same text)"
    assert (sample_assistant.index.store.count(), sample_assistant.index.keyword.version) == before


def test_changed_file_replaces_its_old_version(assistant, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("The council approved a budget of 4 million dollars on Monday.")
    assert assistant.ingest([path]).added == 1
    path.write_text("The council approved a budget of 5 million dollars on Tuesday.")
    report = assistant.ingest([path])
    assert (report.added, report.updated) == (0, 1)
    [info] = assistant.articles()
    assert "5 million" in assistant.article(info.id).text
    chunk_texts = [t for _, t, _ in assistant.index.store.iter_chunks()]
    assert chunk_texts and all("4 million" not in t for t in chunk_texts)
    assert assistant.index.keyword.n_docs == len(chunk_texts)


def test_duplicate_content_under_two_names_is_stored_once(assistant, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Same story text here.")
    (folder / "b.txt").write_text("Same  story text here.\n")
    report = assistant.ingest([folder])
    assert (report.added, report.skipped) == (1, 1)


def test_bad_files_are_reported_and_good_ones_ingested(assistant, tmp_path):
    tmp_path = tmp_path / "docs"
    tmp_path.mkdir()
    (tmp_path / "good.txt").write_text("Floods hit the valley on Sunday.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)))
    (tmp_path / "x.exe").write_bytes(b"MZ")
    report = assistant.ingest([tmp_path, tmp_path / "missing.txt"])
    assert report.added == 1
    reasons = dict(report.failed)
    assert "the file is empty" in reasons[str(tmp_path / "empty.txt")]
    assert "binary" in reasons[str(tmp_path / "bin.txt")]
    assert "no such file" in reasons[str(tmp_path / "missing.txt")]
    unsupported = [f for f in report.files if f.status == "unsupported"]  # "skipped" means already indexed
    assert unsupported[0].path.endswith("x.exe") and "unsupported" in unsupported[0].reason
    assert (report.unsupported, report.skipped) == (1, 0)


def test_a_failed_ingest_loses_nothing_already_indexed(sample_assistant, tmp_path):
    (tmp_path / "bad.json").write_text("{broken")
    before = sample_assistant.index.store.count()
    report = sample_assistant.ingest([tmp_path / "bad.json"])
    assert len(report.failed) == 1 and sample_assistant.index.store.count() == before
    assert "more than 120,000" in sample_assistant.ask(EXAMPLE_QUESTION).text


def test_folder_of_1000_files_is_batched(assistant, tmp_path, fake_embedder):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1000):
        (folder / f"{i:04d}.txt").write_text(f"Report {i}: the town of Place{i} recorded {i * 7} new cases on day {i}.")
    report = assistant.ingest([folder])
    assert report.added == 1000 and not report.failed
    assert assistant.index.store.count() == (1000, 1000)
    assert max(fake_embedder.calls) >= 256  # chunks of many files embedded together
    ans = assistant.ask("How many new cases did Place417 record?")
    assert "2919" in ans.text


def test_delete_removes_article_chunks_and_keywords(sample_assistant):
    [info] = sample_assistant.articles()
    sample_assistant.delete(info.id)
    assert sample_assistant.articles() == [] and sample_assistant.index.store.count() == (0, 0)
    assert sample_assistant.index.keyword.n_docs == 0
    with pytest.raises(ArticleNotFoundError, match="assistant articles"):
        sample_assistant.delete(info.id)


def test_index_reopens_from_disk(sample_assistant, make_assistant, tmp_path):
    again = make_assistant()
    assert [a.id for a in again.articles()] == [a.id for a in sample_assistant.articles()]
    assert again.index.keyword.n_docs == sample_assistant.index.keyword.n_docs
    assert "more than 120,000" in again.ask(EXAMPLE_QUESTION).text


def test_lost_keyword_index_is_rebuilt_from_chroma(sample_assistant, make_assistant, tmp_path):
    shutil.rmtree(tmp_path / "index" / "bm25")
    again = make_assistant()
    assert again.index.keyword.n_docs == sample_assistant.index.store.count()[1]


def test_half_ingested_article_is_repaired_on_open(sample_assistant, make_assistant):
    import numpy as np

    from assistant.chunking import chunk_article
    from assistant.ingest import article_id
    from assistant.models import Article

    text = "An orphan article. Its record was never written."
    art = Article(id=article_id(text), title="orphan", text=text)
    chunks = chunk_article(art)
    # simulate a crash after the chunks were written but before the article record (the commit marker); an
    # ingest marks the keyword index dirty before it writes to Chroma
    sample_assistant.index.keyword.mark_dirty()
    sample_assistant.index.store.chunks.upsert(
        ids=[c.id for c in chunks], documents=[c.text for c in chunks],
        embeddings=np.ones((len(chunks), 256)).tolist(),
        metadatas=[{"article_id": art.id, "start": c.start, "end": c.end} for c in chunks],
    )
    again = make_assistant()
    assert again.index.repaired_chunks == len(chunks)
    assert all(m["article_id"] != art.id for _, _, m in again.index.store.iter_chunks())


def test_chunk_text_is_metadata_and_older_indexes_still_read(sample_assistant, make_assistant, tmp_path):
    """Chunk text is stored in the chunk's metadata, not as a Chroma document (Chroma would build a trigram
    full-text index over documents at ingest, which keyword search does not use); an index written before, with
    the text as documents, still opens, rebuilds its keyword index and answers with the same quote."""
    chunks = sample_assistant.index.store.chunks
    got = chunks.get(include=["documents", "metadatas", "embeddings"])
    assert got["ids"] and all(d is None for d in got["documents"])
    assert all(m["text"] for m in got["metadatas"])
    # write every chunk again the old way: text as the document, none in the metadata
    chunks.delete(ids=got["ids"])
    chunks.add(ids=got["ids"], embeddings=got["embeddings"], documents=[m["text"] for m in got["metadatas"]],
               metadatas=[{k: v for k, v in m.items() if k != "text"} for m in got["metadatas"]])
    old = chunks.get(include=["documents", "metadatas"])
    assert all("text" not in m for m in old["metadatas"]) and all(old["documents"])
    shutil.rmtree(tmp_path / "index" / "bm25")
    again = make_assistant()
    assert again.index.keyword.n_docs == len(got["ids"])
    answer = again.ask(EXAMPLE_QUESTION)
    assert any(EXAMPLE_QUOTE.rstrip(".") in c.quote for c in answer.citations)


def test_index_built_with_another_embedder_is_refused(sample_assistant, make_assistant):
    with pytest.raises(EmbedderMismatchError, match=r"assistant reset .*ASSISTANT_EMBED_MODEL|ASSISTANT_EMBED_MODEL.*assistant reset"):
        make_assistant(embedder=FakeEmbedder(dim=128, model_id="fake/other-128"))


def test_index_dir_that_is_not_writable(make_assistant, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexNotWritableError, match="ASSISTANT_INDEX_DIR"):
        make_assistant(index_dir=blocker / "index")


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question(sample_assistant, question):
    with pytest.raises(InvalidQuestionError, match="empty"):
        sample_assistant.ask(question)


def test_very_long_question_names_the_limit(sample_assistant):
    with pytest.raises(InvalidQuestionError, match=r"10,000 characters .*limit is 2,000"):
        sample_assistant.ask("x" * 10_000)


@pytest.mark.parametrize("question", ["¿Cuántos refugiados acoge Turquía?", "土耳其收容了多少难民？", "' OR 1=1; --"])
def test_odd_questions_get_a_verified_answer_or_a_refusal(sample_assistant, question):
    ans = sample_assistant.ask(question)
    assert ans.refused or ans.citations
    _check_invariants(sample_assistant, ans)


def test_followup_reuses_the_previous_topic(sample_assistant):
    history = [("user", EXAMPLE_QUESTION), ("assistant", "Turkey already shelters more than 120,000 Syrian refugees [1].")]
    ans = sample_assistant.ask("and in Jordan?", history=history)
    assert ans.resolved_question == "How many refugees does Jordan shelter?"
    assert not ans.refused and "Jordan" in ans.text
    _check_invariants(sample_assistant, ans)


def test_stream_yields_tokens_then_citations_then_answer(sample_assistant):
    events = list(sample_assistant.stream(EXAMPLE_QUESTION))
    kinds = [e.type for e in events]
    assert kinds[-2:] == ["citations", "answer"] and set(kinds[:-2]) == {"token"}
    assert "".join(e.text for e in events[:-2]) == events[-1].answer.text
    assert events[-2].citations == events[-1].answer.citations


def test_llamaindex_query_engine(sample_assistant):
    from llama_index.core.base.base_query_engine import BaseQueryEngine

    engine = sample_assistant.as_query_engine()
    assert isinstance(engine, BaseQueryEngine)
    response = engine.query(EXAMPLE_QUESTION)
    assert "more than 120,000" in str(response)
    node = response.source_nodes[0].node
    assert node.text == EXAMPLE_QUOTE and node.metadata["citation"] == 1


def test_in_memory_documents(assistant):
    report = assistant.add_documents([{"text": "The bridge opened in 1998.", "title": "Bridge", "source": "x"}, {"text": "  "}])
    assert report.added == 1 and len(report.failed) == 1
    assert assistant.articles()[0].title == "Bridge"


def test_feedback_is_appended_as_jsonl_under_the_index(sample_assistant, tmp_path):
    import json

    ans = sample_assistant.ask(EXAMPLE_QUESTION)
    path = sample_assistant.record_feedback(ans, "up")
    sample_assistant.record_feedback(ans.model_dump(mode="json"), "down")
    assert path == tmp_path / "index" / "feedback.jsonl"
    first, second = [json.loads(line) for line in path.read_text().splitlines()]
    assert (first["vote"], second["vote"]) == ("up", "down")
    assert first["question"] == EXAMPLE_QUESTION and first["citations"][0]["quote"] == EXAMPLE_QUOTE
    with pytest.raises(ValueError):
        sample_assistant.record_feedback(ans, "maybe")


def test_suggested_questions_come_from_the_articles_and_are_answerable(sample_assistant):
    questions = sample_assistant.suggest_questions()
    assert questions and all(not sample_assistant.ask(q).refused for q in questions)
    assert "How many Syrian refugees does Turkey shelter?" in questions


def test_in_memory_batches_never_replace_each_other(assistant):
    assistant.add_documents([{"text": f"Station {k} recorded {k * 10 + 1} millimetres."} for k in range(3)])
    assistant.add_documents([{"text": f"Trader {k} sold {k * 7 + 2} crates."} for k in range(3)])
    assert len(assistant.articles()) == 6
    # with a path, a record does replace the earlier version from the same path
    assistant.add_documents([{"text": "Version one of the story.", "path": "feed#1"}])
    report = assistant.add_documents([{"text": "Version two of the story.", "path": "feed#1"}])
    assert report.updated == 1 and len(assistant.articles()) == 7


def test_undated_evidence_about_a_year_must_name_that_year(make_assistant):
    """'in 2019' first looks in articles dated 2019; an undated snippet found on the second look is evidence only
    where it says 2019. (A low threshold, so that the snippet would be answered but for that.)"""
    assistant = make_assistant(refusal_threshold=0.1)
    assistant.add_documents([{"text": "Elena Rybakina won the women's singles final at Wimbledon, the youngest "
                                      "champion since 2018.", "title": "Wimbledon final", "source": "x"}])
    refused = assistant.ask("Who won the women's singles final at Wimbledon in 2019?")
    assert refused.refused and refused.citations[0].title == "Wimbledon final"  # the closest article, pointed at
    assistant.add_documents([{"text": "Simona Halep won the women's singles final at Wimbledon in 2019.",
                              "title": "Halep wins", "source": "y"}])
    answer = assistant.ask("Who won the women's singles final at Wimbledon in 2019?")
    assert not answer.refused and "Simona Halep" in answer.citations[0].quote
