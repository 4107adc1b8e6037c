"""Index.ingest reports progress in chunks embedded (a single big file must not sit at 0% for minutes)."""

from tests.conftest import SAMPLE


def test_one_big_file_reports_progress_as_its_chunks_are_embedded(assistant, tmp_path, fake_embedder):
    big = tmp_path / "long-report.txt"
    big.write_text("Title: Long report\n\n" + " ".join(
        f"In district {i}, inspectors counted {i * 13} damaged houses and {i * 7} closed schools." for i in range(3000)))
    calls = []
    report = assistant.ingest([big], progress=lambda done, total, label: calls.append((done, total, label)))
    assert report.added == 1 and report.chunks > 256
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[-1] == report.chunks
    assert calls[-1][:2] == (report.chunks, report.chunks)
    partial = [(d, t) for d, t, _ in calls if 0 < d < report.chunks]
    assert len(partial) >= 2, f"no progress while embedding: {calls}"
    assert all(d <= t for d, t, _ in calls)
    assert all(label == str(big) for _, _, label in calls)
    steps = [b - a for a, b in zip(done, done[1:])]
    assert max(steps) <= 128  # embedded in slices of at most 128 chunks, each one reported
    assert len(fake_embedder.calls) >= len(partial)  # ... as it is embedded, not all at once before


def test_progress_over_several_files_ends_complete_and_total_is_close_early(assistant, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i:02d}.txt").write_text(f"Report {i}\n\n" + " ".join(
            f"Town {i} counted {j} new cases on day {j} of the outbreak." for j in range(60)))
    calls = []
    report = assistant.ingest([folder, SAMPLE], progress=lambda d, t, p: calls.append((d, t, p)))
    assert report.added == 41
    assert calls[-1][:2] == (report.chunks, report.chunks)
    first_estimate = calls[0][1]
    assert 0.5 * report.chunks <= first_estimate <= 2 * report.chunks, (first_estimate, report.chunks)
    assert {p for _, _, p in calls} >= {str(SAMPLE)}


def test_ingest_without_progress_is_unchanged(assistant, fake_embedder):
    assert assistant.ingest([SAMPLE]).added == 1
    assert len(fake_embedder.calls) == 1
