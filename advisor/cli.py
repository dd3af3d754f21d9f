"""The `advisor` command."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from advisor.config import get_settings

app = typer.Typer(
    help="advisor: a bilingual advisor that answers from domain knowledge bases. 中英双语智能顾问。",
    no_args_is_help=True,
    add_completion=False,
)
kb_app = typer.Typer(
    help="Manage knowledge bases: list, show, delete, rebuild, check, init.", no_args_is_help=True
)
app.add_typer(kb_app, name="kb")
console = Console()
errors = Console(stderr=True)


@app.callback()
def _settings_first() -> None:
    """A setting that does not exist stops every command with its name and the nearest valid one."""
    from advisor.config import SettingsError

    try:
        get_settings()
    except SettingsError as exc:
        raise _fail(f"configuration: {exc}", 2) from None


def _library():
    from advisor.knowledge.library import KnowledgeLibrary, as_storage_error

    settings = get_settings()
    try:
        return KnowledgeLibrary(settings)
    except Exception as exc:
        problem = as_storage_error(exc, settings.data_dir)  # a full or read-only data dir: say so plainly
        if problem is None:
            raise
        raise _fail(str(problem), 3) from exc


@contextmanager
def _progress(enabled: bool = True) -> Iterator[object]:
    """A rich progress bar on stderr; each stage gets its own bar, shown once it has work."""
    if not enabled or not errors.is_terminal:
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if total <= 0:
                return
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


@app.command()
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
    library = _library()
    from advisor.knowledge.library import StorageError

    try:
        with _progress(not as_json) as progress:
            report = run_ingest(library, paths, kb, sync=sync, domain=domain, progress=progress)  # type: ignore[arg-type]
    except StorageError as exc:
        raise _fail(str(exc), 3) from exc
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
        raise _fail("a knowledge-base name is 1-64 printable characters without slashes", 2)


@app.command()
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

    library = _library()
    try:
        retriever = HybridRetriever(library, mode)
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    if query is None:
        _search_loop(retriever, k, kb or None, domain or None)
        return
    if not query.strip():
        raise _fail("the query is empty", 2)
    try:
        results = retriever.retrieve(query, k, kb or None, domain or None)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise _fail(str(exc)) from exc
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
    library = _library()
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
    library = _library()
    try:
        library.require(name)
    except KeyError as exc:
        raise _fail(str(exc)) from exc
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
    library = _library()
    what = f"document {document!r} of {name!r}" if document else f"knowledge base {name!r}"
    if not yes and not typer.confirm(f"Delete {what}?"):
        raise typer.Exit(1)
    try:
        if document:
            library.delete_document(name, document)
        else:
            library.delete(name)
    except KeyError as exc:
        raise _fail(str(exc.args[0]) if exc.args else str(exc)) from exc
    console.print(f"Deleted {what}.")


@kb_app.command("rebuild")
def kb_rebuild(
    name: Annotated[list[str] | None, typer.Argument(help="Knowledge bases; all when omitted.")] = None,
) -> None:
    """Rebuild knowledge bases from their stored source documents (re-chunk, re-embed, re-index)."""
    library = _library()
    names = name or library.names()
    for kb in names:
        try:
            with _progress() as progress:
                count = library.rebuild(kb, progress)
        except KeyError as exc:
            raise _fail(str(exc)) from exc
        console.print(f"Rebuilt {kb}: {count} documents.")


@kb_app.command("check")
def kb_check(
    name: Annotated[list[str] | None, typer.Argument(help="Knowledge bases; all when omitted.")] = None,
) -> None:
    """Compare what search can reach with what the store counts. Exit 1 when they disagree."""
    library = _library()
    bad = False
    for kb in name or library.names():
        try:
            r = library.check(kb)
        except KeyError as exc:
            raise _fail(str(exc)) from exc
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

    library = _library()
    with _progress() as progress:
        for name, report in ingest_shipped(library, progress):  # type: ignore[arg-type]
            state = "updated" if report.changed else "current"
            console.print(f"{name}: {state} ({library.catalog.kb_stats(name)[1]} chunks)")
            for key, reason in report.failed.items():
                errors.print(f"[yellow]skipped[/yellow] {key}: {reason}")


def _advisor():
    from advisor.dialogue.advisor import Advisor

    return Advisor(get_settings())


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(help="The question, in Chinese or English ('' with --audio).")
    ] = "",
    audio: Annotated[
        Path | None, typer.Option(help="Ask by voice: an audio file (wav, mp3, m4a, ogg, webm, flac).")
    ] = None,
    kb: Annotated[
        list[str] | None, typer.Option("--kb", help="Only these knowledge bases (repeatable).")
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Ask this domain's advisor (finance, health, ...).")
    ] = None,
    session: Annotated[
        str | None, typer.Option(help="Continue this conversation (id from an earlier answer).")
    ] = None,
    image: Annotated[
        Path | None, typer.Option(help="A picture to ask about (PNG, JPEG, WebP, BMP, GIF).")
    ] = None,
    speak: Annotated[
        Path | None, typer.Option(help="Also speak the reply into this WAV file, sentence by sentence.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Ask one question; the answer streams, then its sources. A new conversation unless --session."""
    from advisor.events import ImageText, Notice, Sources, TextDelta, Transcript, TurnEnd

    image_text: ImageText | None = None
    transcript: Transcript | None = None

    advisor = _advisor()
    if session and not advisor.conversations.exists(session):
        raise _fail(f"no conversation with id {session!r}; see: advisor sessions")
    session_id = session or advisor.conversations.create(advisor=domain if domain else "general")
    sources = None
    end = None
    from advisor.events import AudioChunk

    chunks: list[AudioChunk] = []
    notices: list[str] = []
    events = advisor.turn(
        question, session_id, kb or None, domain, image=image, audio=audio, speak=speak is not None
    )
    try:
        for event in events:
            if isinstance(event, AudioChunk):
                chunks.append(event)
                continue
            if isinstance(event, Notice):
                notices.append(event.message)
            if isinstance(event, Sources):
                sources = event
            elif isinstance(event, ImageText):
                image_text = event
            elif isinstance(event, Transcript):
                transcript = event
                if not as_json:
                    errors.print(f"[dim]heard ({event.language}): {event.text}[/dim]")
            elif isinstance(event, TurnEnd):
                end = event
            elif not as_json and isinstance(event, TextDelta):
                if event.replace:
                    console.print("\n[yellow](answer replaced by quotes from the sources)[/yellow]")
                console.print(event.text, end="", markup=False, highlight=False)
            elif not as_json and isinstance(event, Notice):
                errors.print(f"[yellow]{event.message}[/yellow]")
    except (KeyError, RuntimeError) as exc:
        raise _fail(str(exc)) from exc
    assert end is not None
    items = list(sources.items) if sources else []
    if as_json:
        payload = {
            "question": question,
            "answer": end.answer,
            "language": end.language,
            "domain": end.domain,
            "grounded": end.grounded,
            "citations": list(end.citations),
            "sources": [s.as_dict() for s in items],
            "timings_ms": end.timings_ms,
            "session_id": end.session_id,
        }
        if end.fallback:
            payload["fallback"] = end.fallback
        if speak is not None:
            payload["audio"] = _write_speech(chunks, speak, notices)
        if audio is not None:
            payload["transcript"] = (
                {
                    "text": transcript.text,
                    "language": transcript.language,
                    "duration_s": transcript.duration_s,
                }
                if transcript
                else None
            )
        if image is not None:
            payload["image_text"] = image_text.text if image_text else ""
            if image_text and image_text.description:
                payload["image_description"] = image_text.description
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    if speak is not None:
        spoken = _write_speech(chunks, speak, notices)
        console.print(f"[dim]spoken reply: {spoken['path']} ({spoken['seconds']} s)[/dim]")
    console.print()
    _print_sources(items)
    console.print(f"[dim]session {end.session_id} · {end.timings_ms.get('total_ms', 0):.0f} ms[/dim]")


