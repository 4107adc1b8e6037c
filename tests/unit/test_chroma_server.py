"""Against a real `chroma run` server started by the test."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.errors import StoreUnavailableError
from tests.conftest import EXAMPLE_QUESTION, SAMPLE, free_port

CHROMA = Path(sys.executable).with_name("chroma")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [str(CHROMA if CHROMA.exists() else "chroma"), "run", "--path", str(tmp_path_factory.mktemp("srv")),
         "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(10)


def test_ingest_and_ask_through_a_chroma_server(make_assistant, tmp_path, chroma_url):
    a = make_assistant(chroma_url=chroma_url, collection_prefix="srv1")
    assert a.ingest([SAMPLE]).added == 1
    assert "more than 120,000" in a.ask(EXAMPLE_QUESTION).text
    # a second process (here: a second Assistant with its own local folder) sees the same articles
    b = make_assistant(index_dir=tmp_path / "other", chroma_url=chroma_url, collection_prefix="srv1")
    assert [x.id for x in b.articles()] == [x.id for x in a.articles()]
    assert "more than 120,000" in b.ask(EXAMPLE_QUESTION).text


def test_article_added_elsewhere_is_answerable_after_refresh(make_assistant, tmp_path, chroma_url):
    a = make_assistant(chroma_url=chroma_url, collection_prefix="srv2")
    b = make_assistant(index_dir=tmp_path / "other", chroma_url=chroma_url, collection_prefix="srv2")
    a.add_documents([{"text": "The harbour bridge reopened after 14 months of repairs.", "title": "Bridge"}])
    b.refresh()
    assert "14 months" in b.ask("How long were the bridge repairs?").text


def test_server_that_is_down_names_the_url(make_assistant):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=url.replace(".", r"\.")):
        make_assistant(chroma_url=url)
