"""The web chat's bugs and features, in Debian's Chromium: sources, conversations, library, feedback, access.

One app (samples loaded) for the module. Tests that change the library come last in the file; the others do
not depend on their order.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.conftest import EXAMPLE_QUESTION, EXAMPLE_QUOTE
from tests.e2e.conftest import ARTIFACTS

CHAT_TEXT = "(document.querySelector('#chat') ? document.querySelector('#chat').innerText : '')"
LAST_BOT = "(() => { const m = document.querySelectorAll('#chat [data-testid=bot]'); " \
           "return m.length ? m[m.length - 1].innerText : ''; })()"
SAMPLE_TITLE = "Thousands of Syrians flee into Turkey as rebels take border town"


def open_app(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_function("document.querySelector('#library-summary').innerText.includes('article')",
                           timeout=30_000)


def ask(page, question):
    page.fill("#question textarea", question)
    page.click("#ask")


def wait_done(page, n_answers=1):
    """Until the chat holds ``n_answers`` finished answers (Ask is back, no answer is being searched)."""
    page.wait_for_function(
        f"document.querySelectorAll('#chat [data-testid=bot]').length >= {n_answers} && "
        f"!{CHAT_TEXT}.includes('Searching your articles')", timeout=30_000)
    page.wait_for_selector("#ask", state="visible", timeout=30_000)


def wait_empty(page):
    """Until a new chat has started on the server too, not just in the page: the chat is empty and the chat list
    holds the old chat, no longer selected (a question asked before that round trip ends would be swept away with
    the old chat, as a slow machine showed)."""
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot], #chat [data-testid=user]').length == 0"
                           " && document.querySelectorAll('#chat-list label').length >= 1"
                           " && document.querySelectorAll('#chat-list input:checked').length == 0", timeout=10_000)


def bot_messages(page) -> list[str]:
    return page.eval_on_selector_all("#chat [data-testid=bot]", "els => els.map(e => e.innerText)")


def user_messages(page) -> list[str]:
    return page.eval_on_selector_all("#chat [data-testid=user]", "els => els.map(e => e.innerText)")


def toasts(page) -> str:
    return page.evaluate("[...document.querySelectorAll('[data-testid=toast-body]')].map(e => e.innerText).join(' | ')")


# --------------------------------------------------------------------------- bugs


def test_trash_icon_resets_the_hidden_conversation(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    ask(page, "and in Jordan?")
    wait_done(page, 2)
    assert "Understood as: How many refugees does Jordan shelter?" in bot_messages(page)[-1]  # a follow-up
    page.get_by_role("button", name="Clear").click()
    wait_empty(page)
    ask(page, "and in Jordan?")
    wait_done(page)
    assert len(bot_messages(page)) == 1
    assert "Understood as" not in bot_messages(page)[0], "the cleared conversation still steers follow-ups"
    assert page.external_requests == []


def test_rejected_long_question_is_short_and_errors_name_no_settings(page, app_url):
    open_app(page, app_url)
    ask(page, "w" * 20_000)
    page.wait_for_function(f"{CHAT_TEXT}.includes('Problem')", timeout=30_000)
    [question] = user_messages(page)
    assert len(question) < 400 and "20,000 characters" in question
    [error] = bot_messages(page)
    assert "limit is 2,000" in error and "ASSISTANT_" not in error and "/" not in error


def test_refusal_says_what_to_try_once(page, app_url):
    open_app(page, app_url)
    ask(page, "Who won the 2018 World Cup?")
    page.wait_for_function(f"{CHAT_TEXT}.includes('What you can try')", timeout=30_000)
    text = bot_messages(page)[-1]
    assert len(re.findall(r"(?i)\btry\b", text)) == 1, text
    assert "add articles" in text.lower()


def test_no_label_over_the_messages_and_library_columns_are_readable(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    labels = page.eval_on_selector_all("#chat [data-testid=block-label]", "els => els.filter(e => e.offsetParent)")
    assert labels == [], "the chat's label floats over the messages"
    page.get_by_role("tab", name="Library").click()
    page.wait_for_function(f"document.querySelector('#library').innerText.includes({json.dumps(SAMPLE_TITLE)})",
                           timeout=30_000)
    headers = page.eval_on_selector_all("#library th", "els => els.map(e => [e.innerText.trim(), e.offsetWidth])")
    headers = [h for h in headers if h[1] > 0]
    names = [h for h, _ in headers if h]
    assert names[:5] == ["Title", "Source", "Published", "Added", "File"] and "id" not in [n.lower() for n in names]
    widths = {h: w for h, w in headers if h}
    assert widths["Source"] >= 80, headers
    assert not re.search(r"\b[0-9a-f]{16,}\b", page.inner_text("#library")), "article ids are shown"


def test_votes_replace_each_other_and_errors_can_be_rated(page, app_url, app_index):
    feedback = app_index / "feedback.jsonl"
    before = feedback.read_text().splitlines() if feedback.exists() else []
    open_app(page, app_url)
    ask(page, "How many Syrian military officers arrived in Turkey?")
    wait_done(page)
    page.click("#chat button[aria-label='Dislike']")
    page.wait_for_function("document.querySelector(\"#chat button[aria-label='Disliked']\")", timeout=5_000)
    page.wait_for_function("document.body.innerText.includes('Thanks for the feedback')", timeout=10_000)
    page.click("#chat button[aria-label='Like']")
    page.wait_for_function("document.body.innerText.includes('Your vote was changed')", timeout=10_000)
    new = [json.loads(line) for line in feedback.read_text().splitlines()[len(before):]]
    assert [(r["vote"], r["question"]) for r in new] == [("up", "How many Syrian military officers arrived in Turkey?")]
    # thumbs on an error message are recorded too, and say so
    page.click("#new-chat")
    wait_empty(page)
    ask(page, "???")
    page.wait_for_function(f"{CHAT_TEXT}.includes('Problem')", timeout=30_000)
    page.click("#chat button[aria-label='Dislike']")
    page.wait_for_function("document.body.innerText.includes('your feedback on this message was recorded')",
                           timeout=10_000)
    last = json.loads(feedback.read_text().splitlines()[-1])
    assert last["vote"] == "down" and last["question"] == "???" and "no words" in last["answer"]


# --------------------------------------------------------------------------- sources


def test_sources_are_chips_with_the_quote_and_one_card_per_article(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    chip = page.locator("#chat details.chip").first
    summary = chip.locator("summary")
    assert "2012-11-09" in summary.inner_text() and "Thousands of Syrians" in summary.inner_text()
    assert EXAMPLE_QUOTE in summary.get_attribute("title")  # the quote on hover
    # the card's first quote is in view before anything is clicked
    in_view = page.evaluate("""() => { const m = document.getElementById('quote-1');
        const box = m.closest('.article-text').getBoundingClientRect(); const r = m.getBoundingClientRect();
        return r.top >= box.top && r.bottom <= box.bottom; }""")
    assert in_view, "the first quote is scrolled out of its card"
    assert page.locator("#sources .source").count() == 1
    summary.click()  # a tap opens the chip: the quote, and the card is highlighted
    assert chip.locator(".chip-quote").is_visible() and EXAMPLE_QUOTE in chip.locator(".chip-quote").inner_text()
    page.wait_for_selector("#source-1.active", timeout=5_000)
    chip.locator("a", has_text="Show in the article").click()
    assert page.locator("#quote-1").is_visible()


def test_a_source_card_opens_the_whole_article(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    card = page.locator("#source-1")
    first_paragraph = "About 8000 refugees fleeing violence in Syria"
    assert first_paragraph not in card.inner_text()  # folded away: the quote comes first
    card.get_by_role("button", name="Read the whole article").click()
    assert first_paragraph in card.inner_text() and "police stations protected" in card.inner_text()
    assert card.get_by_role("button", name="Show less").get_attribute("aria-expanded") == "true"


def test_clicking_an_earlier_answer_shows_its_sources(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    ask(page, "How many people were killed by army shelling?")
    wait_done(page, 2)
    page.wait_for_function("document.querySelector('#sources').innerText.includes('army shelling')", timeout=10_000)
    page.locator("#chat [data-testid=bot]").first.click()
    page.wait_for_function("document.querySelector('#sources').innerText.includes('How many refugees')",
                           timeout=10_000)
    assert "120,000" in page.inner_text("#quote-1")


# --------------------------------------------------------------------------- regenerate, edit, examples


def test_regenerate_and_edit_the_last_question(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    page.get_by_role("button", name="Retry").click()
    page.wait_for_function(f"{CHAT_TEXT}.includes('120,000')", timeout=30_000)
    wait_done(page)
    assert len(user_messages(page)) == 1 and len(bot_messages(page)) == 1
    page.locator("#chat [data-testid=user]").hover()
    page.get_by_role("button", name="Edit").click()
    page.fill("#chat textarea", "How many people were killed by army shelling?")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_function(f"{CHAT_TEXT}.includes('at least 12 people')", timeout=30_000)
    wait_done(page)
    assert user_messages(page) == ["How many people were killed by army shelling?"]
    assert "120,000" not in page.inner_text("#chat")


def test_example_questions_and_library_line(page, app_url):
    open_app(page, app_url)
    summary = page.inner_text("#library-summary")
    assert re.search(r"\d+ articles? in the library, dated .*2012", summary), summary
    page.wait_for_function(f"{CHAT_TEXT}.includes('How many Syrian refugees does Turkey shelter?')", timeout=30_000)
    examples = page.eval_on_selector_all("#chat .examples button, #chat button.example",
                                         "els => els.map(e => e.innerText.trim()).filter(Boolean)")
    assert 3 <= len(examples) <= 5, examples
    page.get_by_text(examples[1]).click()
    wait_done(page)
    assert "[1]" in bot_messages(page)[0], "an example question was not answered from the articles"


# --------------------------------------------------------------------------- conversations


def test_chats_are_kept_per_browser_listed_reopened_downloaded_and_deleted(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    page.click("#new-chat")
    wait_empty(page)
    ask(page, "How many people were killed by army shelling?")
    wait_done(page)
    page.wait_for_function("document.querySelectorAll('#chat-list label').length >= 2", timeout=10_000)
    page.reload()  # the same browser later: the chats are still listed
    open_app(page, app_url)
    page.wait_for_function("document.querySelectorAll('#chat-list label').length >= 2", timeout=10_000)
    page.locator("#chat-list label", has_text="How many refugees does Turkey").click()
    page.wait_for_function(f"{CHAT_TEXT}.includes('120,000')", timeout=10_000)
    assert "army shelling" not in page.inner_text("#chat")
    ask(page, "and in Jordan?")  # a reopened chat goes on where it stopped
    wait_done(page, 2)
    assert "Understood as: How many refugees does Jordan shelter?" in bot_messages(page)[-1]
    with page.expect_download() as download:
        page.click("#download-chat")
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("# How many refugees does Turkey shelter?")
    assert "## and in Jordan?" in text and "Sources:" in text and f"> {EXAMPLE_QUOTE}" in text
    n_before = page.locator("#chat-list label").count()
    page.click("#delete-chat")
    page.wait_for_function(f"document.querySelectorAll('#chat-list label').length == {n_before - 1}", timeout=10_000)
    assert page.locator("#chat-list label", has_text="How many refugees does Turkey").count() == 0
    assert "120,000" not in page.inner_text("#chat")


# --------------------------------------------------------------------------- keyboard, screen reader


def test_keyboard_only_enter_sends_and_focus_is_visible(page, app_url):
    open_app(page, app_url)
    page.focus("#question textarea")
    page.keyboard.type(EXAMPLE_QUESTION)
    page.keyboard.press("Enter")
    wait_done(page)
    assert "120,000" in bot_messages(page)[0]
    # Tab reaches the source chip; Enter opens it; the focused element has a visible outline
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('details.chip > summary')"):
            break
    else:
        pytest.fail("Tab never reached the source chip")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "no visible focus"
    page.keyboard.press("Enter")
    assert page.locator("#chat details.chip .chip-quote").first.is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#chat details.chip .chip-quote").first.is_visible()


def test_every_button_and_field_has_a_name_for_screen_readers(page, app_url):
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    unnamed = page.evaluate("""() => [...document.querySelectorAll('button, [role=button], summary, input, textarea, select')]
        .filter(e => e.offsetParent !== null && e.type !== 'file' && e.type !== 'hidden')
        .filter(e => !((e.getAttribute('aria-label') || '').trim() || (e.innerText || '').trim() || (e.title || '').trim()
                       || (e.labels && [...e.labels].some(l => l.innerText.trim()))
                       || e.getAttribute('aria-labelledby')))
        .map(e => e.outerHTML.slice(0, 120))""")
    assert unnamed == []
    assert page.get_by_role("textbox", name="Your question").count() == 1
    for name in ("Clear", "Retry", "Like", "Dislike", "Edit", "Copy message", "Toggle Sidebar"):
        assert page.get_by_role("button", name=name).count() >= 1, name


@pytest.mark.parametrize("page", [390], indirect=True)
def test_phone_chips_cards_and_chat_list(page, app_url):
    open_app(page, app_url)
    assert page.evaluate("!document.querySelector('#chats-sidebar').classList.contains('open')")
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    page.locator("#chat details.chip summary").first.click()
    assert page.locator("#chat details.chip .chip-quote").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.get_by_role("button", name="Toggle Sidebar").click()
    page.wait_for_selector("#new-chat", state="attached")
    page.wait_for_function("document.querySelector('#chats-sidebar').classList.contains('open')", timeout=5_000)
    assert page.get_by_role("button", name="Download this chat (Markdown)").is_visible()


# --------------------------------------------------------------------------- the library (changes it: last)


def test_a_library_article_can_be_read(page, app_url):
    open_app(page, app_url)
    page.get_by_role("tab", name="Library").click()
    page.locator("#library [role=gridcell]", has_text="Thousands of Syrians").first.click()
    page.wait_for_function("document.querySelector('#reader').innerText.includes('police stations protected')",
                           timeout=10_000)
    assert "syria-refugees-turkey.txt" in page.inner_text("#reader")


def test_upload_progress_counts_chunks(page, app_url, tmp_path):
    big = tmp_path / "district-report.txt"
    big.write_text("Title: District damage report\nPublished: 2012-12-01\n\n" + " ".join(
        f"In district {i}, inspectors counted {i * 13} damaged houses and {i * 7} closed schools." for i in range(3000)))
    open_app(page, app_url)
    page.get_by_role("tab", name="Add articles").click()
    page.set_input_files("#upload input[type=file]", str(big))
    page.click("#add-files")
    seen = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and "1 added" not in page.inner_text("#add-summary"):
        text = page.evaluate("document.body.innerText")
        seen.update(re.findall(r"(\d+)\s*/\s*(\d+)\s*chunks", text))
        time.sleep(0.2)
    assert "1 added" in page.inner_text("#add-summary")
    done = sorted(int(d) for d, _ in seen)
    assert any(0 < d for d in done), f"no progress in chunks was shown: {seen}"


def test_library_is_current_on_each_page_load_and_the_article_list_is_safe(page, app_url, tmp_path):
    from gradio_client import Client, handle_file

    story = tmp_path / "harbour.txt"
    story.write_text("Title: Harbour authority expands fleet\nPublished: 2020-05-01\n\n"
                     "The Harbour Authority now operates 14 ferries between the islands.")
    open_app(page, app_url)  # a page opened before the upload (another user uploads meanwhile)
    Client(app_url, verbose=False).predict([handle_file(str(story))], api_name="/upload")
    page.goto(app_url)
    open_app(page, app_url)
    assert "to 1 May 2020" in page.inner_text("#library-summary")
    page.wait_for_function(f"{CHAT_TEXT}.includes('How many ferries does the Harbour Authority operate?')",
                           timeout=30_000)  # the examples follow the library
    page.get_by_role("tab", name="Library").click()
    page.wait_for_function("document.querySelector('#library').innerText.includes('Harbour authority expands')",
                           timeout=10_000)
    pick = page.locator("#delete-pick input")
    assert pick.input_value() == "", "an article is pre-selected for deletion"
    page.click("#delete")
    page.wait_for_function("document.querySelector('#delete-msg').innerText.includes('Pick an article')",
                           timeout=10_000)
    page.fill("#library-search textarea, #library-search input", "harbour")
    page.wait_for_function("!document.querySelector('#library').innerText.includes('Thousands of Syrians')",
                           timeout=10_000)
    pick.click()
    options = page.eval_on_selector_all("ul[role=listbox] li", "els => els.map(e => e.innerText.trim())")
    assert options and all("Harbour" in o for o in options), options
    page.locator("ul[role=listbox] li", has_text="Harbour authority").first.click()
    page.wait_for_function("document.querySelector('#reader').innerText.includes('14 ferries')", timeout=10_000)
    page.click("#delete")
    page.wait_for_selector("#confirm-delete", state="visible")
    page.click("#confirm-delete")
    page.wait_for_function("document.querySelector('#delete-msg').innerText.includes('Deleted')", timeout=30_000)
    page.wait_for_function("!document.querySelector('#library').innerText.includes('Harbour authority')",
                           timeout=10_000)
    assert page.external_requests == []


def test_screenshots_for_the_docs(page, app_url, browser):
    """Desktop and phone pictures of an answer with its source chips and card (copied to docs/screenshots)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_app(page, app_url)
    ask(page, EXAMPLE_QUESTION)
    wait_done(page)
    ask(page, "How many Syrian military officers arrived in Turkey?")
    wait_done(page, 2)
    page.locator("#chat details.chip summary").last.click()
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "desktop.png"), full_page=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        p2 = phone.new_page()
        open_app(p2, app_url)
        ask(p2, EXAMPLE_QUESTION)
        wait_done(p2)
        p2.locator("#chat details.chip summary").first.click()
        p2.wait_for_timeout(300)
        p2.screenshot(path=str(ARTIFACTS / "phone-answer.png"), full_page=True)
    finally:
        phone.close()
