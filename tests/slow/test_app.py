"""The running app through Gradio's HTTP API (gradio_client): ask, follow-up, refusal, upload, delete, feedback."""

import re
import urllib.request

import pytest

from tests.conftest import EXAMPLE_QUESTION

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_first_start_ingests_exactly_the_sample_article(client, app_index):
    """Only articles are ingested from the shipped samples (no README or notes), once, on the first start."""
    articles = client.predict(api_name="/articles")
    assert [(a["title"], a["published"], a["file"]) for a in articles] == [
        ("Thousands of Syrians flee into Turkey as rebels take border town", "2012-11-09", "syria-refugees-turkey.txt")]


def test_ask_returns_the_answer_as_json(client):
    result = client.predict(EXAMPLE_QUESTION, api_name="/ask")
    assert "more than 120,000" in result["text"] and result["refused"] is False
    assert result["citations"][0]["quote"] == "Turkey already shelters more than 120,000 Syrian refugees."
    assert result["citations"][0]["published"] == "2012-11-09"


def test_followup_uses_the_history(client):
    result = client.predict("and in Jordan?", [["user", EXAMPLE_QUESTION]], api_name="/chat")
    assert result["resolved_question"] == "How many refugees does Jordan shelter?"


def test_unanswerable_question_is_refused(client):
    result = client.predict("Who won the 2018 World Cup?", api_name="/ask")
    assert result["refused"] is True and result["citations"] == []


def test_empty_question_is_an_error_not_a_crash(client):
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", api_name="/ask")
    assert "more than 120,000" in client.predict(EXAMPLE_QUESTION, api_name="/ask")["text"]


def test_upload_then_delete(client, tmp_path):
    from gradio_client import handle_file

    good = tmp_path / "bridge.txt"
    good.write_text("Title: Harbour bridge reopens\n\nThe harbour bridge reopened on Monday after 14 months of repairs.")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    rows = client.predict([handle_file(str(good)), handle_file(str(empty))], api_name="/upload")[0]["data"]
    status = {r[0]: r[1] for r in rows}
    assert status == {"bridge.txt": "added", "empty.txt": "failed"}
    again = client.predict([handle_file(str(good))], api_name="/upload")[0]["data"]
    assert again[0][1] == "skipped"
    articles = client.predict(api_name="/articles")
    [bridge] = [a for a in articles if a["title"] == "Harbour bridge reopens"]
    assert "14 months" in client.predict("When did the harbour bridge reopen?", api_name="/ask")["text"]
    client.predict(bridge["id"], api_name="/delete")
    assert all(a["id"] != bridge["id"] for a in client.predict(api_name="/articles"))


def test_feedback_is_appended_to_the_index_folder(client, app_url):
    answer = client.predict(EXAMPLE_QUESTION, api_name="/ask")
    assert client.predict(answer, "up", api_name="/feedback") == "recorded"
    with pytest.raises(Exception, match="vote must be"):
        client.predict(answer, "sideways", api_name="/feedback")


def test_page_loads_nothing_from_a_cdn(app_url):
    page = urllib.request.urlopen(app_url, timeout=10).read().decode()
    external = re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"'](https?://[^\"']+)", page)
    assert [u for u in external if not u.startswith(app_url)] == []
    assert "fonts.googleapis" not in page


def test_questions_are_answered_while_an_upload_is_indexing(app_url, tmp_path):
    import time

    from gradio_client import Client, handle_file

    big = tmp_path / "long-report.txt"
    big.write_text("Title: Long report\n\n" + " ".join(
        f"In district {i}, inspectors counted {i * 13} damaged houses and {i * 7} closed schools." for i in range(3000)))
    uploader, asker = Client(app_url, verbose=False), Client(app_url, verbose=False)
    job = uploader.submit([handle_file(str(big))], api_name="/upload")
    time.sleep(3)  # the upload is now being embedded
    started = time.perf_counter()
    answer = asker.predict("How many refugees does Turkey shelter?", api_name="/ask")
    waited = time.perf_counter() - started
    assert "more than 120,000" in answer["text"]
    assert not job.done(), "the upload finished too fast to prove anything; make the file larger"
    assert waited < 10, f"the question waited {waited:.1f} s behind the upload"
    rows = job.result(timeout=600)[0]["data"]
    assert rows[0][1] == "added"


def test_failed_duplicate_and_deleted_uploads_leave_no_files(client, app_index, tmp_path):
    from gradio_client import handle_file

    uploads = app_index / "uploads"
    ferry = tmp_path / "ferry.txt"
    ferry.write_text("Title: Ferry timetable\n\nThe ferry company added 9 crossings a day to the island route.")
    blank = tmp_path / "blank.txt"
    blank.write_text("")
    rows = client.predict([handle_file(str(ferry)), handle_file(str(blank))], api_name="/upload")[0]["data"]
    assert {r[0]: r[1] for r in rows} == {"ferry.txt": "added", "blank.txt": "failed"}
    assert not (uploads / "blank.txt").exists(), "a failed upload stays in uploads/"
    assert (uploads / "ferry.txt").exists()
    same_text = tmp_path / "ferry-copy.txt"
    same_text.write_text(ferry.read_text())
    rows = client.predict([handle_file(str(same_text))], api_name="/upload")[0]["data"]
    assert rows[0][1] == "skipped" and not (uploads / "ferry-copy.txt").exists()
    [info] = [a for a in client.predict(api_name="/articles") if a["title"] == "Ferry timetable"]
    client.predict(info["id"], api_name="/delete")
    assert not (uploads / "ferry.txt").exists(), "a deleted article's uploaded file stays in uploads/"


def test_upload_messages_name_no_server_paths(client, tmp_path):
    from gradio_client import handle_file

    blank = tmp_path / "empty-story.txt"
    blank.write_text("")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    rows = client.predict([handle_file(str(blank)), handle_file(str(broken))], api_name="/upload")[0]["data"]
    details = {r[0]: r[2] for r in rows}
    assert details["empty-story.txt"] == "The file is empty"
    assert details["broken.json"].startswith("Not valid JSON")
    assert not any("/" in d or "ASSISTANT_" in d for d in details.values()), details


def test_question_errors_name_no_settings(client):
    with pytest.raises(Exception) as info:
        client.predict("w" * 20_000, api_name="/ask")
    message = str(info.value)
    assert "20,000 characters" in message and "limit is 2,000" in message
    assert "ASSISTANT_" not in message
