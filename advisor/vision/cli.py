"""`advisor see IMAGE [--question TEXT] [--json]`: what the advisor reads in a picture.

Wired into the main app with `register(app)`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from advisor.config import get_settings
from advisor.vision.base import VisionError


def _language(question: str | None, ui_language: str) -> str:
    from advisor.vision.combined import question_language

    return question_language(question, ui_language if ui_language in ("zh", "en") else "en")


def see(
    image: Annotated[Path, typer.Argument(help="A picture: PNG, JPEG, WebP, BMP or GIF (first frame).")],
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="A question about the picture (for a VLM).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Read the text in a picture (OCR) and, with a vision-language model configured, describe it."""
    from advisor.vision import create_vision, limits_message, load_image_file
    from advisor.vision.combined import CombinedReader
    from advisor.vision.ocr import OCRReader

    settings = get_settings()
    language = _language(question, settings.ui.language)
    started = time.perf_counter()
    problems: list[VisionError] = []
    lines: list[dict[str, Any]] = []
    try:
        picture = load_image_file(image, settings.vision)
        reader = create_vision(settings)
        if isinstance(reader, OCRReader):
            result = reader.recognise(picture)
            text, description = result.text, ""
            lines = [line.as_dict() for line in result.lines]
        elif isinstance(reader, CombinedReader):
            found, problems = reader.read_with_notices(picture, question)
            text, description = found.text, found.description
        else:
            found = reader.read(picture, question)
            text, description = found.text, found.description
    except VisionError as exc:
        if as_json:
            typer.echo(json.dumps({"error": exc.message(language)}, ensure_ascii=False))
        else:
            typer.echo(f"error: {exc.message(language)}", err=True)
        raise typer.Exit(1) from None
    limits = ""
    if not description and not text:
        # Nothing read, no VLM (or it failed): say plainly what OCR can and cannot do instead of guessing.
        limits = limits_message(language, no_text=not text)
    warnings = [exc.message(language) for exc in problems]
    if as_json:
        payload = {
            "image": picture.describe(),
            "backend": getattr(reader, "name", settings.vision.backend),
            "text": text,
            "description": description,
            "lines": lines,
            "limits": limits or None,
            "warnings": warnings,
            "seconds": round(time.perf_counter() - started, 3),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    if text:
        typer.echo(("图片中的文字：" if language == "zh" else "Text in the image:") + "\n" + text)
    if description:
        if text:
            typer.echo("")
        typer.echo(("图片描述：" if language == "zh" else "Description:") + "\n" + description)
    if limits:
        if text or description:
            typer.echo("")
        typer.echo(limits)


def register(app: typer.Typer) -> None:
    """Add the `see` command to the main `advisor` app."""
    app.command("see")(see)
