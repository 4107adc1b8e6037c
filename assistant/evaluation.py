"""Evaluation: datasets of questions with gold answers, the metrics, and a runner over an Assistant.

A dataset is a set of documents to index and questions to ask. Loaders read the RGB files (Chen et al.,
AAAI 2024) and a simple JSONL format for users' own articles::

    {"question": "...", "answers": ["gold", "variant"], "answerable": true,
     "passages": ["text to index", ...], "articles": ["path/to/file.html", ...]}

``answerable`` defaults to whether ``answers`` is non-empty; ``passages`` and ``articles`` are optional and
all of them, from every line, form the index.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from .textutil import normalize_space, numbers

if TYPE_CHECKING:
    from .models import Answer, Article


class EvalItem(BaseModel):
    id: str
    question: str
    answers: list[str] = []
    answerable: bool = True
    fake_answers: list[str] = []  # counterfactual: the altered answer planted in some passages


class EvalDataset(BaseModel):
    name: str
    items: list[EvalItem]
    documents: list[dict[str, Any]] = Field(default_factory=list, description="records for add_documents")
    paths: list[str] = Field(default_factory=list, description="files/folders to ingest")


class QuestionResult(BaseModel):
    id: str
    question: str
    answerable: bool
    answers: list[str]
    answer: str
    refused: bool
    correct: bool
    citations: list[dict[str, Any]]
    citations_ok: int
    numbers_total: int
    numbers_ok: int
    gold_rank: int | None = None  # rank (1-based) of the first retrieved chunk containing a gold answer
    latency_ms: float
    verdict: str  # correct | wrong_answer | false_refusal | correct_refusal | false_answer
    counterfactual: str | None = None  # gold | fake | both | neither


class Metric(BaseModel):
    value: float | None
    numerator: int
    denominator: int

    def __str__(self) -> str:
        return "n/a" if self.value is None else f"{self.value:.1%} ({self.numerator}/{self.denominator})"


def _metric(num: int, den: int) -> Metric:
    return Metric(value=num / den if den else None, numerator=num, denominator=den)


class EvalReport(BaseModel):
    dataset: str
    n: int
    accuracy: Metric
    correct_refusal: Metric
    false_refusal: Metric
    citation_precision: Metric
    numeric_exactness: Metric
    hits_at_k: Metric
    mrr_at_k: float | None
    k: int
    latency_p50_ms: float
    latency_p95_ms: float
    counterfactual: dict[str, int] = {}
    results: list[QuestionResult] = []

    def summary(self) -> dict[str, Any]:
        return self.model_dump(exclude={"results"})


# --------------------------------------------------------------------------- loaders


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
    return rows


def _passage_docs(passages: Sequence[str], seen: dict[str, int], prefix: str) -> list[dict[str, Any]]:
    docs = []
    for text in passages:
        key = normalize_space(text).lower()
        if not key or key in seen:
            continue
        seen[key] = len(seen)
        docs.append({"text": text, "title": f"{prefix} snippet {seen[key] + 1}", "source": "rgb",
                     "path": f"<{prefix}>#{seen[key]}"})
    return docs


def load_rgb_fact(path: str | Path, counterfactual: bool = False) -> EvalDataset:
    """RGB en_fact: positive + negative passages indexed together; with ``counterfactual`` the altered
    positives (``positive_wrong``) are indexed too and the fake answer is recorded."""
    path = Path(path)
    seen: dict[str, int] = {}
    items, docs = [], []
    for row in _read_jsonl(path):
        passages = row["positive"] + row["negative"] + (row.get("positive_wrong", []) if counterfactual else [])
        docs += _passage_docs(passages, seen, "rgb")
        fake = [row["fakeanswer"]] if counterfactual and row.get("fakeanswer") else []
        items.append(EvalItem(id=row["id"], question=row["query"], answers=row["answers"], fake_answers=fake))
    return EvalDataset(name=path.stem + ("+counterfactual" if counterfactual else ""), items=items, documents=docs)


def load_rgb_negative(path: str | Path) -> EvalDataset:
    """RGB negative rejection: only on-topic passages without the answer are indexed; the right answer is a refusal."""
    path = Path(path)
    seen: dict[str, int] = {}
    items, docs = [], []
    for row in _read_jsonl(path):
        docs += _passage_docs(row["passages"], seen, "rgb-neg")
        items.append(EvalItem(id=row["id"], question=row["query"], answers=row.get("gold_answers_not_in_passages", []),
                              answerable=False))
    return EvalDataset(name=path.stem, items=items, documents=docs)


def load_user_jsonl(path: str | Path) -> EvalDataset:
    """The documented user format (see the module docstring); article paths are relative to the file."""
    path = Path(path)
    seen: dict[str, int] = {}
    items, docs, paths = [], [], []
    for i, row in enumerate(_read_jsonl(path)):
        if not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ValueError(f"{path}: line {i + 1} has no 'question'")
        answers = [a for a in row.get("answers", []) if isinstance(a, str) and a.strip()]
        items.append(EvalItem(id=str(row.get("id", i)), question=row["question"], answers=answers,
                              answerable=bool(row.get("answerable", bool(answers)))))
        docs += _passage_docs(row.get("passages", []), seen, path.stem)
        for p in row.get("articles", []):
            full = (path.parent / p) if not Path(p).is_absolute() else Path(p)
            if str(full) not in paths:
                paths.append(str(full))
    return EvalDataset(name=path.stem, items=items, documents=docs, paths=paths)


def load_dataset(path: str | Path) -> EvalDataset:
    """Pick the loader from the file: RGB fact / negative-rejection files, or the user format."""
    path = Path(path)
    first = next((json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), {})
    if "positive" in first and "negative" in first:
        return load_rgb_fact(path)
    if first.get("expected_behavior") == "refuse":
        return load_rgb_negative(path)
    return load_user_jsonl(path)


# --------------------------------------------------------------------------- metrics


def contains_gold(text: str, golds: Sequence[str]) -> bool:
    hay = normalize_space(text).lower()
    return any(normalize_space(g).lower() in hay for g in golds if g.strip())


def quote_verbatim(citation: Any, article: Article | None) -> bool:
    return article is not None and article.text[citation.start : citation.end] == citation.quote


def number_counts(answer: Answer) -> tuple[int, int]:
    """(numbers in the answer text, of which appear in a cited quote or the cited article's date and source,
    which the answer states as "As of 9 November 2012 (Daily Ledger)")."""
    from .answer import citable_numbers

    found = numbers(re.sub(r"\[\d+\]", "", answer.text)) if not answer.refused else []
    cited = citable_numbers(answer.citations)
    return len(found), sum(1 for n in found if n in cited)


def score_answer(item: EvalItem, answer: Answer, articles: dict[str, Article]) -> dict[str, Any]:
    """Per-question verdict and counts, from the answer and the cited articles' stored text."""
    cited_texts = [articles[c.article_id].text for c in answer.citations if c.article_id in articles]
    correct = (
        item.answerable and not answer.refused and contains_gold(answer.text, item.answers)
        and any(contains_gold(t, item.answers) for t in cited_texts)
    )
    ok = 0
    for c in answer.citations:
        verbatim = quote_verbatim(c, articles.get(c.article_id))
        supports = contains_gold(c.quote, item.answers) if item.answerable else False
        ok += int(verbatim and supports)
    n_total, n_ok = number_counts(answer)
    if item.answerable:
        verdict = "false_refusal" if answer.refused else ("correct" if correct else "wrong_answer")
    else:
        verdict = "correct_refusal" if answer.refused else "false_answer"
    counterfactual = None
    if item.fake_answers and not answer.refused:
        g, f = contains_gold(answer.text, item.answers), contains_gold(answer.text, item.fake_answers)
        counterfactual = "both" if g and f else "gold" if g else "fake" if f else "neither"
    elif item.fake_answers:
        counterfactual = "refused"
    return {"correct": correct, "citations_ok": ok, "numbers_total": n_total, "numbers_ok": n_ok,
            "verdict": verdict, "counterfactual": counterfactual}


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 2)


