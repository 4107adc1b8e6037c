"""`python app.py` on a free port: samples ingested on first start, /ask answers through gradio_client."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import EXAMPLE_QUESTION, ROOT, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path_factory.mktemp("appidx")), "ASSISTANT_UI_PORT": str(port),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tmp_path_factory.mktemp("log") / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"app exited: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"app did not start: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(15)


def test_app_answers_the_example_over_the_api(app_url):
    from gradio_client import Client

    result = Client(app_url, verbose=False).predict(EXAMPLE_QUESTION, api_name="/ask")
    assert "more than 120,000" in result["text"] and result["refused"] is False
    assert result["citations"][0]["quote"] == "Turkey already shelters more than 120,000 Syrian refugees."


def test_page_loads_nothing_from_a_cdn(app_url):
    import re

    page = urllib.request.urlopen(app_url, timeout=10).read().decode()
    external = re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"'](https?://[^\"']+)", page)
    assert [u for u in external if not u.startswith(app_url)] == []
