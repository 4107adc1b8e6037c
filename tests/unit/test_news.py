"""News rules: the period a question is about, how a date is worded in an answer, syndicated near-copies,
and which strings count as dates."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.dates import DATE_EXPRESSION, DATE_PATTERN, long_date
from assistant.news import NearDuplicates, TimeFilter, as_of, minhash, parse_time

TODAY = date(2013, 3, 14)  # a Thursday; relative phrases count from it


def found(pattern, text: str) -> list[str]:
    return [m.group() for m in pattern.finditer(text)]


# --------------------------------------------------------------------------- parse_time: absolute periods


def test_in_a_year_is_that_whole_calendar_year():
    tf = parse_time("How many refugees were there in 2012?", TODAY)
    assert (tf.start, tf.end) == (date(2012, 1, 1), date(2012, 12, 31))
    assert not tf.prefer_recent


def test_in_a_month_and_year_is_that_whole_month():
    tf = parse_time("What happened in October 2012?", TODAY)
    assert (tf.start, tf.end) == (date(2012, 10, 1), date(2012, 10, 31))


def test_a_month_range_ends_on_the_months_last_day():
    tf = parse_time("What happened in February 2012?", TODAY)  # 2012 is a leap year
    assert tf.end == date(2012, 2, 29)


def test_before_a_month_ends_the_day_before_it_starts_and_has_no_start():
    tf = parse_time("What did officials say before November 2012?", TODAY)
    assert tf.start is None
    assert tf.end == date(2012, 10, 31)


def test_since_a_year_starts_on_its_first_day_and_has_no_end():
    tf = parse_time("How many have arrived since 2013?", TODAY)
    assert tf.start == date(2013, 1, 1)
    assert tf.end is None


def test_after_a_month_starts_the_day_after_it_ends():
    tf = parse_time("What changed after March 2012?", TODAY)
    assert tf.start == date(2012, 4, 1)
    assert tf.end is None


def test_a_month_without_a_year_is_in_todays_year():
    tf = parse_time("What happened before March?", TODAY)
    assert tf.end == date(TODAY.year, 2, 28)


def test_the_matched_words_are_kept_as_the_phrase():
    assert parse_time("What happened in October 2012?", TODAY).phrase == "in october 2012"


# --------------------------------------------------------------------------- parse_time: relative to today


def test_last_week_is_the_seven_days_up_to_today():
    tf = parse_time("What happened last week?", TODAY)
    assert (tf.start, tf.end) == (date(2013, 3, 7), TODAY)


def test_last_year_is_the_previous_calendar_year():
    tf = parse_time("What happened last year?", TODAY)
    assert (tf.start, tf.end) == (date(2012, 1, 1), date(2012, 12, 31))


def test_this_month_runs_from_the_first_of_the_month_to_today():
    tf = parse_time("What happened this month?", TODAY)
    assert (tf.start, tf.end) == (date(2013, 3, 1), TODAY)


def test_yesterday_is_exactly_the_day_before_today():
    tf = parse_time("What happened yesterday?", TODAY)
    assert tf.start == tf.end == date(2013, 3, 13)


def test_relative_periods_move_with_today():
    later = date(2014, 6, 20)
    assert parse_time("What happened yesterday?", later).start == date(2014, 6, 19)


# --------------------------------------------------------------------------- parse_time: recency, no time


@pytest.mark.parametrize("question", ["What is the latest figure?", "What is the most recent count of refugees?"])
def test_latest_and_most_recent_prefer_recent_articles_without_a_date_bound(question):
    tf = parse_time(question, TODAY)
    assert tf is not None and tf.prefer_recent
    assert tf.start is None and tf.end is None
    assert tf.where() is None  # recency ranks; it does not filter


def test_a_question_without_time_has_no_time_filter():
    assert parse_time("How many refugees does Turkey shelter?", TODAY) is None


# --------------------------------------------------------------------------- TimeFilter


def test_where_excludes_undated_articles_and_bounds_the_ordinal_date():
    tf = TimeFilter(start=date(2012, 1, 1), end=date(2012, 12, 31))
    clauses = tf.where()["$and"]
    assert {"published_ord": {"$gt": 0}} in clauses  # undated articles are stored with published_ord 0
    assert {"published_ord": {"$gte": date(2012, 1, 1).toordinal()}} in clauses
    assert {"published_ord": {"$lte": date(2012, 12, 31).toordinal()}} in clauses
    assert len(clauses) == 3


def test_an_open_ended_filter_bounds_only_one_side():
    clauses = TimeFilter(start=date(2013, 1, 1)).where()["$and"]
    assert clauses == [{"published_ord": {"$gt": 0}}, {"published_ord": {"$gte": date(2013, 1, 1).toordinal()}}]


def test_a_filter_without_bounds_has_no_where():
    assert TimeFilter(prefer_recent=True).where() is None


def test_contains_includes_both_ends_and_excludes_outside_days():
    tf = TimeFilter(start=date(2012, 10, 1), end=date(2012, 10, 31))
    assert tf.contains(date(2012, 10, 1))
    assert tf.contains(date(2012, 10, 31))
    assert not tf.contains(date(2012, 9, 30))
    assert not tf.contains(date(2012, 11, 1))


def test_contains_excludes_undated_articles_from_a_bounded_period():
    assert not TimeFilter(end=date(2012, 12, 31)).contains(None)


def test_a_filter_without_bounds_contains_every_day_and_undated_articles():
    tf = TimeFilter(prefer_recent=True)
    assert tf.contains(date(1999, 1, 1))
    assert tf.contains(None)


# --------------------------------------------------------------------------- as_of


def test_as_of_words_the_date_in_full_with_the_source():
    assert as_of(date(2012, 11, 9), "Daily Ledger") == "As of 9 November 2012 (Daily Ledger)"


def test_as_of_without_a_source_is_just_the_date():
    assert as_of(date(2012, 11, 9), None) == "As of 9 November 2012"


def test_an_undated_article_is_called_undated():
    assert as_of(None, "Cedar Review") == "Undated (Cedar Review)"
    assert as_of(None, None) == "Undated"


# --------------------------------------------------------------------------- NearDuplicates

STORY = (
    "Turkey already shelters more than 120,000 Syrian refugees in camps along its southern border, officials said "
    "on Friday, and the government has asked the United Nations for help with the cost of food, tents and medical "
    "care for the new arrivals."
)
UNRELATED = (
    "The central bank raised interest rates by half a point on Tuesday, citing inflation that has stayed above "
    "its target for a year."
)


def test_a_near_copy_with_one_changed_word_joins_the_stored_group():
    near = NearDuplicates()
    near.add("wire-story", minhash(STORY), "group-1")
    assert near.group_for(minhash(STORY.replace("Friday", "Thursday"))) == "group-1"


def test_an_unrelated_text_joins_no_group():
    near = NearDuplicates()
    near.add("wire-story", minhash(STORY), "group-1")
    assert near.group_for(minhash(UNRELATED)) is None


def test_a_removed_article_no_longer_attracts_its_copies():
    near = NearDuplicates()
    near.add("wire-story", minhash(STORY), "group-1")
    near.remove("wire-story")
    assert near.group_for(minhash(STORY)) is None


def test_adding_the_same_article_twice_keeps_its_first_group():
    near = NearDuplicates()
    near.add("wire-story", minhash(STORY), "group-1")
    near.add("wire-story", minhash(STORY), "group-2")
    assert near.group_for(minhash(STORY)) == "group-1"


def test_removing_an_unknown_article_is_a_no_op():
    near = NearDuplicates()
    near.add("wire-story", minhash(STORY), "group-1")
    near.remove("never-added")
    assert near.group_for(minhash(STORY)) == "group-1"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("expression", ["Jul 21, 2020", "21 July", "2020-07-21", "Monday", "July 2020"])
def test_date_expression_finds_calendar_dates_and_weekdays(expression):
    assert found(DATE_EXPRESSION, f"The camp opened {expression} after talks.") == [expression]


def test_date_expression_leaves_a_bare_year_alone_because_it_may_be_a_quantity():
    assert found(DATE_EXPRESSION, "The ship carried 1672 passengers.") == []


def test_date_pattern_also_finds_a_bare_year():
    assert found(DATE_PATTERN, "The war began in 1672.") == ["1672"]


@pytest.mark.parametrize("expression", ["Jul 21, 2020", "2020-07-21", "Monday", "yesterday", "last week"])
def test_date_pattern_finds_everything_date_expression_does_and_relative_days(expression):
    assert found(DATE_PATTERN, f"It happened {expression} near the border.") == [expression]


def test_long_date_is_day_month_name_year_without_a_leading_zero():
    assert long_date(date(2012, 11, 9)) == "9 November 2012"
    assert long_date(date(2020, 7, 21)) == "21 July 2020"


def test_named_in_looks_for_the_year_the_question_gave():
    in_2019 = parse_time("Who won Wimbledon in 2019?", TODAY)
    assert in_2019.named_in("Simona Halep won Wimbledon in 2019.")
    assert not in_2019.named_in("Elena Rybakina won the final, her first since 2018.")
    assert not in_2019.named_in("It cost 12019 dollars.")  # a year, not digits inside a number
    assert parse_time("Who chaired the meeting in November 2012?", TODAY).named_in("The meeting of 9 November 2012")
    # no year named: relative periods count from the reader's today, not the article's, so nothing to look for
    assert parse_time("Who sent the email this week?", TODAY).named_in("He sent the email on Monday.")
    assert parse_time("What happened after 2015?", TODAY).named_in("Nothing at all.")


def shingled(words: list[str]) -> str:
    return " ".join(words)


def test_the_estimated_jaccard_is_close_to_the_true_one():
    words = [f"w{i}" for i in range(400)]
    a, b = words[:300], words[100:]  # 3-shingles: 298 and 298, 198 shared -> Jaccard 198 / 398
    assert abs(minhash(shingled(a)).jaccard(minhash(shingled(b))) - 198 / 398) < 0.15
    assert minhash(shingled(a)).jaccard(minhash(shingled(a))) == 1.0


def test_a_candidate_below_the_threshold_joins_no_group():
    words = [f"w{i}" for i in range(400)]
    near = NearDuplicates()
    near.add("first", minhash(shingled(words[:300])), "group-1")
    assert near.group_for(minhash(shingled(words[100:]))) is None  # Jaccard ~0.5 < 0.6
    assert near.group_for(minhash(shingled(words[20:300]))) == "group-1"  # ~0.93


def test_grouping_copies_loads_neither_scipy_nor_scikit_learn():
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys; from assistant.news import NearDuplicates, minhash; n = NearDuplicates(); "
            "n.add('a', minhash('one two three four five'), 'g'); assert n.group_for(minhash('one two three four five')) == 'g'; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'sklearn', 'datasketch'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
