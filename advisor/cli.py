"""The `advisor` command."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from advisor.cli_common import console, fail
from advisor.config import get_settings

app = typer.Typer(
    help="advisor: a bilingual advisor that answers from domain knowledge bases. 中英双语智能顾问。",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _settings_first() -> None:
    """A setting that does not exist stops every command with its name and the nearest valid one."""
    from advisor.config import SettingsError

    try:
        get_settings()
    except SettingsError as exc:
        raise fail(f"configuration: {exc}", 2) from None


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
        raise fail(f"unknown engine {unknown[0]!r}; choose from: {', '.join(PROBES)}", 2)
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
    from advisor.api.cli import register as register_api
    from advisor.asr.cli import register as register_asr
    from advisor.dialogue.cli import register as register_dialogue
    from advisor.knowledge.cli import register as register_knowledge
    from advisor.tts.cli import register as register_tts
    from advisor.vision.cli import register as register_vision

    register_knowledge(app)  # advisor ingest, search, kb ...
    register_dialogue(app)  # advisor ask, chat, sessions
    register_asr(app)
    register_tts(app)
    register_vision(app)
    register_api(app)  # advisor api, advisor keys


_register_stage_commands()

if __name__ == "__main__":
    app()
