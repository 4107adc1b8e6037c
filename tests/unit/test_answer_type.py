"""Hard answer-type checks: what a question asks for, and whether a sentence or a judge's words can be that."""

from __future__ import annotations

import pytest

from assistant.answer_type import (
    asks_count,
    asks_day,
    asks_money,
    asks_name,
    counted_thing,
    counts_people,
    edition_words,
    new_names,
    other_edition,
    past_for_future,
    sentence_misfit,
    states_unstated,
    words_misfit,
)


@pytest.mark.parametrize("question, money", [
    ("How much revenue did Home Depot report for the third quarter?", True),
    ("How much total native ad revenue did the platform generate in 2017?", True),
    ("How much does a ticket cost for the symposium?", True),
    ("At what price did Coty shares close on Monday?", True),
    ("For how much money did Augme buy Hipcricket?", True),
    ("What will the 2020 Nissan Sentra cost when it goes on sale in the US?", True),
    ("What did the writer pay at Best Buy for the cheapest compatible TV?", True),
    ("How much of its revenue share did the company keep, in percent?", False),
    ("How much rain fell in Valencia?", False),
    ("How many refugees does Turkey shelter?", False),
])
def test_asks_money(question, money):
    assert asks_money(question) is money


def test_asks_name_day_and_count():
    assert asks_name("What is the name of the Forest Hill police sergeant?")
    assert asks_name("What is the title of the song she co-wrote?")
    assert asks_name("What will the new opposition body be called?")
    assert not asks_name("Who is the UNHCR spokesman?")
    assert asks_day("On what date do the deals start?") and asks_day("Which day was the vote?")
    assert not asks_day("When did the rebels take the town?")
    assert asks_count("How many seats does the theater have?")
    assert not asks_count("How many years is his contract?") and not asks_count("How many dollars did it raise?")


def test_new_names_share_no_word_with_the_question():
    question = "What is the name of the lawyer representing the woman who accused Assange?"
    assert new_names("Julian Assange", question) == []
    assert new_names("Claes Borgstrom represents her.", question) == ["Claes Borgstrom"]


