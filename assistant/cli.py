"""Command line: a thin layer over :class:`assistant.Assistant`. Heavy imports happen inside the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .config import offline_environment
from .errors import AssistantError

if TYPE_CHECKING:
    from .api import Assistant
    from .models import Answer

app = typer.Typer(
    help="Ask questions about your news articles; answers cite the exact sentences they come from.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IndexDir = Annotated[
    Optional[Path],
    typer.Option("--index-dir", "-i", help="Index folder (default: ASSISTANT_INDEX_DIR or ./index).", show_default=False),
]


GeneratorOpt = Annotated[
    Optional[str],
    typer.Option("--generator", "-g", help="none (extractive), openai, llamacpp or gemma (default: ASSISTANT_GENERATOR).",
                 show_default=False),
]


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _open(index_dir: Path | None, generator: str | None = None) -> Assistant:
    from .api import Assistant

    return Assistant(index_dir=index_dir, **({"generator": generator} if generator else {}))


def _ask_live(assistant: Assistant, question: str, history=None) -> Answer:
    """Ask; with a generator, show its draft as it is written, then the verified answer."""
    if assistant.generator is None:
        return assistant.ask(question, history=history)
    console = _console()
    answer = None
    for event in assistant.stream(question, history=history):
        if event.type == "token":
            console.print(event.text, end="", style="dim", markup=False, highlight=False)
        elif event.type == "answer":
            answer = event.answer
    console.print()
    if answer.dropped_sentences:
        console.print(f"[yellow]Verification removed {len(answer.dropped_sentences)} unsupported sentence(s).[/]")
    if answer.fallback:
        console.print(f"[yellow]{answer.fallback}[/]", markup=False)
    return answer


def _fail(exc: Exception) -> None:
    _console(stderr=True).print(f"[bold red]Error:[/] {exc}")
    raise typer.Exit(1)


@contextmanager
def _handled() -> Iterator[None]:
    """Turn the assistant's own errors into a red message and exit code 1 (no traceback)."""
    try:
        yield
    except AssistantError as exc:
        _fail(exc)


def _print_answer(answer: Answer) -> None:
    from rich.markup import escape

    console = _console()
    style = "yellow" if answer.refused else "bold"
    console.print(f"[{style}]{escape(answer.text)}[/]")
    for cit in answer.citations:
        date = cit.published.isoformat() if cit.published else "undated"
        where = f" — {escape(cit.source)}" if cit.source else ""
        console.print(f"\n[cyan][{cit.number}][/] [bold]{escape(cit.title)}[/]{where}, {date}")
        console.print(f"    “{escape(cit.quote)}”")
        if cit.url:
            console.print(f"    {escape(cit.url)}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (txt, md, html, json, jsonl, pdf).")],
    index_dir: IndexDir = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add articles to the index. Unchanged files are skipped; changed files replace their old version."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with _handled():
        assistant = _open(index_dir)
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=_console(stderr=True), transient=True, disable=json_out,
        ) as bar:
            task = bar.add_task("Ingesting", total=None)

            def progress(done: int, total: int, path: str) -> None:
                bar.update(task, completed=done, total=total, description=f"Ingesting {Path(path).name[:40]}")

            report = assistant.ingest(paths, progress=progress)
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
    else:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"Ingest report ({report.seconds:.1f} s, {report.chunks} chunks)")
        for column in ("status", "file", "title / reason"):
            table.add_column(column)
        colors = {"added": "green", "updated": "cyan", "skipped": "yellow", "failed": "red"}
        for f in report.files:
            table.add_row(f"[{colors[f.status]}]{f.status}[/]", escape(f.path), escape(f.title or f.reason or ""))
        console = _console()
        console.print(table)
        console.print(
            f"added {report.added}, updated {report.updated}, skipped {report.skipped}, failed {len(report.failed)}"
        )
    if report.failed and not (report.added or report.updated or report.skipped):
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    index_dir: IndexDir = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    generator: GeneratorOpt = None,
) -> None:
    """Answer one question from the indexed articles, with citations."""
    with _handled():
        assistant = _open(index_dir, generator)
        answer = assistant.ask(question) if json_out else _ask_live(assistant, question)
    if json_out:
        typer.echo(answer.model_dump_json(indent=2))
    else:
        _print_answer(answer)


@app.command()
def chat(index_dir: IndexDir = None, generator: GeneratorOpt = None) -> None:
    """Interactive chat in the terminal; follow-up questions use the conversation. Ctrl-D or 'exit' quits."""
    with _handled():
        assistant = _open(index_dir, generator)
    console = _console()
    console.print("[dim]Ask about your articles. 'new' starts a new conversation, 'exit' quits.[/]")
    history: list[tuple[str, str]] = []
    while True:
        try:
            question = console.input("[bold green]?[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if question.lower() in {"exit", "quit", ":q"}:
            return
        if question.lower() == "new":
            history.clear()
            console.print("[dim]New conversation.[/]")
            continue
        if not question:
            continue
        try:
            answer = _ask_live(assistant, question, history=history)
        except AssistantError as exc:
            console.print(f"[red]{exc}[/]")
            continue
        if answer.resolved_question:
            from rich.markup import escape

            console.print(f"[dim](understood as: {escape(answer.resolved_question)})[/]")
        _print_answer(answer)
        history += [("user", answer.resolved_question or question), ("assistant", answer.text)]


@app.command()
def articles(
    index_dir: IndexDir = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    groups: Annotated[bool, typer.Option("--groups", help="Show near-duplicate groups (syndicated copies).")] = False,
) -> None:
    """List the indexed articles (with --groups: only groups of near-copies of the same story)."""
    with _handled():
        items = _open(index_dir).articles()
    if groups:
        by_group: dict[str, list] = {}
        for a in items:
            by_group.setdefault(a.group or a.id, []).append(a)
        multi = {g: members for g, members in by_group.items() if len(members) > 1}
        if json_out:
            typer.echo(json.dumps({g: [m.model_dump(mode="json") for m in ms] for g, ms in multi.items()}, indent=2))
            return
        from rich.markup import escape

        console = _console()
        if not multi:
            console.print("No near-duplicate groups: every article is its own story.")
        for g, members in multi.items():
            console.print(f"[bold]{len(members)} articles[/] in group {g[:12]}:")
            for m in members:
                console.print(f"  {m.id[:12]}  {escape(m.source or '')} — {escape(m.title)} ({m.published or 'undated'})")
        return
    if json_out:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in items], indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(items)} articles")
    for column in ("id", "title", "source", "published", "chunks"):
        table.add_column(column, overflow="fold")
    for a in items:
        table.add_row(a.id, escape(a.title), escape(a.source or ""), str(a.published or "undated"), str(a.n_chunks))
    _console().print(table)