def _write_speech(chunks: list, path: Path, notices: list[str]) -> dict:
    from advisor.tts import write_wav

    seconds = write_wav(chunks, path) if chunks else 0.0
    return {"path": str(path), "seconds": round(seconds, 2), "warnings": notices}


def _print_sources(items: list) -> None:
    for s in items:
        console.print(f"[dim][{s.n}] {s.title} — {s.kb}: {s.document} ({s.source})[/dim]", highlight=False)


@app.command()
def chat(
    session: Annotated[str | None, typer.Option(help="Resume this conversation.")] = None,
    domain: Annotated[str | None, typer.Option(help="Talk to this domain's advisor.")] = None,
) -> None:
    """A conversation in the terminal: answers stream as they are written, with their sources."""
    from advisor.events import Notice, Sources, TextDelta, TurnEnd

    advisor = _advisor()
    if session and not advisor.conversations.exists(session):
        raise _fail(f"no conversation with id {session!r}; see: advisor sessions")
    session_id = session or advisor.conversations.create(advisor=domain or "general")
    console.print("Loading models… 正在加载模型…", style="dim")
    advisor.warm_up()
    console.print("Ask in Chinese or English; an empty line or Ctrl-D quits. 中英文提问均可，空行退出。")
    while True:
        try:
            question = console.input("[bold green]> [/bold green]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        items: list = []
        try:
            for event in advisor.turn(question, session_id, None, domain):
                if isinstance(event, Sources):
                    items = list(event.items)
                elif isinstance(event, TextDelta):
                    if event.replace:
                        console.print("\n[yellow](replaced by quotes from the sources)[/yellow]")
                    console.print(event.text, end="", markup=False, highlight=False)
                elif isinstance(event, Notice):
                    console.print(f"\n[yellow]{event.message}[/yellow]")
                elif isinstance(event, TurnEnd):
                    console.print()
                    _print_sources(items)
        except KeyboardInterrupt:
            console.print("\n[dim](stopped)[/dim]")
    console.print(f"[dim]Conversation saved: advisor chat --session {session_id}[/dim]")


@app.command()
def sessions(
    delete: Annotated[str | None, typer.Option(help="Delete this conversation.")] = None,
    rename: Annotated[tuple[str, str] | None, typer.Option(help="ID TITLE: rename a conversation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    every_owner: Annotated[
        bool, typer.Option("--all", help="List the web page's conversations too (every browser and user).")
    ] = False,
) -> None:
    """List, rename or delete saved conversations (by default the terminal's own)."""
    from advisor.dialogue.history import LOCAL_OWNER, ConversationStore, UnknownSession

    store = ConversationStore(get_settings().ensure_data_dir() / "conversations.sqlite3")
    try:
        if delete:
            store.delete(delete)
            console.print(f"Deleted {delete}.")
            return
        if rename:
            store.rename(*rename)
    except UnknownSession as exc:
        raise _fail(str(exc)) from exc
    rows = store.sessions(None if every_owner else LOCAL_OWNER)
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ for r in rows], ensure_ascii=False) + "\n")
        return
    table = Table("id", "title", "advisor", "messages", *(["owner"] if every_owner else []))
    for r in rows:
        owner = [r.owner.split(":")[0] if r.owner.startswith("browser:") else r.owner] if every_owner else []
        table.add_row(r.id, r.title, r.advisor, str(len(store.messages(r.id))), *owner)
    console.print(table)


