"""`advisor transcribe FILE [--json]`: speech to text from the command line.

Wired into the main command by `register(app)`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advisor.asr.base import ASRError


def transcribe_command(
    file: Annotated[Path, typer.Argument(help="Audio: webm, ogg, wav, mp3, m4a or flac.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    language: Annotated[
        str, typer.Option("--language", "-l", help="auto (detect zh/en), zh, en, or another Whisper code.")
    ] = "auto",
    backend: Annotated[
        str, typer.Option("--backend", help="faster-whisper or openai-whisper; default from config.")
    ] = "",
) -> None:
    """Transcribe a recording (Chinese or English) and print the text, language and timings."""
    from advisor.asr import create_asr
    from advisor.config import get_settings
    from advisor.registry import UnknownBackend

    settings = get_settings()
    if backend:
        settings = settings.model_copy(update={"asr": settings.asr.model_copy(update={"backend": backend})})
    try:
        result = create_asr(settings).transcribe_timed(file, None if language == "auto" else language)
    except (ASRError, UnknownBackend) as exc:
        if as_json:
            payload = exc.as_dict() if isinstance(exc, ASRError) else {"code": "unknown_backend"}
            typer.echo(json.dumps({"error": {**payload, "message": str(exc)}}, ensure_ascii=False))
        else:
            message = str(exc)
            if isinstance(exc, ASRError) and exc.message_zh != exc.message_en:
                message += f" / {exc.message_zh}"
            typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    typer.echo(result.text)
    timings = ", ".join(f"{name} {ms:.0f} ms" for name, ms in result.timings_ms.items())
    typer.echo(
        f"[{result.language} · {result.transcript.duration_s:.1f} s audio, {result.speech_s:.1f} s speech"
        f" · {result.backend} · {timings}]"
    )


def register(app: typer.Typer) -> None:
    app.command("transcribe")(transcribe_command)