def summarize(name: str, results: list[QuestionResult], k: int) -> EvalReport:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    cit_total = sum(len(r.citations) for r in answerable if not r.refused)
    ranks = [r.gold_rank for r in answerable]
    cf: dict[str, int] = {}
    for r in results:
        if r.counterfactual:
            cf[r.counterfactual] = cf.get(r.counterfactual, 0) + 1
    return EvalReport(
        dataset=name,
        n=len(results),
        accuracy=_metric(sum(r.correct for r in answerable), len(answerable)),
        correct_refusal=_metric(sum(r.refused for r in unanswerable), len(unanswerable)),
        false_refusal=_metric(sum(r.refused for r in answerable), len(answerable)),
        citation_precision=_metric(sum(r.citations_ok for r in answerable if not r.refused), cit_total),
        numeric_exactness=_metric(sum(r.numbers_ok for r in results), sum(r.numbers_total for r in results)),
        hits_at_k=_metric(sum(1 for x in ranks if x is not None), len(ranks)),
        mrr_at_k=round(statistics.fmean([1 / x if x else 0.0 for x in ranks]), 4) if ranks else None,
        k=k,
        latency_p50_ms=_percentile([r.latency_ms for r in results], 0.50),
        latency_p95_ms=_percentile([r.latency_ms for r in results], 0.95),
        counterfactual=cf,
        results=results,
    )