@app.command()
def serve() -> None:
    """Start the web page (default http://127.0.0.1:7860; ADVISOR_UI__HOST / ADVISOR_UI__PORT)."""
    from ui.app import serve as serve_page

    serve_page(get_settings())


@app.command()
def doctor(
    engines: Annotated[
        list[str] | None, typer.Option("--engine", help="llm, embeddings, asr, ocr, tts-en, tts-zh")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run each engine once in a child process of its own and say what works on this machine."""
    from advisor.doctor import PROBES, diagnose, machine
    from advisor.doctor import as_json as doctor_json

    unknown = [e for e in engines or [] if e not in PROBES]
    if unknown:
        raise _fail(f"unknown engine {unknown[0]!r}; choose from: {', '.join(PROBES)}", 2)
    probes = diagnose(engines)
    if as_json:
        print(doctor_json(probes))
    else:
        about = machine()
        console.print(
            f"CPU: {about['cpu']} ({about['cores']} cores); {about['instruction_sets']}; AMX {about['amx']}"
        )
        table = Table("engine", "works", "seconds", "detail")
        for p in probes:
            table.add_row(p.engine, "yes" if p.ok else "[red]no[/red]", f"{p.seconds:.1f}", p.detail)
        console.print(table)
    if not all(p.ok for p in probes):
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    from advisor import __version__

    console.print(__version__)


def _register_stage_commands() -> None:
    """Commands that belong to a stage live beside it; each registers itself (imports stay light)."""
    from advisor.asr.cli import register as register_asr
    from advisor.tts.cli import register as register_tts
    from advisor.vision.cli import register as register_vision

    register_asr(app)
    register_tts(app)
    register_vision(app)


_register_stage_commands()

if __name__ == "__main__":
    app()