@app.command()
def show(article_id: Annotated[str, typer.Argument(help="Article id (see `assistant articles`).")],
         index_dir: IndexDir = None) -> None:
    """Print one article with its metadata."""
    with _handled():
        article = _open(index_dir).article(article_id)
    typer.echo(f"{article.title}\n{article.source or ''} {article.published or 'undated'} {article.url or ''}\n")
    typer.echo(article.text)


@app.command()
def delete(
    article_id: Annotated[str, typer.Argument(help="Article id (see `assistant articles`).")],
    index_dir: IndexDir = None,
) -> None:
    """Remove an article and its chunks from the index."""
    with _handled():
        _open(index_dir).delete(article_id)
    _console().print(f"deleted {article_id}")


@app.command()
def stats(index_dir: IndexDir = None) -> None:
    """Counts of articles and chunks, and the index location."""
    with _handled():
        info = _open(index_dir).stats()
    typer.echo(json.dumps(info, indent=2))


@app.command()
def reset(
    index_dir: IndexDir = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the embedded index (all articles). Needed after changing the embedding model."""
    from .api import Assistant
    from .config import Settings

    settings = Settings(**({"index_dir": index_dir} if index_dir else {}))
    where = settings.chroma_url or settings.index_dir
    if not yes and not typer.confirm(f"Delete every indexed article in {where}?"):
        raise typer.Exit(1)
    with _handled():
        removed = Assistant.reset(settings)
    _console().print(f"index in {where} deleted" if removed else f"no index found in {where}", markup=False)


@app.command("eval")
def eval_(
    dataset: Annotated[Path, typer.Argument(help="JSONL dataset: RGB files or the user format (see README).")],
    index_dir: Annotated[
        Optional[Path], typer.Option("--index-dir", "-i", help="Index to build it in (default: a new temporary one).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    limit: Annotated[Optional[int], typer.Option(help="Ask only the first N questions.")] = None,
    failures: Annotated[
        Optional[Path],
        typer.Option(help="JSONL file for the questions not handled right (default: eval-failures-<dataset>.jsonl)."),
    ] = None,
    generator: GeneratorOpt = None,
) -> None:
    """Score the assistant on a dataset: accuracy, refusals, citation precision, numbers, retrieval, latency."""
    import tempfile

    from .evaluation import load_dataset, write_failures

    try:
        data = load_dataset(dataset)
    except (OSError, ValueError, KeyError) as exc:
        _fail(Exception(f"cannot read the dataset {dataset}: {exc}"))
        return
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        with _handled():
            report = _open(index_dir or Path(tmp), generator).evaluate(data, limit=limit)
    failures = failures or Path(f"eval-failures-{report.dataset}.jsonl")
    n = write_failures(report, failures)
    _console(stderr=True).print(f"{n} questions not handled right written to {failures}")
    if json_out:
        typer.echo(json.dumps(report.summary(), indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{report.dataset}: {report.n} questions")
    table.add_column("metric")
    table.add_column("value")
    for name in ("accuracy", "correct_refusal", "false_refusal", "citation_precision", "numeric_exactness"):
        table.add_row(name.replace("_", " "), str(getattr(report, name)))
    table.add_row(f"hits@{report.k}", str(report.hits_at_k))
    table.add_row(f"MRR@{report.k}", "n/a" if report.mrr_at_k is None else f"{report.mrr_at_k:.3f}")
    table.add_row("latency p50 / p95", f"{report.latency_p50_ms:.0f} / {report.latency_p95_ms:.0f} ms")
    for key, value in report.counterfactual.items():
        table.add_row(f"counterfactual: {key}", str(value))
    _console().print(table)


@app.command()
def serve(
    index_dir: IndexDir = None,
    host: Annotated[Optional[str], typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 7860).")] = None,
    no_samples: Annotated[bool, typer.Option("--no-samples", help="Do not ingest the sample articles.")] = False,
) -> None:
    """Start the web chat (the same app as `python app.py`)."""
    from .config import Settings
    from .ui import launch

    overrides = {k: v for k, v in {"index_dir": index_dir, "ui_host": host, "ui_port": port}.items() if v is not None}
    if no_samples:
        overrides["load_samples"] = False
    with _handled():
        launch(Settings(**overrides), announce=typer.echo)


@app.callback()
def _offline() -> None:
    """Runs before every command: the CLI works offline (no telemetry, no model-hub look-ups)."""
    offline_environment()


def main() -> None:
    offline_environment()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