# --------------------------------------------------------------------------- runner


@dataclass
class System:
    """Something that answers questions, for side-by-side runs: ``ask`` and a ranked ``search``."""

    ask: Callable[[str], Answer]
    search: Callable[[str, int], list[tuple[str, str]]]  # -> [(article_id, chunk text)] best first
    articles: Callable[[Sequence[str]], dict[str, Article]]
    name: str = "assistant"
    extra: dict[str, Any] = field(default_factory=dict)


def assistant_system(assistant: Any) -> System:
    """A ``System`` over anything with ``ask(question)``, ``search(query, k)`` (chunks) and
    ``get_articles(ids)`` (the ``Assistant`` has all three)."""
    return System(
        ask=assistant.ask,
        search=lambda q, k: [(h.article_id, h.text) for h in assistant.search(q, k)],
        articles=assistant.get_articles,
    )


def run_eval(system: System, dataset: EvalDataset, limit: int | None = None, k: int = 5,
             progress: Callable[[int, int], None] | None = None) -> EvalReport:
    items = dataset.items[:limit] if limit else dataset.items
    results: list[QuestionResult] = []
    for done, item in enumerate(items, start=1):
        t = time.perf_counter()
        answer = system.ask(item.question)
        latency = (time.perf_counter() - t) * 1000
        articles = system.articles([c.article_id for c in answer.citations])
        scored = score_answer(item, answer, articles)
        gold_rank = None
        if item.answerable and item.answers:
            for rank, (_, text) in enumerate(system.search(item.question, k), start=1):
                if contains_gold(text, item.answers):
                    gold_rank = rank
                    break
        results.append(
            QuestionResult(
                id=item.id, question=item.question, answerable=item.answerable, answers=item.answers,
                answer=answer.text, refused=answer.refused, gold_rank=gold_rank, latency_ms=round(latency, 2),
                citations=[c.model_dump(mode="json", include={"number", "article_id", "quote", "start", "end"})
                           for c in answer.citations],
                **scored,
            )
        )
        if progress:
            progress(done, len(items))
    return summarize(dataset.name, results, k)


def write_failures(report: EvalReport, path: str | Path) -> int:
    """Write every question that was not handled right to a JSONL file; returns how many."""
    bad = [r for r in report.results if r.verdict not in ("correct", "correct_refusal")]
    with open(path, "w", encoding="utf-8") as fh:
        for r in bad:
            fh.write(r.model_dump_json() + "\n")
    return len(bad)
