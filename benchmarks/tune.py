"""Calibrate the sentence-score weights and the refusal threshold on the RGB dev sets (and only on them).

Collects, per question, the features of every candidate sentence once, then grid-searches weights and the
threshold offline. Objective: accuracy on en_fact_dev + correct refusal on negative_rejection_dev, with false
refusal kept at or under 10%. Prints the best settings; copy them into assistant/reader.py and config.py.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RGB = ROOT.parent / "shared" / "datasets" / "rgb"


def collect(cache: Path) -> list[dict]:
    from assistant import Assistant
    from assistant.evaluation import contains_gold, load_rgb_fact, load_rgb_negative
    from assistant.question import analyze

    rows, embedder = [], None
    for ds in (load_rgb_fact(RGB / "en_fact_dev.jsonl"), load_rgb_negative(RGB / "negative_rejection_dev.jsonl")):
        a = Assistant(index_dir=tempfile.mkdtemp(), embedder=embedder)
        embedder = a.embedder
        a.add_documents(ds.documents)
        for item in ds.items:
            info = analyze(item.question)
            q_vec = a.embedder.encode_one(item.question)
            scored = a.reader.read(info, q_vec, a.retriever.retrieve(item.question, q_vec))
            rows.append({
                "answerable": item.answerable,
                "sentences": [
                    {**s.features, "gold": item.answerable and contains_gold(s.span.text, item.answers)}
                    for s in scored[:40]
                ],
            })
    cache.write_text(json.dumps(rows))
    return rows


def evaluate(rows, w, threshold):
    w_cos, w_ov, w_ctx, w_kind, pen, pen2 = w
    correct = refused_ok = false_ref = n_ans = n_un = 0
    for row in rows:
        best, best_s = None, -9.0
        for s in row["sentences"]:
            score = w_cos * s["cos"] + w_ov * s["overlap"] + w_ctx * s["context"] + w_kind * s["kind"]
            if s["missing_numbers"]:
                score -= pen * s["missing_numbers"] / max(s["n_numbers"], 1)
            if s["missing_here"]:
                score -= pen2 * s["missing_here"] / max(s["n_numbers"], 1)
            if score > best_s:
                best, best_s = s, score
        answered = best is not None and best_s >= threshold and best["kind"]
        if row["answerable"]:
            n_ans += 1
            correct += bool(answered and best["gold"])
            false_ref += not answered
        else:
            n_un += 1
            refused_ok += not answered
    return correct / n_ans, refused_ok / n_un, false_ref / n_ans


def main() -> None:
    cache = Path(tempfile.gettempdir()) / "rgb_features.json"
    rows = json.loads(cache.read_text()) if cache.exists() and "--fresh" not in sys.argv else collect(cache)
    best = None
    grid = itertools.product([0.3, 0.45, 0.6], [0.1, 0.2, 0.3, 0.45], [0.0, 0.1, 0.2], [0.0, 0.1, 0.2], [0.1, 0.25, 0.5], [0.0, 0.1, 0.2, 0.3])
    for w in grid:
        for threshold in [x / 100 for x in range(20, 100, 2)]:
            acc, ref, fref = evaluate(rows, w, threshold)
            objective = acc + ref if fref <= 0.10 else -1
            if best is None or objective > best[0]:
                best = (objective, w, threshold, acc, ref, fref)
    objective, w, threshold, acc, ref, fref = best
    print(f"weights cos/overlap/context/kind/penalty={w} threshold={threshold}")
    print(f"accuracy (top sentence has gold) {acc:.1%}, correct refusal {ref:.1%}, false refusal {fref:.1%}")
    print("current:", evaluate(rows, (0.45, 0.30, 0.10, 0.15, 0.25, 0.0), 0.45))


if __name__ == "__main__":
    main()
