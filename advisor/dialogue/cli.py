"""`advisor ask`, `advisor chat` and `advisor sessions`: turns and conversations from the command line.

Wired into the main command by `register(app)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from advisor.cli_common import console, errors, fail
from advisor.config import get_settings


def _advisor():
    from advisor.dialogue.advisor import Advisor

    return Advisor(get_settings())


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
        raise fail(f"no conversation with id {session!r}; see: advisor sessions")
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
        raise fail(str(exc)) from exc
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


def chat(
    session: Annotated[str | None, typer.Option(help="Resume this conversation.")] = None,
    domain: Annotated[str | None, typer.Option(help="Talk to this domain's advisor.")] = None,
) -> None:
    """A conversation in the terminal: answers stream as they are written, with their sources."""
    from advisor.events import Notice, Sources, TextDelta, TurnEnd

    advisor = _advisor()
    if session and not advisor.conversations.exists(session):
        raise fail(f"no conversation with id {session!r}; see: advisor sessions")
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
        raise fail(str(exc)) from exc
    rows = store.sessions(None if every_owner else LOCAL_OWNER)
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ for r in rows], ensure_ascii=False) + "\n")
        return
    table = Table("id", "title", "advisor", "messages", *(["owner"] if every_owner else []))
    for r in rows:
        owner = [r.owner.split(":")[0] if r.owner.startswith("browser:") else r.owner] if every_owner else []
        table.add_row(r.id, r.title, r.advisor, str(len(store.messages(r.id))), *owner)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(chat)
    app.command()(sessions)
