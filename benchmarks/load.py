"""Load: 20 users asking through the Gradio API for 2 minutes while one user uploads 500 articles.

The app runs as `python app.py` (embedded index, real model) on a free localhost port. Each user asks its own
question, whose answer holds a number only that user's question leads to, so an answer meant for another user
would be caught ("answer mixing"). Reports errors, p50/p95 latency next to the idle figures (one user, same
questions), the ingest's duration, and the app's peak memory (VmHWM).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The retrieval stack is measured here; the LLM judge (its own speed in judge_eval.py) would add 1-3 s to
# unsure questions and 1.6 GB to a process. ASSISTANT_JUDGE=auto in the environment measures with it.
os.environ.setdefault("ASSISTANT_JUDGE", "off")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _results import pct, rss_mb  # noqa: E402
USERS = 20
SECONDS = 120
INGEST_ARTICLES = 500


def main() -> None:
    from gradio_client import Client, handle_file

    from tests.conftest import start_app

    work = Path(tempfile.mkdtemp())
    proc, url = start_app(work / "index", work / "app.log")
    try:
        stations = work / "stations.jsonl"
        stations.write_text("\n".join(json.dumps({
            "title": f"Rain report for station {k}",
            "text": f"Weather station {k} in the hills recorded {k * 111 + 7} millimetres of rain in October.",
        }) for k in range(1, USERS + 1)))
        Client(url, verbose=False).predict([handle_file(str(stations))], api_name="/upload")
        questions = {k: (f"How many millimetres of rain did weather station {k} record?", str(k * 111 + 7))
                     for k in range(1, USERS + 1)}

        idle, client = [], Client(url, verbose=False)
        for k in range(1, USERS + 1):
            for _ in range(2):
                t = time.perf_counter()
                client.predict(questions[k][0], api_name="/ask")
                idle.append((time.perf_counter() - t) * 1000)

        batches = []
        for b in range(5):
            path = work / f"ingest-{b}.jsonl"
            path.write_text("\n".join(json.dumps({
                "title": f"Market note {b}-{i}",
                "text": " ".join(f"Trader {b}-{i}-{j} sold {j * 3 + i} crates of oranges at the market on day {j}."
                                 for j in range(12)),
            }) for i in range(INGEST_ARTICLES // 5)))
            batches.append(path)

        latencies: list[float] = []
        errors: list[str] = []
        mixed: list[str] = []
        refused: list[int] = []
        wrong: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + SECONDS
        ingest_done = {}

        def user(k: int) -> None:
            c = Client(url, verbose=False)
            question, expected = questions[k]
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    answer = c.predict(question, api_name="/ask")
                except Exception as exc:  # every failure is counted and reported
                    with lock:
                        errors.append(f"user {k}: {exc}")
                    continue
                ms = (time.perf_counter() - t) * 1000
                others = [v for j, (_, v) in questions.items() if j != k and v in answer["text"]]
                with lock:
                    latencies.append(ms)
                    if others:  # another user's figure: answers crossed between sessions
                        mixed.append(f"user {k} got: {answer['text'][:80]}")
                    elif answer["refused"]:
                        refused.append(k)
                    elif expected not in answer["text"]:
                        wrong.append(f"user {k} got: {answer['text'][:80]}")

        def ingester() -> None:
            c = Client(url, verbose=False)
            t = time.perf_counter()
            added = 0
            for path in batches:
                rows = c.predict([handle_file(str(path))], api_name="/upload")[0]["data"]
                added += sum(1 for r in rows if r[1] == "added")
            ingest_done.update(seconds=time.perf_counter() - t, added=added)

        peak_sampler_stop = threading.Event()
        rss_samples: list[float] = []

        def sample_rss() -> None:
            while not peak_sampler_stop.wait(1.0):
                rss_samples.append(rss_mb(proc.pid, "VmRSS"))

        threads = [threading.Thread(target=user, args=(k,)) for k in range(1, USERS + 1)]
        threads += [threading.Thread(target=ingester), threading.Thread(target=sample_rss)]
        for t in threads:
            t.start()
        for t in threads[:-1]:
            t.join()
        peak_sampler_stop.set()
        threads[-1].join()
        peak = rss_mb(proc.pid, "VmHWM")
        articles = len(Client(url, verbose=False).predict(api_name="/articles"))
    finally:
        proc.terminate()
        proc.wait(30)

    result = {
        "users": USERS, "seconds": SECONDS, "asks": len(latencies), "errors": len(errors), "mixed": len(mixed),
        "refused": len(refused), "wrong": len(wrong), "wrong_examples": wrong[:3],
        "p50_ms": pct(latencies, 0.5), "p95_ms": pct(latencies, 0.95), "throughput_per_s": len(latencies) / SECONDS,
        "idle_p50_ms": pct(idle, 0.5), "idle_p95_ms": pct(idle, 0.95), "ingest": ingest_done,
        "articles_after": articles, "peak_rss_mb": peak, "rss_median_mb": statistics.median(rss_samples) if rss_samples else None,
        "error_examples": errors[:3], "mixed_examples": mixed[:3],
    }
    print(json.dumps(result, indent=2))
    body = f"""## Load: {USERS} users for {SECONDS} s while one user uploads {INGEST_ARTICLES} articles

`python app.py` (embedded index, real model, Gradio queue with 4 concurrent answers and a separate queue of 1 for
ingestion); {USERS} `gradio_client` users each asking their own question in a loop through `/ask`; one more user
uploading {INGEST_ARTICLES} articles (5 JSONL files of {INGEST_ARTICLES // 5}) through `/upload` at the same time.

| measure | value |
| --- | --- |
| questions answered | {len(latencies)} ({result['throughput_per_s']:.1f}/s) |
| errors | **{len(errors)}** |
| answers with another user's figure (mixing) | **{len(mixed)}** |
| answers with the user's own figure | {len(latencies) - len(mixed) - len(refused) - len(wrong)} |
| refusals / other answers | {len(refused)} / {len(wrong)} |
| latency under load p50 / p95 | {result['p50_ms']:.0f} ms / {result['p95_ms']:.0f} ms |
| latency idle (one user, same questions) p50 / p95 | {result['idle_p50_ms']:.0f} ms / {result['idle_p95_ms']:.0f} ms |
| upload of {INGEST_ARTICLES} articles during the load | {ingest_done.get('added', 0)} added in {ingest_done.get('seconds', float('nan')):.0f} s |
| app memory: peak (VmHWM) / median RSS during the run | {peak:.0f} MB / {result['rss_median_mb'] or float('nan'):.0f} MB |

With 2 cores, latency under load is queueing: about {result['throughput_per_s']:.1f} answers/s are served in total, shared by
{USERS} users and the ingest.
"""
    from _results import update_section

    update_section("load", body)


if __name__ == "__main__":
    main()