@pytest.mark.parametrize("words, sentence, question", [
    # a number that is only part of one in the sentence
    ("1 week", "1,000 maintenance workers will be laid off.", "How many weeks of severance pay will they get?"),
    ("10", "The Lakers won 112-107 over the Thunder.", "How many turnovers did Davis commit?"),
    # a percentage, or no sum at all, for a sum of money
    ("-1.41%", "| LOW | LOWE'S COMPANIES INC. | 113.40 | -1.62 | -1.41% |", "How much revenue did Lowe's report?"),
    ("2011", "He sold Hipcricket to Augme in 2011.", "For how much money did Augme buy Hipcricket?"),
    ("16,000 processor cores", "The simulation required 16,000 processor cores.", "How much money did it cost to run?"),
    # a year, a price or a share for a count
    ("2018 Jeongdong Theater Series", "2018 Jeongdong Theater Series", "How many seats does Jeongdong Theater have?"),
    ("9.99", "It is offered at a $9.99 monthly rate.", "How many people had subscribed to Stadia Pro?"),
    ("$44 million", "Seized drugs were worth $44 million.", "How many pounds of fentanyl did they seize?"),
    # a count of things for a count of people
    ("15", "The win extended their unbeaten streak to 15 games.", "How many fans attended the win?"),
    ("22", "Stadia is launching with 22 new games.", "How many people had subscribed to Stadia Pro?"),
    # a month or a year for a day
    ("October", "A deal expected since an October news conference.", "On what date is the deal to be signed?"),
    ("2019", "Black Friday 2019 is going to be huge.", "On what date do the deals start in stores?"),
    # a measurement for a count, or a measurement of another kind
    ("375", "Rebels took Ras al-Ain, 375 miles from Damascus.", "What is the population of Ras al-Ain?"),
    ("12", "The ceasefire held for 12 hours.", "How many people were killed?"),
    ("277", "It has up to 277 miles of range.", "How much horsepower will the US version produce?"),
    ("23", "The 23-year-old flew to London yesterday.", "How many years is his contract with Chelsea?"),
    ("30 minutes", "Take it 30 minutes before bed.", "How far is the gym from the hotel?"),
    # a total over several places for one of them
    ("more than 400,000", "Thousands more had crossed into Lebanon and Jordan, bringing the number of Syrian refugees "
     "in neighbouring countries to more than 400,000.", "How many refugees does Jordan shelter?"),
    # a distance from another place than the question's, a place of another kind than the one asked for
    ("375 miles", "Rebels took Ras al-Ain, 375 miles from Damascus, the sources said.",
     "How far is Ras al-Ain from the Turkish capital, Ankara?"),
    ("Urfa province", "Refugees moved into Turkey's Urfa province, which borders Ras al-Ain.",
     "Which Turkish border town lies opposite Ras al-Ain?"),
    ("Urfa", "Refugees moved into Turkey's Urfa province, which borders Ras al-Ain.",
     "Which Turkish border town lies opposite Ras al-Ain?"),
    # a deal's sum in millions for a share price, a change in percent for an index level
    ("$600", "The stock added 2% after the deal worth $600 million.", "At what price did Coty shares close on Monday?"),
    ("0.5%", "South Korea's Kospi Index fell 0.5%.", "At what level did South Korea's Kospi index close?"),
    # words that say the article does not state it
    ("undisclosed injury", "The Wild lost Matt Dumba, who sat out the third period, to an undisclosed injury.",
     "What injury forced Matt Dumba to sit out the third period?"),
    ("5 hours", "They feature up to 5 hours of battery life.", "What wattage does the pad deliver to an iPhone?"),
    # no figure for an amount
    ("steep", "The order is valued at $8.8 billion, but a steep discount is typically negotiated.",
     "What discount did Emirates negotiate off the list price?"),
    # a length for "how long" (a time)
    ("12", "Amazon offers the 12-inch MacBook for $700.", "How long is the guarantee on the MacBook?"),
    ("560-mile", "In the last three months, rebels have captured outposts on the 560-mile border.",
     "Over what period have the rebels been capturing outposts on the border?"),
    # the question's own name for a name
    ("Julian Assange", "Sweden dropped the case against Julian Assange.",
     "What is the name of the lawyer representing the woman who accused Assange?"),
])
def test_words_that_are_not_the_kind_of_answer_asked_are_rejected(words, sentence, question):
    assert words_misfit(words, sentence, question)


