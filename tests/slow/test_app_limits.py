"""Upload limit and first start with samples turned off, on their own app instance."""

import pytest

from tests.conftest import start_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    proc, url = start_app(tmp_path_factory.mktemp("idx"), tmp_path_factory.mktemp("log") / "app.log",
                          ASSISTANT_MAX_UPLOAD_MB="0.001", ASSISTANT_LOAD_SAMPLES="false")
    yield url
    proc.terminate()
    proc.wait(15)


def test_empty_library_without_samples(small_app):
    from gradio_client import Client

    client = Client(small_app, verbose=False)
    assert client.predict(api_name="/articles") == []
    answer = client.predict("How many refugees does Turkey shelter?", api_name="/ask")
    assert answer["refused"] and "No articles are indexed yet" in answer["text"]


def test_upload_over_the_limit_is_refused_with_a_clear_message(small_app, tmp_path):
    from gradio_client import Client, handle_file

    big = tmp_path / "big.txt"
    big.write_text("A long story about the harbour. " * 200)  # ~6 KB, limit 1 KB
    client = Client(small_app, verbose=False)
    with pytest.raises(Exception, match=r"(?i)max|size|limit|large"):
        client.predict([handle_file(str(big))], api_name="/upload")
    assert client.predict(api_name="/articles") == []
