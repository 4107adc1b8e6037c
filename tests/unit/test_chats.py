"""Conversations of the web chat (plain data kept in the browser), its Markdown export and its messages."""

import json
from datetime import date

from assistant import chats as C
from assistant.suggest import pick_examples, questions_from

ANSWER = {"question": "How many refugees does Turkey shelter?", "resolved_question": None,
          "text": "Turkey already shelters more than 120,000 Syrian refugees [1].", "short": "more than 120,000",
          "refused": False,
          "citations": [{"number": 1, "article_id": "a", "title": "Border town", "source": "Wire",
                         "url": "https://example.com/s", "published": "2012-11-09",
                         "quote": "Turkey already shelters more than 120,000 Syrian refugees.", "start": 0, "end": 58}],
          "timings": {"total": 12.0}}


def conversation(*exchanges):
    conv = C.new_conversation()
    conv["exchanges"] = list(exchanges)
    return conv


def answered(question="How many refugees does Turkey shelter?", answer=ANSWER):
    return {"question": question, "status": "answered", "answer": C.slim_answer(answer), "text": "", "vote": None}


def test_history_uses_answered_exchanges_only():
    conv = conversation(answered(), {"question": "???", "status": "error", "text": "no words"},
                        {"question": "and in Jordan?", "status": "stopped", "text": "The"})
    assert C.history(conv) == [("user", "How many refugees does Turkey shelter?"), ("assistant", ANSWER["text"])]


def test_saved_chats_newest_first_without_empty_ones_and_removable():
    a, b = conversation(answered()), conversation(answered("How many people were killed?"))
    chats = C.save(C.save([], a), b)
    assert [c["id"] for c in chats] == [b["id"], a["id"]] and chats[1]["title"] == "How many refugees does Turkey shelter?"
    assert C.save(chats, C.new_conversation()) == chats
    assert [c["id"] for c in C.remove(chats, a["id"])] == [b["id"]]
    assert [v for _, v in C.chat_choices(chats)] == [b["id"], a["id"]]
    assert len(C.save([conversation(answered()) for _ in range(C.MAX_CHATS)], a)) == C.MAX_CHATS


def test_stop_pending_marks_the_unfinished_answer():
    conv = conversation(answered(), {"question": "q", "status": "pending", "text": "Tur"})
    assert C.stop_pending(conv) and conv["exchanges"][1]["status"] == "stopped"


def test_markdown_export_has_questions_answers_and_quoted_sources():
    conv = conversation(answered(), {"question": "???", "status": "error", "text": "The question has no words"})
    md = C.to_markdown(C.save([], conv)[0])
    assert md.startswith("# How many refugees does Turkey shelter?")
    assert "**more than 120,000**\n\nTurkey already shelters more than 120,000 Syrian refugees [1]." in md
    assert "1. *Border town* (Wire, 2012-11-09) <https://example.com/s>" in md
    assert "   > Turkey already shelters more than 120,000 Syrian refugees." in md
    assert "*Not answered: The question has no words*" in md


def test_a_changed_vote_replaces_the_earlier_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    lines = [{"vote": "down", "question": "q", "answer": "a"}, {"vote": "down", "question": "other", "answer": "b"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert C.withdraw_vote(path, {"question": "q", "text": "a"}, "down")
    assert [json.loads(x)["question"] for x in path.read_text().splitlines()] == ["other"]
    assert not C.withdraw_vote(path, {"question": "q", "text": "a"}, "down")


def test_messages_for_people_name_no_server_paths_or_settings():
    f = C.friendly
    assert f("/srv/app/index/uploads/empty.txt: the file is empty", name="empty.txt") == "The file is empty"
    assert f("/srv/index/uploads/feed.jsonl#3: no text left", name="feed.jsonl#3") == "No text left"
    assert f("the question is 20,000 characters long; the limit is 2,000 (ASSISTANT_MAX_QUESTION_CHARS). Ask a "
             "shorter question.") == "The question is 20,000 characters long; the limit is 2,000. Ask a shorter question."
    assert f("/a/b/big.txt: 30.0 MB is over the 20 MB limit (raise ASSISTANT_MAX_FILE_MB or split the file)",
             name="big.txt") == "30.0 MB is over the 20 MB limit"
    out = f("cannot reach the LLM server at http://localhost:8080/v1/chat/completions (ConnectError); check "
            "ASSISTANT_LLM_URL or set ASSISTANT_GENERATOR=none")
    assert "ASSISTANT_" not in out and "http://localhost:8080/v1/chat/completions" in out


def test_library_summary_line():
    assert C.library_summary([]) == ""
    assert C.library_summary([date(2012, 11, 9)]) == "**1 article** in the library, dated 9 November 2012."
    assert C.library_summary([date(2013, 3, 2), None, date(2012, 11, 9)]) == (
        "**3 articles** in the library, dated 9 November 2012 to 2 March 2013 (1 undated).")
    assert C.library_summary([None, None]) == "**2 articles** in the library, none of them dated."


def test_example_questions_take_turns_between_articles_and_must_be_answerable():
    a = "Turkey already shelters more than 120,000 Syrian refugees. At least 12 people were killed by army shelling."
    b = "The Harbour Authority now operates 14 ferries between the islands."
    assert questions_from(b) == ["How many ferries does the Harbour Authority operate?"]
    asked = []
    picked = pick_examples([("a", a), ("b", b)], lambda q, i: asked.append((q, i)) or "killed" not in q, n=4)
    assert picked == ["How many Syrian refugees does Turkey shelter?",
                      "How many ferries does the Harbour Authority operate?"]
    assert ("How many people were killed by army shelling?", "a") in asked
