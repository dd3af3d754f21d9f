"""`advisor ingest`, `advisor search` and `advisor kb ...`: the knowledge bases from the command line.

Wired into the main command by `register(app)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from advisor.cli_common import console, errors, fail, open_library, progress_bar

kb_app = typer.Typer(
    help="Manage knowledge bases: list, show, delete, rebuild, check, init.", no_args_is_help=True
)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: Markdown, text, HTML, PDF, DOCX.")],
    kb: Annotated[str, typer.Option("--kb", help="Knowledge base to add to (created if new).")],
    sync: Annotated[
        bool, typer.Option("--sync", help="Remove documents that are gone from the folders.")
    ] = False,
    domain: Annotated[str, typer.Option(help="Domain for documents without one in their front matter.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add or update documents in a knowledge base. Unchanged files are skipped; safe to re-run."""
    from advisor.knowledge.ingest import ingest as run_ingest

    _check_kb_name(kb)
    library = open_library()
    from advisor.knowledge.library import StorageError

    try:
        with progress_bar(not as_json) as progress:
            report = run_ingest(library, paths, kb, sync=sync, domain=domain, progress=progress)  # type: ignore[arg-type]
    except StorageError as exc:
        raise fail(str(exc), 3) from exc
    if as_json:
        console.print_json(json.dumps(report.__dict__, ensure_ascii=False))
    else:
        console.print(
            f"[bold]{kb}[/bold]: {len(report.added)} added, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, {len(report.failed)} failed; "
            f"chunks +{report.chunks_added} -{report.chunks_removed}"
        )
        for key, reason in report.failed.items():
            errors.print(f"[yellow]skipped[/yellow] {key}: {reason}")
    if report.failed and not (report.added or report.updated or report.unchanged):
        raise typer.Exit(1)


def _check_kb_name(name: str) -> None:
    if not name.strip() or len(name) > 64 or any(ch in name for ch in "/\\\x00") or not name.isprintable():
        raise fail("a knowledge-base name is 1-64 printable characters without slashes", 2)