@pytest.mark.parametrize("words, sentence, question", [
    ("8000", "About 8000 refugees crossed into Turkey during a 24-hour period.", "How many crossed in one day?"),
    ("$8.8 billion", "The order is valued at $8.8 billion at list prices.", "What price did Emirates pay?"),
    ("7.9 million", "Big Machine owes Taylor $7.9 million dollars.", "How much money does Big Machine owe her?"),
    ("23", "He signed a 23-year contract.", "How many years is his contract?"),
    ("Tuesday", "The vote was held on Tuesday.", "On what date was the vote?"),
    ("November 16, 2019", "The vote was held on November 16, 2019.", "On what date was the vote?"),
    ("375 miles", "Rebels took Ras al-Ain, 375 miles from Damascus.", "How far is Ras al-Ain from Damascus?"),
    ("5 hours", "They last up to 5 hours on a single charge.", "How many hours of battery life do they offer?"),
    ("23", "The 23-year-old striker signed on Monday.", "How old is the striker?"),
    ("4", "He was suspended for 4 games, the league said.", "How many games was he suspended for?"),
    ("10", "10 people were killed over 10 days of fighting.", "How many people were killed?"),
    ("15,321", "A crowd of 15,321 watched the win.", "How many fans attended the win?"),
    ("8000", "About 8000 Syrians crossed in a day.", "How many refugees crossed?"),  # a name counts people
    ("3 million", "It has 3 million subscribers.", "How many people subscribe?"),
    ("22", "Stadia is launching with 22 games.", "How many launch titles did Stadia have?"),
    ("12", "12 of them tested negative.", "How many of the hunter's close contacts tested negative?"),
    ("Adrian Edwards", "Adrian Edwards, spokesman for the UNHCR, said ...", "What is the name of the UNHCR spokesman?"),
    ("rebel commander", "A rebel commander said so.", "Who said the town had fallen?"),
    # a total over several places when the question asks for it, and a figure for one place beside such a total
    ("more than 400,000", "That brings the number of refugees in neighbouring countries to more than 400,000.",
     "How many Syrian refugees are now in neighbouring countries?"),
    ("150,000", "Lebanon hosts 150,000 Syrian refugees, more than any of the other countries in the region.",
     "How many refugees does Lebanon host?"),
    ("106", "At least 106 protesters were killed in 21 cities, Amnesty said.", "How many protesters were killed?"),
    # a distance from the place asked about, or from no place named; a place of the kind asked for
    ("375 miles", "Rebels took Ras al-Ain, 375 miles from Damascus.", "How far is Ras al-Ain from Damascus?"),
    ("200 km", "The camp lies 200 km north.", "How far is the camp from Ankara?"),
    # "the Syrian capital" names no place the sentence's "Damascus" could be checked against
    ("375 miles", "Rebels took Ras al-Ain, 375 miles from Damascus.", "How far is Ras al-Ain from the Syrian capital?"),
    ("Kilis", "Refugees reached Kilis, a town on the border.", "Which town did the refugees reach?"),
    ("Hasaka", "Ras al-Ain is in the province of Hasaka.", "In which province is Ras al-Ain?"),
    ("New York City", "He lives in New York City.", "Which city does he live in?"),
    # a share price, an index level, a time for "how long"
    ("$39.21", "Coty shares closed at $39.21 on Monday.", "At what price did Coty shares close on Monday?"),
    ("2,420.5", "The Kospi closed at 2,420.5, down 0.5%.", "At what level did the Kospi close?"),
    ("90-day", "Includes a 90-day warranty with purchase.", "How long is the guarantee on the MacBook?"),
    ("20%", "Emirates got a 20% discount.", "What discount did Emirates negotiate?"),
    ("half", "Emirates got half off the list price.", "What discount did Emirates negotiate?"),
    ("a majority stake", "Coty took a majority stake in Kylie Cosmetics.", "What stake did Coty take?"),
])
def test_words_of_the_kind_asked_pass(words, sentence, question):
    assert words_misfit(words, sentence, question) is None


def test_a_sentence_without_what_the_question_needs_is_a_misfit():
    assert sentence_misfit("Ticket sales open on Oct. 28 at Riveredge.", "How much does a ticket cost?")
    assert sentence_misfit("Founder's Edition buyers paid $129 in 2019 and get 3% off.",
                           "How many Founder's Edition bundles had Google sold?") == "no count"
    assert sentence_misfit("Tickets cost $100.", "How much does a ticket cost?") is None
    assert sentence_misfit("Google sold 200,000 bundles.", "How many bundles had Google sold?") is None
    assert sentence_misfit("The band will tour in 2020.", "On what date will the tour play Blossom?") == "no day"
    assert sentence_misfit("It plays Blossom on Aug. 23.", "On what date will the tour play Blossom?") is None
    # only a total over several places (the "24" of a 24-hour period is a measurement, not a count)
    aggregate = ("Thousands more had crossed into Lebanon and Jordan during the same 24-hour period, bringing the "
                 "number of Syrian refugees in neighbouring countries to more than 400,000.")
    assert sentence_misfit(aggregate, "How many refugees does Jordan shelter?") == "only a total over several places"
    assert sentence_misfit(aggregate, "How many Syrian refugees are in neighbouring countries?") is None
    # no time at all for "how long" (a length is not one); "hours" alone is one
    assert sentence_misfit("Amazon offers the 12-inch MacBook for $700.", "How long is the guarantee?") == "no time"
    assert sentence_misfit("Includes a 90-day warranty with purchase.", "How long is the guarantee?") is None
    assert sentence_misfit("Queues for bread stretch for hours.", "How long did people wait for bread?") is None
    assert sentence_misfit("The bridge opened in 2019.", "How long is the bridge?") is None
    # only changes in percent for a level (the figures of a name are not a level); no watts for a wattage
    level = "At what level did South Korea's Kospi index close on Tuesday?"
    assert sentence_misfit("Japan's Nikkei 225 (N225) declined 0.3%, while South Korea's Kospi fell 0.5%.", level)
    assert sentence_misfit("The Kospi closed at 2,100.2, down 0.5%.", level) is None
    wattage = "What wattage does the Mophie charging pad deliver to an iPhone?"
    assert sentence_misfit("The pad has a dedicated spot for an iPhone 8 or later.", wattage) == "no power"
    assert sentence_misfit("It charges an iPhone at 7.5W.", wattage) is None
    contract = "How many years is his contract with Chelsea?"  # an age and "the day" are no length of time
    assert sentence_misfit("The 23-year-old will spend the day completing the deal.", contract) == "no time"
    assert sentence_misfit("He signed a seven-year contract.", contract) is None
    # a number the question gives is not a count it asks for
    assert sentence_misfit("In 24 hours they crossed.", "How many crossed in 24 hours?", frozenset({"24"}))


