"""What a question asks for, whether a sentence holds that kind of thing, and follow-ups resolved from history."""

from __future__ import annotations

import pytest

from assistant.question import analyze, answers_kind, is_followup, question_kind, resolve_followup

TURKEY = "How many refugees does Turkey shelter?"
HISTORY = [("user", TURKEY), ("assistant", "Turkey already shelters more than 120,000 Syrian refugees [1].")]


# --------------------------------------------------------------------------- question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many refugees does Turkey shelter?", "number"),
        ("How much did the new camp cost?", "number"),
        ("When did the camp open?", "date"),
        ("What year did the war start?", "date"),
        ("Who leads the Syrian opposition?", "person"),
        ("Where do most refugees live?", "place"),
        ("Why did the refugees leave?", "other"),
        ("What is the release date of The Last of Us Part II?", "date"),
        ("What is the premiere date of The Walking Dead Season 11?", "date"),
        ("What was the date of the vote?", "date"),
        ("What was the mood on the day of the vote?", "other"),
        ("What is the date of the vote?", "date"),
        # "which" with words before the noun
        ("Which frontier town did the rebels take?", "place"),
        ("In which Turkish border town do they shelter?", "place"),
        ("Which two federal prison officers were charged?", "person"),
        ("Which of the town's schools reopened?", "other"),
        ("Which song did he sing?", "other"),
    ],
)
def test_question_kind_is_what_the_question_asks_for(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("According to DigiTimes, when does Apple plan to release a new MacBook Pro?", "date"),
        ("According to the Amman Times in November 2012, how many people did the camp hold?", "number"),
        (("The rebels who captured a border town said the crossing would help them; what is the name of that "
          "town?"), "other"),
        ("Who said, when asked, that the camp was full?", "person"),
    ],
)
def test_the_kind_is_read_from_the_question_proper_not_its_context_clause(question, kind):
    assert question_kind(question) == kind


# --------------------------------------------------------------------------- analyze


def test_analyze_keeps_stemmed_content_words_once_each_without_stopwords():
    info = analyze("How many refugees did Turkey shelter, and how many refugees did Jordan shelter?")
    assert info.terms == ["refuge", "turkey", "shelter", "jordan"]


def test_analyze_records_the_numbers_the_question_itself_contains():
    assert analyze("How many refugees did Turkey shelter in 2012?").numbers == ["2012"]
    assert analyze(TURKEY).numbers == []


def test_analyze_finds_names_but_not_the_capitalised_question_word():
    info = analyze("How many refugees did Ban Ki-moon count in Turkey?")
    assert info.names == ["Ban Ki-moon", "Turkey"]


@pytest.mark.parametrize("question, names", [
    ("Roughly how many Kurds live in Syria?", ["Kurds", "Syria"]),  # a capitalised first adverb is no name
    ("Exactly when did Nasa launch it?", ["Nasa"]),  # "la" of "launch" is not the particle "la"
    ("Which White House official spoke?", ["White House"]),
    ("Besides Turkey, which country took refugees?", ["Turkey"]),
    ("Which town near Ras al-Ain did rebels take?", ["Ras al-Ain"]),
    ("Who beat Lopez de Vega in Madrid?", ["Lopez de Vega", "Madrid"]),
])
def test_names_leave_out_words_that_only_start_the_question_and_keep_joined_particles(question, names):
    assert analyze(question).names == names


def test_analyze_uses_a_given_kind_over_the_detected_one():
    assert analyze(TURKEY).kind == "number"
    assert analyze(TURKEY, kind="place").kind == "place"


# --------------------------------------------------------------------------- answers_kind: numbers

NUMBER_Q = analyze("How many refugees did Turkey shelter in 2012?")


def test_a_new_number_answers_a_number_question():
    assert answers_kind("Turkey sheltered 120,000 refugees.", NUMBER_Q)


def test_a_number_word_answers_a_number_question():
    assert answers_kind("Turkey sheltered two thousand refugees.", NUMBER_Q)


def test_a_sentence_that_only_repeats_the_questions_year_does_not_answer_a_number_question():
    assert not answers_kind("In 2012 Turkey sheltered refugees.", NUMBER_Q)


