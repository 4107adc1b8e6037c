"""Command line: a thin layer over :class:`assistant.Assistant`. Heavy imports happen inside the commands.

Everything printed through rich is either fixed text or passed through ``escape`` (or printed with
``markup=False``): a title, a path or an error message holding ``[...]`` must be shown as it is.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from .config import offline_environment
from .errors import AssistantError
from .loaders import LOADERS

if TYPE_CHECKING:
    from .api import Assistant
    from .models import Answer

# Model loading (transformers' "Loading weights" bar, hub and tokenizer warnings) stays off stderr unless
# --verbose. Set by the CLI entry point only: importing the library changes no environment variable.
QUIET_ENVIRONMENT = {"TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1"}
QUIET_LOGGERS = ("assistant", "transformers", "sentence_transformers", "huggingface_hub", "chromadb", "httpx")
ONE_SHOT_JUDGE_WAIT = 30.0  # seconds `assistant ask` lets an unsure question wait for the judge model to load
SHORT_ID = 8  # characters of an article id shown in tables; `show` and `delete` take any unique prefix
ID_HELP = "Article id, or a unique prefix of it (4+ characters; `assistant articles` lists them)."
FORMATS_HELP = (f"Files or folders (read recursively): {', '.join(LOADERS)}, and any of these gzipped "
                "(.gz, e.g. news.jsonl.gz).")


def _flags_without_type(params: list[Any]) -> list[Any]:
    """Show boolean flags as flags (``--json``), not as options taking a value (``--json <bool>``)."""
    for param in params:
        if getattr(param, "is_bool_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _Command(TyperCommand):
    def get_params(self, ctx):
        return _flags_without_type(super().get_params(ctx))


class _Group(TyperGroup):
    def get_params(self, ctx):
        return _flags_without_type(super().get_params(ctx))


app = typer.Typer(
    cls=_Group,
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


def _open(index_dir: Path | None, generator: str | None = None, one_shot: bool = False) -> Assistant:
    from .api import Assistant

    overrides: dict[str, Any] = {"generator": generator} if generator else {}
    if one_shot and "ASSISTANT_JUDGE_WAIT" not in os.environ:
        # a one-shot question would otherwise always beat the judge model's load (~1-2 s; the first run also
        # assembles it): an unsure question waits for it; a sure one does not
        overrides["judge_wait"] = ONE_SHOT_JUDGE_WAIT
    return Assistant(index_dir=index_dir, **overrides)


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
        console.print(answer.fallback, style="yellow", markup=False)
    return answer


def _fail(exc: Exception) -> None:
    _console(stderr=True).print(f"[bold red]Error:[/] {escape(str(exc))}")
    raise typer.Exit(1)


@contextmanager
def _handled() -> Iterator[None]:
    """Turn the assistant's own errors into a red message and exit code 1 (no traceback)."""
    try:
        yield
    except AssistantError as exc:
        _fail(exc)


def _print_answer(answer: Answer) -> None:
    console = _console()
    style = "yellow" if answer.refused else "bold"
    if answer.short:  # the answer first, then the sentence that states it
        console.print(f"[bold green]{escape(answer.short)}[/] [cyan][1][/]")
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
    paths: Annotated[list[Path], typer.Argument(help=FORMATS_HELP, metavar="PATH", show_default=False)],
    index_dir: IndexDir = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add articles to the index. Files already in it are skipped; changed files replace their old version.

    Files of other types are reported as unsupported. The exit code is 1 when a file failed or was
    unsupported and nothing was added or updated."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with _handled():
        assistant = _open(index_dir)
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=_console(stderr=True), transient=True, disable=json_out,
        ) as bar:
            task = bar.add_task("Ingesting", total=None)

            def progress(done: int, total: int, path: str) -> None:
                name = escape(Path(path).name[:40])
                bar.update(task, completed=done, total=total, description=f"Ingesting {name}")

            report = assistant.ingest(paths, progress=progress)
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
    else:
        from rich.table import Table

        table = Table(title=f"Ingest report ({report.seconds:.1f} s, {report.chunks} chunks)")
        for column in ("status", "file", "title / reason"):
            table.add_column(column)
        colors = {"added": "green", "updated": "cyan", "skipped": "yellow", "unsupported": "magenta", "failed": "red"}
        for f in report.files:
            table.add_row(f"[{colors.get(f.status, 'white')}]{f.status}[/]", escape(f.path),
                          escape(f.title or f.reason or ""))
        console = _console()
        console.print(table)
        console.print(
            f"added {report.added}, updated {report.updated}, skipped {report.skipped} (already in the library), "
            f"unsupported {report.unsupported}, failed {len(report.failed)}"
        )
    if (report.failed or report.unsupported) and not (report.added or report.updated):
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
        assistant = _open(index_dir, generator, one_shot=True)
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
            console.print(f"[red]{escape(str(exc))}[/]")
            continue
        if answer.resolved_question:
            console.print(f"[dim](understood as: {escape(answer.resolved_question)})[/]")
        _print_answer(answer)
        history += [("user", answer.resolved_question or question), ("assistant", answer.text)]


