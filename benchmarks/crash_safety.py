"""Kill an ingest of 240 articles with SIGKILL at random points (6 runs) and check the index afterwards.

After each kill: the index opens; Chroma's article records, its chunks and the BM25 index agree (chunks of an
article whose record was never written are removed on open and reported); re-running the same ingest completes
it with nothing duplicated. Uses the real CLI in a subprocess and the real packaged model.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The retrieval stack is measured here; the LLM judge (its own speed in judge_eval.py) would add 1-3 s to
# unsure questions and 1.6 GB to a process. ASSISTANT_JUDGE=auto in the environment measures with it.
os.environ.setdefault("ASSISTANT_JUDGE", "off")
sys.path.insert(0, str(ROOT))
N_ARTICLES = 240
RUNS = 6


def make_corpus(folder: Path) -> None:
    rng = random.Random(7)
    towns = ["Aleppo", "Hasaka", "Urfa", "Raqqa", "Idlib", "Homs", "Hama", "Daraa", "Latakia", "Tartus"]
    for i in range(N_ARTICLES):
        town = rng.choice(towns)
        body = " ".join(
            f"Report {i}.{k}: officials in {town} counted {rng.randint(10, 99999)} people on day {k}."
            for k in range(rng.randint(5, 40))
        )
        (folder / f"article-{i:04d}.txt").write_text(f"Title: Dispatch {i} from {town}\nPublished: 2012-11-{1 + i % 28:02d}\n\n{body}")


def check(index: Path) -> dict:
    from assistant import Assistant
    from assistant.embeddings import load_embedder

    a = Assistant(index_dir=index, embedder=load_embedder("all-MiniLM-L6-v2"))
    articles = {x.id: x for x in a.articles()}
    chunk_articles: dict[str, int] = {}
    for _, _, meta in a.index.store.iter_chunks():
        chunk_articles[meta["article_id"]] = chunk_articles.get(meta["article_id"], 0) + 1
    return {
        "articles": len(articles),
        "repaired_orphan_chunks": a.index.repaired_chunks,
        "chunks_without_article": sum(1 for k in chunk_articles if k not in articles),
        "articles_with_wrong_chunk_count": sum(1 for k, x in articles.items() if chunk_articles.get(k, 0) != x.n_chunks),
        "bm25_in_step": a.index.keyword.ids() == set(a.index.store.chunk_ids()) and not a.index.keyword.dirty,
    }


# deletes every article, one by one, printing each id once its delete returned
DELETER = """
import sys
from assistant import Assistant
a = Assistant(index_dir=sys.argv[1])
for info in a.articles():
    a.delete(info.id)
    print(info.id, flush=True)
"""


def main() -> None:
    work = Path(tempfile.mkdtemp())
    corpus = work / "corpus"
    corpus.mkdir()
    make_corpus(corpus)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", str(corpus), "--json"]
    rng = random.Random(2026)
    rows = []
    for run in range(RUNS):
        index = work / f"index-{run}"
        delay = rng.uniform(4.0, 27.0)  # start-up ~2 s, then ~26 s of ingest in two committed batches
        proc = subprocess.Popen(cmd + ["--index-dir", str(index)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        after_kill = check(index)
        finish = subprocess.run(cmd + ["--index-dir", str(index)], cwd=ROOT, env=env, capture_output=True, text=True)
        report = json.loads(finish.stdout)
        final = check(index)
        ok = (after_kill["chunks_without_article"] == 0 and after_kill["articles_with_wrong_chunk_count"] == 0
              and after_kill["bm25_in_step"] and final["articles"] == N_ARTICLES
              and final["chunks_without_article"] == 0 and final["articles_with_wrong_chunk_count"] == 0
              and final["bm25_in_step"] and report["added"] + report["skipped"] == N_ARTICLES
              and report["skipped"] == after_kill["articles"])
        # then a kill while articles are being deleted one by one (Chroma and the keyword index each change)
        delete_delay = rng.uniform(0.5, 6.0)
        proc = subprocess.Popen([sys.executable, "-c", DELETER, str(index)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(delete_delay)
        proc.send_signal(signal.SIGKILL)
        deleted_out, _ = proc.communicate()
        after_delete = check(index)
        confirmed = len(deleted_out.split())  # deletes that returned before the kill
        delete_ok = (after_delete["chunks_without_article"] == 0 and after_delete["articles_with_wrong_chunk_count"] == 0
                     and after_delete["bm25_in_step"]
                     and N_ARTICLES - confirmed - 1 <= after_delete["articles"] <= N_ARTICLES - confirmed)
        ok = ok and delete_ok
        rows.append({"run": run + 1, "kill_after_s": round(delay, 1), "killed": killed, "after_kill": after_kill,
                     "rerun_added": report["added"], "rerun_skipped": report["skipped"], "final": final,
                     "delete_kill_after_s": round(delete_delay, 1), "deletes_confirmed": confirmed,
                     "after_delete": after_delete, "delete_ok": delete_ok, "ok": ok})
        print(json.dumps(rows[-1]))
    lines = [
        "## Crash safety: SIGKILL during ingest and during deletes",
        "",
        f"{N_ARTICLES} articles ingested with `assistant ingest` (real model) in a subprocess, killed with SIGKILL "
        f"at a random moment, {RUNS} runs. Then the index is opened and checked (every article's chunks in Chroma, "
        "the keyword index holding exactly Chroma's chunks, none twice), and the same ingest is run again. Then a "
        "second process deletes the articles one by one and is killed at a random moment; the index is checked "
        "again: the articles left are those not confirmed deleted (give or take the one in flight).",
        "",
        "| run | killed after | articles visible after kill | orphan chunks repaired on open | index consistent after kill | re-run: added / skipped | final articles | delete killed after | deletes confirmed / articles left | consistent after delete kill | ok |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        k = r["after_kill"]
        consistent = k["chunks_without_article"] == 0 and k["articles_with_wrong_chunk_count"] == 0 and k["bm25_in_step"]
        lines.append(f"| {r['run']} | {r['kill_after_s']} s{'' if r['killed'] else ' (had finished)'} | {k['articles']} "
                     f"| {k['repaired_orphan_chunks']} | {'yes' if consistent else 'NO'} | {r['rerun_added']} / "
                     f"{r['rerun_skipped']} | {r['final']['articles']} | {r['delete_kill_after_s']} s | "
                     f"{r['deletes_confirmed']} / {r['after_delete']['articles']} | "
                     f"{'yes' if r['delete_ok'] else 'NO'} | {'yes' if r['ok'] else 'NO'} |")
    from _results import update_section

    update_section("crash-safety", "\n".join(lines))
    sys.exit(0 if all(r["ok"] for r in rows) else 1)


if __name__ == "__main__":
    main()
