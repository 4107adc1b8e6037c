"""What a person does in the web chat, in a real browser."""

import json
import time

import pytest

from tests.conftest import EXAMPLE_QUESTION
from tests.e2e.conftest import ARTIFACTS

CHAT_TEXT = "(document.querySelector('#chat') ? document.querySelector('#chat').innerText : '')"


def ask(page, question):
    page.fill("#question textarea", question)
    page.click("#ask")


def open_app(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#question textarea", timeout=60_000)


def test_example_question_streams_a_cited_answer_and_opens_the_quote(page, app_url):
    open_app(page, app_url)
    started = time.perf_counter()
    ask(page, EXAMPLE_QUESTION)
    page.wait_for_function(f"{CHAT_TEXT}.includes('Turkey already')", timeout=30_000)
    first_token = time.perf_counter() - started
    page.wait_for_function(f"{CHAT_TEXT}.includes('more than 120,000')", timeout=30_000)
    page.wait_for_selector("#chat a[href='#cite-1']", timeout=30_000)
    full = time.perf_counter() - started
    assert page.locator("#chat strong", has_text="more than 120,000").count() >= 1  # the short answer leads
    page.click("#chat a[href='#cite-1']")
    page.wait_for_selector("#source-1.active", timeout=5_000)
    mark = page.locator("#quote-1")
    assert mark.inner_text() == "Turkey already shelters more than 120,000 Syrian refugees."
    assert mark.is_visible()
    assert "2012-11-09" in page.locator("#source-1").inner_text()
    assert page.external_requests == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answer-with-source.png"), full_page=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps({"first_token_s": round(first_token, 2),
                                                        "full_answer_s": round(full, 2)}))


def test_refusal_is_plain_and_has_no_sources(page, app_url):
    open_app(page, app_url)
    ask(page, "Who won the 2018 World Cup?")
    page.wait_for_function(f"{CHAT_TEXT}.includes('What you can try')", timeout=30_000)
    page.wait_for_function("document.querySelector('#sources').innerText.includes('No sources')", timeout=30_000)
    assert page.locator("#chat a[href^='#cite-']").count() == 0


def test_followup_and_new_chat(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    page.wait_for_selector("#chat a[href='#cite-1']", timeout=30_000)  # the answer is complete
    ask(page, "and how many crossed in 24 hours?")
    page.wait_for_function(f"{CHAT_TEXT}.includes('8000')", timeout=30_000)
    page.wait_for_function("document.getElementById('quote-1') && "
                           "document.getElementById('quote-1').innerText.includes('8000')", timeout=30_000)
    page.click("#new-chat")
    page.wait_for_function(f"!{CHAT_TEXT}.includes('120,000')", timeout=10_000)


def test_empty_chat_shows_example_questions_from_the_articles(page, app_url):
    open_app(page, app_url)
    page.wait_for_function(f"{CHAT_TEXT}.includes('How many Syrian refugees does Turkey shelter?')", timeout=30_000)
    page.get_by_text("How many Syrian refugees does Turkey shelter?").click()
    page.wait_for_function(f"{CHAT_TEXT}.includes('more than 120,000')", timeout=30_000)


def test_upload_shows_in_library_and_xss_title_is_text(page, app_url, tmp_path):
    xss = "<img src=x onerror=alert(1)>"
    story = tmp_path / "xss-story.txt"
    story.write_text(f"Title: {xss}\n\nThe ferry company added 17 new routes on Friday. <script>alert(2)</script>")
    open_app(page, app_url)
    page.get_by_role("tab", name="Add articles").click()
    page.set_input_files("#upload input[type=file]", str(story))
    page.click("#add-files")
    page.wait_for_function("document.querySelector('#add-summary').innerText.includes('1 added')", timeout=60_000)
    page.get_by_role("tab", name="Library").click()
    page.wait_for_function(f"document.querySelector('#library').innerText.includes({json.dumps(xss)})", timeout=30_000)
    page.get_by_role("tab", name="Chat").click()
    ask(page, "How many new routes did the ferry company add?")
    page.wait_for_function(f"{CHAT_TEXT}.includes('17 new routes')", timeout=30_000)
    page.click("#chat a[href='#cite-1']")
    assert xss in page.locator("#source-1").inner_text()
    page.wait_for_timeout(500)
    assert page.dialogs == [], f"a script ran: {page.dialogs}"


@pytest.mark.parametrize("page", [390], indirect=True)
def test_phone_width(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    page.wait_for_function(f"{CHAT_TEXT}.includes('more than 120,000')", timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is {width}px wide on a 390px screen"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
