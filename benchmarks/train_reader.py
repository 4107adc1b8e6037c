"""Fit the feature reader's weights (assistant/reader_weights.json) on the DEV split of the project's question
sets, and choose its refusal threshold. Test questions are never read here.

For every dev question the pipeline's own retrieval gives the candidate sentences; a sentence is a positive
when it is in the expected article and contains a gold answer. A logistic model (L2, numpy) is fitted on those
rows; the threshold is the one that maximises right answers + right refusals on dev with false refusals kept
low. Rebuild from the repository (plus ../shared for the real pages) with:

    python benchmarks/train_reader.py [--sets pages,sample,fixtures] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reader_eval import PAGES, build, load_rows, norm  # noqa: E402


def collect(sets: list[str]):
    from assistant.embeddings import load_embedder
    from assistant.pipeline import understand
    from assistant.reader import FeatureReader, Model

    embedder = load_embedder("all-MiniLM-L6-v2")
    questions = []  # (answerable, rows, labels)
    for name in sets:
        if name == "pages" and not PAGES.is_dir():
            print(f"skipping pages: {PAGES} is absent", file=sys.stderr)
            continue
        rows = [r for r in load_rows(name) if r["split"] == "dev"]
        a, keys = build(name, rows, embedder, "similarity")
        reader = FeatureReader(embedder, a.index.keyword, Model([0.0] * 32, 0.0, 0.5))
        found = 0
        for row in rows:
            query = understand(row["question"], None, date.today())
            q_vec = embedder.encode_one(query.search_text)
            cands = a.retriever.retrieve(query.search_text, q_vec)
            items, feats = reader.featurize(query.info, q_vec, cands)
            golds = [norm(g) for g in row.get("answers", [])]
            labels = [int(row["answerable"] and cand.chunk.article_id == keys[row["id"]]
                          and any(g in norm(span.text) for g in golds)) for span, cand in items]
            found += int(any(labels)) if row["answerable"] else 0
            questions.append((row["answerable"], np.array(feats, dtype=float), np.array(labels), name))
        n_ans = sum(1 for r in rows if r["answerable"])
        print(f"{name}: {len(rows)} dev questions; the answer sentence is among the candidates for {found}/{n_ans}",
              file=sys.stderr)
    return questions


def fit(X: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000, lr: float = 0.5):
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mu) / sd
    w = np.zeros(Z.shape[1])
    b = 0.0
    pos_weight = (len(y) - y.sum()) / max(y.sum(), 1) ** 1.0
    sw = np.where(y == 1, min(pos_weight, 20.0), 1.0)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = (p - y) * sw
        w -= lr * (Z.T @ g / len(y) + l2 * w / len(y))
        b -= lr * g.mean()
    # back to raw feature scale
    return w / sd, b - float((w / sd) @ mu)


def decide(questions, w, b):
    """Per question: (answerable, top probability, top sentence right?)."""
    out = []
    for answerable, X, y, _ in questions:
        if len(X) == 0:
            out.append((answerable, 0.0, False))
            continue
        p = 1 / (1 + np.exp(-(X @ w + b)))
        top = int(np.argmax(p))
        out.append((answerable, float(p[top]), bool(y[top])))
    return out


def sweep(decisions):
    n_ans = sum(1 for a, _, _ in decisions if a) or 1
    n_un = sum(1 for a, _, _ in decisions if not a) or 1
    rows = []
    for t in np.arange(0.05, 0.96, 0.01):
        right = sum(1 for a, p, ok in decisions if a and p >= t and ok)
        false_ref = sum(1 for a, p, _ in decisions if a and p < t)
        refused = sum(1 for a, p, _ in decisions if not a and p < t)
        rows.append((round(float(t), 2), right / n_ans, refused / n_un, false_ref / n_ans))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="pages,sample,fixtures")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--max-false-refusal", type=float, default=0.10)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    from assistant.features import FEATURES

    questions = collect(args.sets.split(","))
    X = np.vstack([q[1] for q in questions if len(q[1])])
    y = np.concatenate([q[2] for q in questions if len(q[1])])
    w, b = fit(X, y, l2=args.l2)
    curve = sweep(decide(questions, w, b))
    ok = [r for r in curve if r[3] <= args.max_false_refusal] or curve
    best = max(ok, key=lambda r: (r[1] + r[2], r[0]))
    print("threshold  right  refused  false_refusal")
    for r in curve[::5]:
        print(f"{r[0]:.2f}  {r[1]:.3f}  {r[2]:.3f}  {r[3]:.3f}")
    print(f"chosen threshold {best[0]}: right {best[1]:.3f}, refused {best[2]:.3f}, false refusal {best[3]:.3f}")
    for f, v in sorted(zip(FEATURES, w), key=lambda x: -abs(x[1])):
        print(f"  {f:>18} {v:+.3f}")
    if args.write:
        data = {"weights": {f: round(float(v), 5) for f, v in zip(FEATURES, w)}, "bias": round(float(b), 5),
                "threshold": float(best[0]),
                "note": f"fitted by benchmarks/train_reader.py on the dev split of {args.sets} "
                        f"({len(questions)} questions, {len(y)} sentences, {int(y.sum())} positive)"}
        (ROOT / "assistant" / "reader_weights.json").write_text(json.dumps(data, indent=1) + "\n")
        print("wrote assistant/reader_weights.json")


if __name__ == "__main__":
    main()