@pytest.mark.parametrize("sentence, unstated", [
    ("The Wild lost defenseman Matt Dumba, who sat out the third period, to an undisclosed injury.", True),
    ("The roadmap cuts costs to $0.10 by 2030, helped by unspecified research and development investment.", True),
    ("An estimated 10 million signed up, although it is not clear how many have converted.", True),
    ("A spokesman declined to comment on the figure.", True),
    ("The company did not say how many it sold.", True),
    ("Turkey already shelters more than 120,000 Syrian refugees.", False),
    ("The unnamed official said 30 people were injured.", False),  # an unnamed source still answers "who said"
    ("The team made it clear that it knows the risks.", False),
])
def test_a_sentence_that_says_a_fact_is_not_disclosed(sentence, unstated):
    assert states_unstated(sentence) is unstated


@pytest.mark.parametrize("question, dated", [
    ("Who won the 2021 Tour de France?", {"2021": {"tour"}}),
    ("Super Bowl 2021 location", {"2021": {"super", "bowl"}}),
    ("What is the release date of God of War (2018)?", {"2018": {"war"}}),
    ("How many refugees crossed in 2012?", {}),  # no name beside the year: a period, not an edition
    ("What was Tesla's revenue in Q3 2019?", {}),  # a quarter, a season or a month is a period too
    ("Which country won the most medals at the 2018 Winter Olympics?", {"2018": {"olympics"}}),
    ("When is Cyberpunk 2077 out?", {}),  # not a year
])
def test_edition_words_are_the_names_a_year_dates(question, dated):
    assert edition_words(question) == dated


@pytest.mark.parametrize("sentence, question, year", [
    ("Jul 28, 2019 ... Egan Bernal officially won the 2019 Tour de France on Sunday.",
     "Who won the 2021 Tour de France?", "2019"),
    ("The 2019 Sentra cost $17,990.", "What is the price of the 2020 Nissan Sentra?", "2019"),
    ("God of War (2005) was released on March 22, 2005.", "What is the release date of God of War (2018)?", "2005"),
    # the question's year is named: the sentence may speak of that edition
    ("Pogacar, who won the 2020 Tour de France, also won the 2021 Tour de France.",
     "Who won the 2021 Tour de France?", None),
    # the thing is also named without a year
    (("Unlike the original two films, Star Trek Beyond was directed by Justin Lin; 2009's Star Trek and 2013's Star "
      "Trek Into Darkness were directed by J.J. Abrams."), "Who directed 2016's Star Trek Beyond?", None),
    ("Elon Musk has been CEO of Tesla since 2008.", "Who was the CEO of Tesla 2021?", None),  # a range
    ("The new Sentra starts at $19,090.", "What is the price of the 2020 Nissan Sentra?", None),  # no year at all
    # last year's quarter, for comparison, in the sentence that gives this year's figure
    ("Revenue rose to $6.3 billion, up from $5.3 billion in Q3 2018.", "What was Tesla's revenue in Q3 2019?", None),
])
def test_a_sentence_about_another_years_edition(sentence, question, year):
    assert other_edition(sentence, question) == year


