"""RGB dev sets with no generator vs the packaged Gemma 3 270M and Qwen2.5 1.5B (llama-cpp-python, CPU), side by side.

Needs the [llm] extra (Gemma) and the [qwen] extra (Qwen).

    python benchmarks/generator_eval.py [--generators none,gemma,qwen] [--limit N]
 Same index, same retrieval and refusal; only who writes the answer differs. Generated
sentences that fail verification are dropped; an answer with none left falls back to the extractive one.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RGB = ROOT.parent / "shared" / "datasets" / "rgb"


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--generators", default="none,gemma,qwen")
    ap.add_argument("--limit", type=int, default=None, help="questions per set (the 1.5B model takes seconds each)")
    args = ap.parse_args()
    from assistant import Assistant
    from assistant.embeddings import load_embedder
    from assistant.evaluation import load_rgb_fact, load_rgb_negative

    embedder = load_embedder("all-MiniLM-L6-v2")
    rows, stats = [], {}
    for generator in args.generators.split(","):
        for ds in (load_rgb_fact(RGB / "en_fact_dev.jsonl"), load_rgb_negative(RGB / "negative_rejection_dev.jsonl")):
            folder = Path(tempfile.mkdtemp())
            a = Assistant(index_dir=folder, embedder=embedder, generator=generator)
            answers = []
            original_ask = a.ask
            a.ask = lambda q, *args, **kw: answers.append(original_ask(q, *args, **kw)) or answers[-1]
            r = a.evaluate(ds, limit=args.limit)
            used = sum(1 for x in answers if x.generator != "none")
            dropped = sum(len(x.dropped_sentences) for x in answers)
            fallbacks = sum(1 for x in answers if x.fallback)
            stats[(generator, ds.name)] = (used, dropped, fallbacks, len(answers))
            rows.append(f"| {ds.name} | {generator} | {r.accuracy} | {r.correct_refusal} | {r.false_refusal} | "
                        f"{r.citation_precision} | {r.numeric_exactness} | {r.latency_p50_ms:.0f} / {r.latency_p95_ms:.0f} | "
                        f"{used}/{len(answers)} | {dropped} | {fallbacks} |")
            print(rows[-1])
    lines = [
        "## Generative answers: none vs Gemma 3 270M vs Qwen2.5-Coder 1.5B (RGB dev sets)",
        "",
        "Same index, retrieval and reader; `gemma` = the PyPI-packaged Gemma 3 270M Q4_K_M GGUF, `qwen` = "
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M joined from its 22 PyPI parts, both via llama-cpp-python on 2 CPU "
        "threads, prompt `prompts/answer-v2`, every generated sentence verified"
        + (f"; the first {args.limit} questions of each set" if args.limit else "")
        + ". RGB: Chen et al., AAAI 2024 (CC BY-NC-SA 4.0).",
        "",
        "| set | generator | accuracy | correct refusal | false refusal | citation precision | numeric exactness | p50 / p95 ms | answers written by the model | sentences dropped | fallbacks to extractive |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    from _results import update_section

    update_section("generator-eval", "\n".join(lines))


if __name__ == "__main__":
    main()