def test_a_sentence_whose_only_number_is_in_a_date_does_not_answer_a_number_question():
    assert not answers_kind("On Jul 21, 2020 Turkey sheltered refugees.", NUMBER_Q)
    assert not answers_kind("On 21 July Turkey sheltered refugees.", NUMBER_Q)


def test_a_sentence_without_any_quantity_does_not_answer_a_number_question():
    assert not answers_kind("Turkey sheltered refugees.", NUMBER_Q)


def test_a_plural_vague_quantity_answers_a_number_question():
    assert answers_kind("Turkey sheltered thousands of refugees.", NUMBER_Q)
    assert answers_kind("Hundreds of refugees crossed the border.", NUMBER_Q)


# --------------------------------------------------------------------------- answers_kind: dates, people, places


def test_a_date_answers_a_date_question():
    info = analyze("When did Turkey open the camp?")
    assert answers_kind("Turkey opened the camp on 21 July.", info)
    assert not answers_kind("Turkey opened the camp.", info)


def test_a_new_name_answers_a_person_question():
    info = analyze("Who leads Turkey?")
    assert answers_kind("Turkey is led by Recep Erdogan.", info)


def test_a_sentence_naming_only_what_the_question_names_does_not_answer_a_person_question():
    info = analyze("Who leads Turkey?")
    assert not answers_kind("Turkey is led by a prime minister.", info)


def test_a_new_name_answers_a_place_question_and_an_old_one_does_not():
    info = analyze("Where do refugees from Syria go?")
    assert answers_kind("Refugees from Syria go to Jordan.", info)
    assert not answers_kind("Refugees from Syria go abroad.", info)


def test_any_sentence_may_answer_an_other_question():
    assert answers_kind("No reason was given.", analyze("Why did the refugees leave?"))


# --------------------------------------------------------------------------- follow-ups


@pytest.mark.parametrize("question", ["and in Jordan?", "What about Lebanon?", "Jordan?"])
def test_a_short_or_connective_question_is_a_followup(question):
    assert is_followup(question)


@pytest.mark.parametrize("question", ["How many refugees does Jordan shelter?", "What is the capital of France?"])
def test_a_full_question_is_not_a_followup(question):
    assert not is_followup(question)


def test_a_followup_naming_a_new_place_swaps_it_into_the_previous_question():
    assert resolve_followup("and in Jordan?", HISTORY) == ("How many refugees does Jordan shelter?", "number")


def test_a_followup_keeps_the_previous_questions_kind():
    resolved, kind = resolve_followup("and Jordan?", [("user", "Who leads Turkey?")])
    assert resolved == "Who leads Jordan?"
    assert kind == "person"


def test_a_followup_resolves_against_the_last_user_question_not_the_assistants_reply():
    history = [*HISTORY, ("assistant", "Lebanon shelters many refugees.")]
    assert resolve_followup("What about Jordan?", history)[0] == "How many refugees does Jordan shelter?"


def test_blank_user_turns_are_ignored_in_the_history():
    history = [*HISTORY, ("user", "   ")]
    assert resolve_followup("and in Jordan?", history)[0] == "How many refugees does Jordan shelter?"


def test_a_full_new_question_is_unchanged_by_the_history():
    question = "What is the capital of France?"
    assert resolve_followup(question, HISTORY) == (question, None)


@pytest.mark.parametrize("history", [None, []])
def test_without_history_a_followup_is_unchanged(history):
    assert resolve_followup("and in Jordan?", history) == ("and in Jordan?", None)


def test_a_followup_that_is_a_question_of_its_own_keeps_its_words_and_the_previous_subject():
    history = [("user", "How many refugees does Turkey shelter?"), ("assistant", "More than 120,000 [1].")]
    resolved, kind = resolve_followup("and how many crossed in one day?", history)
    assert resolved == "How many crossed in one day (Turkey)?" and kind == "number"
    resolved, kind = resolve_followup("and who is the UNHCR spokesman?", history)
    assert resolved.startswith("Who is the UNHCR spokesman") and kind == "person"


def test_a_followup_with_only_a_new_period_keeps_the_previous_question():
    history = [("user", "How many refugees does Turkey shelter?")]
    resolved, _ = resolve_followup("what about in December 2012?", history)
    assert resolved == "How many refugees does Turkey shelter in December 2012?"
