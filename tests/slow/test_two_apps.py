"""Two app processes on one `chroma run` server: what one ingests, the other answers, without a restart."""

import time

import pytest

from tests.conftest import start_app

pytestmark = pytest.mark.slow


def test_article_uploaded_to_one_app_is_answered_by_the_other(chroma_url, tmp_path):
    from gradio_client import Client, handle_file

    env = {"ASSISTANT_CHROMA_URL": chroma_url}
    proc_a, url_a = start_app(tmp_path / "a", tmp_path / "a.log", **env)
    proc_b, url_b = start_app(tmp_path / "b", tmp_path / "b.log", ASSISTANT_LOAD_SAMPLES="false", **env)
    try:
        a, b = Client(url_a, verbose=False), Client(url_b, verbose=False)
        # the sample article ingested by app A on its first start is already visible to app B
        assert "more than 120,000" in b.predict("How many refugees does Turkey shelter?", api_name="/ask")["text"]
        story = tmp_path / "ferry.txt"
        story.write_text("Title: New ferry routes\n\nThe ferry company added 17 new routes on Friday.")
        rows = a.predict([handle_file(str(story))], api_name="/upload")[0]["data"]
        assert rows[0][1] == "added"
        time.sleep(1.2)
        answer = b.predict("How many new routes did the ferry company add?", api_name="/ask")
        assert "17 new routes" in answer["text"]
        [ferry] = [x for x in b.predict(api_name="/articles") if x["title"] == "New ferry routes"]
        b.predict(ferry["id"], api_name="/delete")
        time.sleep(1.2)
        assert a.predict("How many new routes did the ferry company add?", api_name="/ask")["refused"]
    finally:
        for proc in (proc_a, proc_b):
            proc.terminate()
            proc.wait(15)