@app.command()
def articles(
    index_dir: IndexDir = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    groups: Annotated[bool, typer.Option("--groups", help="Show near-duplicate groups (syndicated copies).")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=0, help="Show at most this many (newest first).")] = None,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many newest articles first.")] = 0,
) -> None:
    """List the indexed articles, newest first (with --groups: only groups of near-copies of the same story)."""
    with _handled():
        items = _open(index_dir).articles(offset=0 if groups else offset, limit=None if groups else limit)
    if groups:
        by_group: dict[str, list] = {}
        for a in items:
            by_group.setdefault(a.group or a.id, []).append(a)
        multi = {g: members for g, members in by_group.items() if len(members) > 1}
        if json_out:
            typer.echo(json.dumps({g: [m.model_dump(mode="json") for m in ms] for g, ms in multi.items()}, indent=2))
            return
        console = _console()
        if not multi:
            console.print("No near-duplicate groups: every article is its own story.")
        for g, members in multi.items():
            console.print(f"[bold]{len(members)} articles[/] in group {g[:SHORT_ID]}:")
            for m in members:
                console.print(f"  {m.id[:SHORT_ID]}  {escape(m.source or '')} — {escape(m.title)} "
                              f"({m.published or 'undated'})")
        return
    if json_out:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in items], indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{len(items)} articles", caption="ids are shortened: `show` and `delete` take any unique "
                  "prefix; --json lists them in full")
    table.add_column("id", no_wrap=True, min_width=SHORT_ID)
    table.add_column("title", overflow="fold", ratio=1)
    table.add_column("source", overflow="fold")
    table.add_column("published", no_wrap=True)
    table.add_column("chunks", justify="right", no_wrap=True)
    for a in items:
        table.add_row(a.id[:SHORT_ID], escape(a.title), escape(a.source or ""), str(a.published or "undated"),
                      str(a.n_chunks))
    _console().print(table)


@app.command()
def show(article_id: Annotated[str, typer.Argument(help=ID_HELP)], index_dir: IndexDir = None) -> None:
    """Print one article with its metadata."""
    with _handled():
        assistant = _open(index_dir)
        article = assistant.article(assistant.resolve_id(article_id))
    typer.echo(f"{article.title}\n{article.source or ''} {article.published or 'undated'} {article.url or ''}\n")
    typer.echo(article.text)


@app.command()
def delete(
    article_id: Annotated[str, typer.Argument(help=ID_HELP)],
    index_dir: IndexDir = None,
) -> None:
    """Remove an article and its chunks from the index."""
    with _handled():
        assistant = _open(index_dir)
        full_id = assistant.resolve_id(article_id)
        title = assistant.article(full_id).title
        assistant.delete(full_id)
    _console().print(f"deleted {full_id} ({title})", markup=False)


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
    _console(stderr=True).print(f"{n} questions not handled right written to {failures}", markup=False)
    if json_out:
        typer.echo(json.dumps(report.summary(), indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{escape(report.dataset)}: {report.n} questions")
    table.add_column("metric")
    table.add_column("value")
    for name in ("accuracy", "correct_refusal", "false_refusal", "citation_precision", "numeric_exactness"):
        table.add_row(name.replace("_", " "), escape(str(getattr(report, name))))
    table.add_row(f"hits@{report.k}", str(report.hits_at_k))
    table.add_row(f"MRR@{report.k}", "n/a" if report.mrr_at_k is None else f"{report.mrr_at_k:.3f}")
    table.add_row("latency p50 / p95", f"{report.latency_p50_ms:.0f} / {report.latency_p95_ms:.0f} ms")
    for key, value in report.counterfactual.items():
        table.add_row(f"counterfactual: {escape(str(key))}", escape(str(value)))
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


def quiet_environment(verbose: bool) -> None:
    """For the CLI only: model loading and library warnings stay off stderr unless ``verbose`` (values the user
    set are kept). The CLI reports what matters itself (errors, a generator's fallback)."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("assistant").setLevel(logging.INFO)
        return
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    if "transformers" in sys.modules:  # already imported (in-process callers): its bars read the setting at import
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:  # pragma: no cover - transformers is a dependency of sentence-transformers
            pass


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"assistant {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Show model loading and library logs on stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Runs before every command: the CLI works offline (no telemetry, no model-hub look-ups), quietly."""
    offline_environment()
    quiet_environment(verbose)


for _info in app.registered_commands:  # every command shows its boolean flags as flags
    _info.cls = _Command


def main() -> None:
    offline_environment()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
