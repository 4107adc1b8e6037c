"""The short answer: the words of the quote that answer, or nothing when they are not clear."""

import pytest

from assistant.question import analyze
from assistant.short import short_answer

TURKEY = "Turkey already shelters more than 120,000 Syrian refugees."
UNHCR = ("The UN High Commissioner for Refugees said that thousands more had crossed into Lebanon and Jordan, also "
         "during the same 24-hour period, bringing the number of Syrian refugees in neighbouring countries to more "
         "than 400,000.")


@pytest.mark.parametrize("question, sentence, short", [
    ("How many refugees does Turkey shelter?", TURKEY, "more than 120,000"),
    # a measurement is no count of refugees: the 24 of "24-hour" is left out
    ("How many Syrian refugees are in neighbouring countries?", UNHCR, "more than 400,000"),
    ("How much could Alibaba raise from its listing?",
     "Alibaba is set to raise up to $12.9bn from its record-breaking second listing, 2.8 per cent below New York.",
     "up to $12.9bn"),
    ("What percentage of young people used meth?",
     "The department reported that 3.8 percent of the 12,000 young people surveyed used meth.", "3.8 percent"),
    ("How far is Ras al-Ain from Damascus?",
     "Ten people were killed as rebels took Ras al-Ain, 375 miles from Damascus.", "375 miles"),
    ("When is the license due to expire?", "It's the third extension of the license, now set to expire in February 2020.",
     "February 2020"),
    ("Who is the attorney for Patrick Carlineo?",
     "Carlineo's attorney, Sonya Zoghlin, said Carlineo never intended to harm Omar.", "Sonya Zoghlin"),
    # who said it: the one name the sentence attributes the words to, one word or more
    ("Which Thunder player said LeBron James is the best of all time?",
     "“That’s why (James) is considered probably the best of all time,” Schröder said.", "Schröder"),
    # a day after "said" is no second speaker
    ("Which Thunder player said LeBron James is the best of all time?",
     "“He is the best of all time,” Schröder said Tuesday.", "Schröder"),
    ("In which province did the helicopter crash?",
     "The Taliban said the helicopter crashed in Logar province south of the capital.", "Logar"),
])
def test_the_one_thing_of_the_kind_asked_for_is_the_short_answer(question, sentence, short):
    assert short_answer(sentence, analyze(question)) == short
    assert short in sentence  # verbatim


@pytest.mark.parametrize("question, sentence", [
    # two figures, neither followed by what is counted
    ("How many people were killed?", "At least 12 died on Monday and 30 on Tuesday, activists said."),
    # the only figure is the one the question gives
    ("How many people did the camp hold in 2012?", "The camp held people from 2012 on."),
    # a year is no quantity
    ("How many seats does the party hold?", "The party lost seats in 2018."),
    # "how much money" needs a sum, not a plain figure
    ("How much money did he say it cost him?", "He made 4 attempts to enter the US."),
    # a possessive names someone else's thing; one word is no person's name
    ("Who said the rebels overran the town?", "Rebels, who have driven President Bashar al Assad's troops out, overran it."),
    ("Who commands the army?", "Rebels called on the Army to leave."),
    # several new names: not clear which
    ("Who won the race?", "John Smith beat Peter Jones in Leeds."),
    # a distance is no population; a place named where the question does not ask "where"
    ("What kind of town is Ras al-Ain in terms of its population?", "Ras al-Ain, an Arab and Kurd town, 375 miles from Damascus."),
    ("Which Turkish news agency reported it?", "The Turkish state-run Anatolian news agency said officers arrived in Turkey."),
    # what or why: no short form
    ("Why did the company cut jobs?", "The company cut 300 jobs because sales fell 12%."),
])
def test_nothing_when_the_answer_is_not_clear(question, sentence):
    assert short_answer(sentence, analyze(question)) == ""


def test_the_judges_words_are_taken_as_the_quote_writes_them_and_only_if_short():
    info = analyze("Which conference did he speak at?")
    sentence = "Mayer said Tuesday at the Vox Media's Code Media conference in Hollywood."
    assert short_answer(sentence, info, "code media conference.") == "Code Media conference"
    assert short_answer(sentence, info, "the Recode event") == ""  # not in the quote
    assert short_answer(sentence, info, "Mayer said Tuesday at the Vox Media's Code Media conference in") == ""
    assert short_answer("Syrian refugees fled.", info, "Syria") == ""  # whole words only
    # a figure keeps what the sentence says just before and after it
    assert short_answer("Pricing will start at 71,350 euro ($78,770).", info, "78,770") == "$78,770"
    assert short_answer("Your paycheck cashed, up to two days early.", info, "two days") == "up to two days"
    assert short_answer("Installations reached around 8.69 GW last year.", info, "8.69") == "around 8.69 GW"


@pytest.mark.parametrize("words, sentence, short", [
    ("£71.6 million", "Chelsea have paid the £71.6million fee this morning.", "£71.6million"),
    ("55-year-old", "A 55-year old man had contracted bubonic plague.", "55-year old"),
    ("180 days", "The crew would sleep through much of the 180-day cruise to Mars.", "180-day"),
    ("Lebanon, Jordan", "Thousands more had crossed into Lebanon and Jordan.", "Lebanon and Jordan"),
    ("Takin' It to the Streets", "McDonald performed “Takin’ It to the Streets.”", "Takin’ It to the Streets"),
])
def test_the_judges_words_written_a_little_differently_are_found_as_the_quote_writes_them(words, sentence, short):
    assert short_answer(sentence, analyze("What was it?"), words) == short


def test_a_sum_converted_in_brackets_is_the_same_sum():
    sentence = "Alibaba is set to raise up to $12.9bn (£10bn) from its listing, 2.8 per cent below its New York close."
    assert short_answer(sentence, analyze("How much could Alibaba raise from its listing?")) == "up to $12.9bn"