@pytest.mark.parametrize("question, people", [
    ("How many fans attended the Islanders' win?", True),
    ("How many of the hunter's close contacts were quarantined?", True),
    ("How many people had subscribed to Stadia Pro?", True),
    ("How many launch titles did Stadia have?", False),
    ("How many times did fans boo the referee?", False),  # the count is of times: the fans come after the verb
    ("What did the fans chant?", False),
])
def test_counts_people(question, people):
    assert counts_people(question) is people


def test_the_thing_a_figure_counts():
    assert counted_thing("15", "to extend their unbeaten streak to 15 straight games.") == "games"
    assert counted_thing("8000", "About 8000 refugees crossed.") is None  # people
    assert counted_thing("3", "It has 3 million users.") is None  # a scale, not a thing
    assert counted_thing("30", "They waited 30 minutes.") is None  # a unit (measurements have their own rule)
    assert counted_thing("12", "12 of them tested negative.") is None



def test_a_year_before_the_articles_own_for_what_is_to_come():
    due = "When is the fourth rebooted Star Trek film due in cinemas?"
    assert past_for_future("2016", due, 2019)
    assert not past_for_future("2021", due, 2019) and not past_for_future("2016, then 2021", due, 2019)
    assert not past_for_future("2016", "When was Star Trek Beyond released?", 2019)  # asks about the past
    assert not past_for_future("2016", due, None)  # an undated article: nothing to compare with
    assert not past_for_future("December", due, 2019)


@pytest.mark.parametrize("sentence, misfit", [
    ("SPACE VIZZION may only be a concept today, it's weighing a production version.", "no year"),
    ("The kit cost $2019 and sold 1,999 units.", "no year"),  # a price and a count are not years
    ("VW hopes to put a production version into the US market sometime in 2022.", None),
    ("He joined the band two years later.", None),  # a year said relative to another
    ("The band will be back next year.", None),
])
def test_a_year_question_needs_a_year_in_the_sentence(sentence, misfit):
    assert sentence_misfit(sentence, "In which year does Volkswagen hope the car will reach buyers?") == misfit


def test_a_judge_answer_to_a_year_question_must_hold_a_year():
    sentence = "VW hopes to put a production version into the US market sometime in 2022."
    question = "In what year will the car reach American buyers?"
    assert words_misfit("the US market", sentence, question) == "no year"
    assert words_misfit("sometime in 2022", sentence, question) is None
    assert words_misfit("2022", sentence, "Since what year has she worked online?") is None


@pytest.mark.parametrize("sentence, question, expansion", [
    ("The UN High Commissioner for Refugees (UNHCR) said more had crossed.", "What does the abbreviation UNHCR "
     "stand for?", "UN High Commissioner for Refugees"),
    ("NATO (North Atlantic Treaty Organization) ministers met.", "What does NATO stand for?",
     "North Atlantic Treaty Organization"),
    ("said the Syrian Observatory for Human Rights (SOHR).", "what is SOHR short for?",
     "Syrian Observatory for Human Rights"),
    ("Adrian Edwards, spokesman for the UNHCR, said so.", "What does UNHCR stand for?", ""),  # used, not defined
    ("The company (UNHCR) said so.", "What does UNHCR stand for?", ""),  # too short, another first letter
    ("The UN High Commissioner for Refugees (UNHCR) said so.", "Who runs UNHCR?", ""),  # not an acronym question
])
def test_an_acronym_is_answered_by_the_sentence_that_spells_it_out(sentence, question, expansion):
    from assistant.answer_type import acronym_expansion

    assert acronym_expansion(sentence, question) == expansion
