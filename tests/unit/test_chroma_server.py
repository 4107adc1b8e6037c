"""Against a real `chroma run` server started by the test."""

import time

import pytest

from assistant.errors import StoreUnavailableError
from tests.conftest import EXAMPLE_QUESTION, SAMPLE, free_port

def test_ingest_and_ask_through_a_chroma_server(make_assistant, tmp_path, chroma_url):
    a = make_assistant(chroma_url=chroma_url, collection_prefix="srv1")
    assert a.ingest([SAMPLE]).added == 1
    assert "more than 120,000" in a.ask(EXAMPLE_QUESTION).text
    # a second process (here: a second Assistant with its own local folder) sees the same articles
    b = make_assistant(index_dir=tmp_path / "other", chroma_url=chroma_url, collection_prefix="srv1")
    assert [x.id for x in b.articles()] == [x.id for x in a.articles()]
    assert "more than 120,000" in b.ask(EXAMPLE_QUESTION).text


def test_article_added_or_deleted_elsewhere_is_seen_without_restart(make_assistant, tmp_path, chroma_url):
    a = make_assistant(chroma_url=chroma_url, collection_prefix="srv2")
    b = make_assistant(index_dir=tmp_path / "other", chroma_url=chroma_url, collection_prefix="srv2")
    assert b.ask("How long were the bridge repairs?").refused
    report = a.add_documents([{"text": "The harbour bridge reopened after 14 months of repairs.", "title": "Bridge"}])
    time.sleep(1.1)  # b checks the server's change token at most once a second
    assert "14 months" in b.ask("How long were the bridge repairs?").text
    assert b.index.keyword.n_docs == a.index.keyword.n_docs
    a.delete(report.files[0].article_id)
    time.sleep(1.1)
    assert b.ask("How long were the bridge repairs?").refused and b.index.keyword.n_docs == 0


def test_one_write_elsewhere_is_applied_without_comparing_every_chunk_id(make_assistant, tmp_path, chroma_url,
                                                                        monkeypatch):
    from assistant.store import ChromaStore

    a = make_assistant(chroma_url=chroma_url, collection_prefix="srv3")
    b = make_assistant(index_dir=tmp_path / "other", chroma_url=chroma_url, collection_prefix="srv3")
    calls = []
    real = ChromaStore.chunk_ids
    monkeypatch.setattr(ChromaStore, "chunk_ids", lambda self: calls.append(1) or real(self))
    report = a.add_documents([{"text": "The harbour bridge reopened after 14 months of repairs.", "title": "Bridge"}])
    b.index._checked_at = 0.0  # as if a second had passed
    assert "14 months" in b.ask("How long were the bridge repairs?").text
    assert calls == []  # the change record named the article: only its chunks were read
    # two writes while b was not looking: b compares ids once and still ends in step
    a.add_documents([{"text": "The ferry resumed service after a 3-week strike.", "title": "Ferry"}])
    a.delete(report.files[0].article_id)
    b.index._checked_at = 0.0
    assert b.ask("How long were the bridge repairs?").refused
    assert "3-week" in b.ask("How long was the ferry strike?").text
    assert calls and b.index.keyword.ids() == a.index.keyword.ids()


def test_server_that_is_down_names_the_url(make_assistant):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=url.replace(".", r"\.")):
        make_assistant(chroma_url=url)