def search(
    query: Annotated[
        str | None,
        typer.Argument(help="What to look for, in Chinese or English. Omit it to search interactively."),
    ] = None,
    kb: Annotated[
        list[str] | None, typer.Option("--kb", help="Only these knowledge bases (repeatable).")
    ] = None,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", help="Only these domains (repeatable).")
    ] = None,
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="How many chunks.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the chunks that best match QUERY, ranked by hybrid (dense + BM25) retrieval."""
    from advisor.knowledge.retriever import HybridRetriever

    library = open_library()
    try:
        retriever = HybridRetriever(library, mode)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    if query is None:
        _search_loop(retriever, k, kb or None, domain or None)
        return
    if not query.strip():
        raise fail("the query is empty", 2)
    try:
        results = retriever.retrieve(query, k, kb or None, domain or None)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        payload = {
            "query": query,
            "results": [r.as_dict() for r in results],
            "timings_ms": {
                k: round(v, 2) for k, v in retriever.last_timings.__dict__.items() if isinstance(v, float)
            },
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    _print_results(results)


def _print_results(results: list) -> None:
    if not results:
        console.print("No matching passages. 没有找到相关内容。")
        return
    for rank, r in enumerate(results, start=1):
        console.print(f"[bold]{rank}. {r.title}[/bold]  [dim]{r.kb}: {r.doc_key}  score {r.score:.4f}[/dim]")
        if r.heading:
            console.print(f"   [cyan]{r.heading}[/cyan]")
        console.print("   " + r.text.replace("\n", " ")[:300], markup=False, highlight=False)


def _search_loop(retriever, k: int, kbs: list[str] | None, domains: list[str] | None) -> None:
    """Ask, read the ranked passages, ask again. The LLM answer arrives with `advisor chat`."""
    console.print(f"Knowledge bases: {', '.join(retriever.library.names()) or '(none)'}")
    console.print("Type a question (中文或英文); an empty line or Ctrl-D quits. 输入问题，空行退出。")
    while True:
        try:
            query = console.input("[bold]? [/bold]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not query:
            break
        try:
            _print_results(retriever.retrieve(query, k, kbs, domains))
        except (KeyError, ValueError, RuntimeError) as exc:
            errors.print(f"[red]error:[/red] {exc}")


@kb_app.command("list")
def kb_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List knowledge bases with their document and chunk counts."""
    library = open_library()
    rows = [
        (name, *library.catalog.kb_stats(name), library.catalog.kb_embedder(name)) for name in library.names()
    ]
    if as_json:
        keys = ("name", "documents", "chunks", "embedder")
        sys.stdout.write(
            json.dumps([dict(zip(keys, r, strict=True)) for r in rows], ensure_ascii=False) + "\n"
        )
        return
    if not rows:
        console.print("No knowledge bases yet. Try: advisor kb init")
        return
    table = Table("knowledge base", "documents", "chunks", "embedder")
    for name, docs, chunks, embedder in rows:
        table.add_row(name, str(docs), str(chunks), embedder or "")
    console.print(table)


@kb_app.command("show")
def kb_show(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the documents of one knowledge base."""
    library = open_library()
    try:
        library.require(name)
    except KeyError as exc:
        raise fail(str(exc)) from exc
    docs = library.catalog.documents(name)
    if as_json:
        out = [
            {
                "document": d.key,
                "title": d.title,
                "language": d.language,
                "domain": d.domain,
                "chunks": d.chunks,
                "source": d.meta.get("source", d.origin),
            }
            for d in docs
        ]
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    table = Table("document", "title", "lang", "domain", "chunks", title=name)
    for d in docs:
        table.add_row(d.key, d.title, d.language, d.domain, str(d.chunks))
    console.print(table)


@kb_app.command("delete")
def kb_delete(
    name: str,
    document: Annotated[str | None, typer.Option(help="Delete only this document.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete a knowledge base, or one document of it."""
    library = open_library()
    what = f"document {document!r} of {name!r}" if document else f"knowledge base {name!r}"
    if not yes and not typer.confirm(f"Delete {what}?"):
        raise typer.Exit(1)
    try:
        if document:
            library.delete_document(name, document)
        else:
            library.delete(name)
    except KeyError as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from exc
    console.print(f"Deleted {what}.")


@kb_app.command("rebuild")
def kb_rebuild(
    name: Annotated[list[str] | None, typer.Argument(help="Knowledge bases; all when omitted.")] = None,
) -> None:
    """Rebuild knowledge bases from their stored source documents (re-chunk, re-embed, re-index)."""
    library = open_library()
    names = name or library.names()
    for kb in names:
        try:
            with progress_bar() as progress:
                count = library.rebuild(kb, progress)
        except KeyError as exc:
            raise fail(str(exc)) from exc
        console.print(f"Rebuilt {kb}: {count} documents.")


@kb_app.command("check")
def kb_check(
    name: Annotated[list[str] | None, typer.Argument(help="Knowledge bases; all when omitted.")] = None,
) -> None:
    """Compare what search can reach with what the store counts. Exit 1 when they disagree."""
    library = open_library()
    bad = False
    for kb in name or library.names():
        try:
            r = library.check(kb)
        except KeyError as exc:
            raise fail(str(exc)) from exc
        status = "[green]ok[/green]" if r.ok else "[red]MISMATCH[/red]"
        console.print(
            f"{kb}: {status}  documents {r.documents}, catalog chunks {r.catalog_chunks}, store count "
            f"{r.store_count}, store reachable {r.store_reachable}, BM25 {r.bm25_chunks}, "
            f"missing {r.missing}, extra {r.extra}"
        )
        if not r.ok:
            bad = True
            errors.print(f"  repair with: advisor kb rebuild {kb}")
    if bad:
        raise typer.Exit(1)


@kb_app.command("init")
def kb_init() -> None:
    """Build (or bring up to date) the shipped knowledge bases: one per folder of knowledge/."""
    from advisor.knowledge.ingest import ingest_shipped

    library = open_library()
    with progress_bar() as progress:
        for name, report in ingest_shipped(library, progress):  # type: ignore[arg-type]
            state = "updated" if report.changed else "current"
            console.print(f"{name}: {state} ({library.catalog.kb_stats(name)[1]} chunks)")
            for key, reason in report.failed.items():
                errors.print(f"[yellow]skipped[/yellow] {key}: {reason}")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(search)
    app.add_typer(kb_app, name="kb")
