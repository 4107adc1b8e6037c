import json

import pytest

from assistant.evaluation import (
    EvalItem,
    contains_gold,
    load_dataset,
    load_rgb_fact,
    load_rgb_negative,
    score_answer,
    summarize,
    QuestionResult,
)
from assistant.models import Answer, Article, Citation

ART = Article(id="a1", title="T", text="Turkey already shelters more than 120,000 Syrian refugees. Rain fell.")


def _cit(quote, start, end, article_id="a1", number=1):
    return Citation(number=number, article_id=article_id, title="T", quote=quote, start=start, end=end)


def test_correct_answer_with_verbatim_supporting_citation():
    item = EvalItem(id="1", question="q", answers=["more than 120,000"])
    ans = Answer(question="q", text="Turkey already shelters more than 120,000 Syrian refugees [1].",
                 citations=[_cit("Turkey already shelters more than 120,000 Syrian refugees.", 0, 58)])
    s = score_answer(item, ans, {"a1": ART})
    assert s["correct"] and s["verdict"] == "correct" and s["citations_ok"] == 1
    assert (s["numbers_total"], s["numbers_ok"]) == (1, 1)


def test_citation_whose_quote_is_not_in_its_article_counts_as_wrong():
    item = EvalItem(id="1", question="q", answers=["120,000"])
    fake = "Turkey shelters 120,000 refugees."
    ans = Answer(question="q", text=f"{fake} [1]", citations=[_cit(fake, 0, len(fake))])
    assert score_answer(item, ans, {"a1": ART})["citations_ok"] == 0


def test_number_in_no_quote_counts_as_wrong():
    item = EvalItem(id="1", question="q", answers=["120,000"])
    ans = Answer(question="q", text="About 130,000 refugees [1].", citations=[_cit("Rain fell.", 59, 69)])
    s = score_answer(item, ans, {"a1": ART})
    assert (s["numbers_total"], s["numbers_ok"]) == (1, 0)
    assert not s["correct"] and s["verdict"] == "wrong_answer"


def test_refusals_are_scored_by_answerability():
    refusal = Answer(question="q", text="The articles don't say.", refused=True)
    assert score_answer(EvalItem(id="1", question="q", answerable=False), refusal, {})["verdict"] == "correct_refusal"
    assert score_answer(EvalItem(id="2", question="q", answers=["x"]), refusal, {})["verdict"] == "false_refusal"
    answered = Answer(question="q", text="Rain fell [1].", citations=[_cit("Rain fell.", 59, 69)])
    assert score_answer(EvalItem(id="3", question="q", answerable=False), answered, {"a1": ART})["verdict"] == "false_answer"


def test_counterfactual_classification():
    item = EvalItem(id="1", question="q", answers=["Tampa, Florida"], fake_answers=["Glendale, Arizona"])
    both = Answer(question="q", text="in Tampa, Florida [1]. in Glendale, Arizona [2].", citations=[])
    assert score_answer(item, both, {})["counterfactual"] == "both"


def test_summary_metrics_with_counts():
    def r(answerable, refused, correct, rank):
        return QuestionResult(id="x", question="q", answerable=answerable, answers=["a"], answer="", refused=refused,
                              correct=correct, citations=[], citations_ok=0, numbers_total=0, numbers_ok=0,
                              gold_rank=rank, latency_ms=10.0, verdict="")
    rep = summarize("t", [r(True, False, True, 1), r(True, True, False, 2), r(False, True, False, None)], k=5)
    assert (rep.accuracy.numerator, rep.accuracy.denominator) == (1, 2)
    assert rep.correct_refusal.value == 1.0 and rep.false_refusal.value == 0.5
    assert rep.mrr_at_k == pytest.approx(0.75) and rep.hits_at_k.value == 1.0


def test_contains_gold_ignores_case_and_spacing():
    assert contains_gold("won by  SIMONA halep", ["Simona Halep"])
    assert not contains_gold("nothing", ["Simona Halep"])


def test_user_format_loader(tmp_path):
    (tmp_path / "a.txt").write_text("The dam makes 450 megawatts.")
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"question": "Power?", "answers": ["450 megawatts"], "articles": ["a.txt"],
                                "passages": ["Inline passage."]}) + "\n" + json.dumps({"question": "Other?"}) + "\n")
    ds = load_dataset(path)
    assert [i.answerable for i in ds.items] == [True, False]
    assert ds.paths == [str(tmp_path / "a.txt")] and ds.documents[0]["text"] == "Inline passage."


def test_user_format_rejects_a_line_without_question(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"answers": ["x"]}) + "\n")
    with pytest.raises(ValueError, match="no 'question'"):
        load_dataset(path)


def test_rgb_loaders(shared):
    rgb = shared / "datasets" / "rgb"
    fact = load_rgb_fact(rgb / "en_fact_dev.jsonl")
    assert len(fact.items) == 70 and all(i.answerable for i in fact.items)
    assert len(fact.documents) == len({d["text"] for d in fact.documents})
    cf = load_rgb_fact(rgb / "en_fact_dev.jsonl", counterfactual=True)
    assert len(cf.documents) > len(fact.documents) and cf.items[0].fake_answers == ["Glendale, Arizona"]
    neg = load_rgb_negative(rgb / "negative_rejection_dev.jsonl")
    assert len(neg.items) == 51 and not any(i.answerable for i in neg.items)
    assert load_dataset(rgb / "negative_rejection_dev.jsonl").name == neg.name


def test_evaluate_end_to_end_on_a_tiny_dataset(make_assistant, tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(
        json.dumps({"question": "How many megawatts will the dam produce?", "answers": ["450"],
                    "passages": ["The new dam will produce 450 megawatts of power from 2027."]}) + "\n"
        + json.dumps({"question": "Who won the 2018 World Cup?", "answers": []}) + "\n"
    )
    report = make_assistant().evaluate(path)
    assert report.accuracy.value == 1.0 and report.correct_refusal.value == 1.0
    assert report.numeric_exactness.value == 1.0 and report.hits_at_k.value == 1.0
