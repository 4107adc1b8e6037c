"""News-aware answers on the fixture corpus (tests/fixtures/news, 14 short articles written for these tests)."""

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import Assistant
from assistant.embeddings import load_embedder

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "news"
TODAY = date(2013, 1, 20)


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    a = Assistant(index_dir=tmp_path_factory.mktemp("news"), embedder=load_embedder("all-MiniLM-L6-v2"),
                  clock=lambda: TODAY)
    report = a.ingest([CORPUS])
    assert report.added == 14 and not report.failed
    return a


def test_dated_figure_says_as_of_and_undated_says_so(news):
    ans = news.ask("How many people does the Zaatari camp hold?")
    assert ans.text.startswith("As of 20 November 2012 (Amman Times): The Zaatari camp")
    assert str(ans.citations[0].published) == "2012-11-20"
    undated = news.ask("How many registered Syrian refugees does Lebanon host according to the council leader?")
    assert "Undated (Cedar Review)" in undated.text


def test_conflicting_figures_are_all_shown_newest_first(news):
    ans = news.ask("How many Syrian refugees does Turkey shelter?")
    assert ans.kind == "conflict" and ans.text.startswith("The articles give different figures, newest first.")
    quotes = [c.quote for c in ans.citations]
    assert ["135,000" in quotes[0], "120,000" in quotes[1], "90,000" in quotes[2]] == [True, True, True]
    dates = [c.published for c in ans.citations]
    assert dates == sorted(dates, reverse=True)


def test_latest_prefers_the_newest_figure(news):
    ans = news.ask("What is the latest number of Syrian refugees in Turkey?")
    assert ans.time_filter.prefer_recent and "135,000" in ans.text and len(ans.citations) == 1


@pytest.mark.parametrize("question, figure, start, end", [
    ("How many Syrian refugees did Turkey shelter in October 2012?", "90,000", "2012-10-01", "2012-10-31"),
    ("How many Syrian refugees did Turkey shelter in November 2012?", "120,000", "2012-11-01", "2012-11-30"),
    ("How many Syrian refugees did Turkey shelter before November 2012?", "90,000", None, "2012-10-31"),
])
def test_time_bounded_questions_filter_by_date(news, question, figure, start, end):
    ans = news.ask(question)
    assert figure in ans.text and ans.time_filter.applied is True
    scope = ans.model_dump(mode="json")["time_filter"]
    assert (scope["start"], scope["end"]) == (start, end)


def test_relative_time_counts_from_the_clock(news):
    ans = news.ask("How many Syrian refugees did Turkey shelter last year?")
    assert str(ans.time_filter.start) == "2012-01-01" and str(ans.time_filter.end) == "2012-12-31"


def test_syndicated_copies_are_grouped_and_cited_once(news):
    amman = next(a for a in news.articles() if a.source == "Amman Times" and "Zaatari" in a.title)
    gulf = next(a for a in news.articles() if a.source == "Gulf Daily")
    assert amman.group == gulf.group
    ans = news.ask("How many people does the Zaatari camp hold?")
    assert len({c.article_id for c in ans.citations} & {amman.id, gulf.id}) == 1
    assert ans.citations[0].also_reported_by and "also reported by" in ans.text


def test_exact_duplicate_is_skipped(news):
    report = news.ingest([CORPUS / "02-turkey-november.txt"])
    assert report.skipped == 1 and report.added == 0


def test_collection_questions(news):
    mention = news.ask("Which articles mention Jordan?")
    assert mention.kind == "collection" and mention.text.startswith("3 articles mention Jordan")
    assert all("jordan" in c.quote.lower() for c in mention.citations)
    sources = news.ask("What sources do I have about Turkey?")
    assert sources.text.startswith("Sources about Turkey:") and "Northern Wire" in sources.text
    count = news.ask("How many articles are from October 2012?")
    assert count.text.startswith("4 articles are from october 2012")
    assert all(c.published.month == 10 for c in count.citations)
    timeline = news.ask("Give me a timeline of the refugee numbers in Turkey")
    figures = [c.quote for c in timeline.citations]
    assert [any(f in q for q in figures) for f in ("90,000", "120,000", "135,000")] == [True, True, True]
    assert [c.published for c in timeline.citations] == sorted(c.published for c in timeline.citations)
    assert all("dollars" not in q for q in figures)


def test_followups_carry_subject_and_time(news):
    first = "How many Syrian refugees did Turkey shelter in October 2012?"
    ans = news.ask("and in Lebanon?", history=[("user", first)])
    assert "Lebanon" in ans.resolved_question
    later = news.ask("what about in December 2012?", history=[("user", first)])
    assert later.resolved_question == "How many Syrian refugees did Turkey shelter in December 2012?"
    assert "135,000" in later.text


def test_time_words_about_an_event_fall_back_to_all_articles(news):
    ans = news.ask("How many trucks reached Aleppo in 2012?")  # all articles are from 2012: the filter applies
    assert "12 trucks" in ans.text
    undated_topic = news.ask("How many registered refugees does Lebanon host in 2015?")
    assert undated_topic.time_filter.applied is False or undated_topic.refused


def test_cli_shows_groups(news):
    from assistant.cli import app

    result = CliRunner().invoke(app, ["articles", "--groups", "--index-dir", str(news.settings.index_dir)])
    assert result.exit_code == 0
    assert "Amman Times" in result.output and "Gulf Daily" in result.output and "2 articles" in result.output


def test_eval_on_the_time_and_conflict_set(tmp_path):
    report = Assistant(index_dir=tmp_path, embedder=load_embedder("all-MiniLM-L6-v2")).evaluate(CORPUS.parent / "news-eval.jsonl")
    assert report.accuracy.value >= 0.8 and report.correct_refusal.value >= 0.66
