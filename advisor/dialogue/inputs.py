"""A turn's spoken and pictured input: the recording heard as a question, the picture read as text.

Each is a generator of events that returns what it read, or None when the turn ends there.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path

from advisor.config import Settings
from advisor.dialogue.record import TurnRecord
from advisor.dialogue.replies import whole
from advisor.events import Event, ImageText, Notice, TextDelta
from advisor.stages import Stages


def transcribe(
    stages: Stages, audio: Path | bytes, language_hint: str, turn: TurnRecord
) -> Generator[Event, None, str | None]:
    """The spoken question as a Transcript event; None when it cannot be heard (the turn's reply is
    then on `turn`, to be finished unrecorded: there is no question to keep)."""
    from advisor.asr import ASRError, ASRUnavailable

    try:
        heard = stages.asr.get().transcribe_timed(audio)
        transcript = heard.transcript
        # Stage timings of the voice turn: decoding and voice detection, then recognition.
        timed = heard.timings_ms
        turn.timings["audio_decode_ms"] = timed.get("decode", 0.0) + timed.get("vad", 0.0)
        turn.timings["asr_ms"] = timed.get("detect", 0.0) + timed.get("asr", 0.0) + timed.get("text", 0.0)
    except ASRError as exc:
        if isinstance(exc, ASRUnavailable):
            stages.asr.fail(exc)  # not retried per turn; the status panel says why
        turn.language = language_hint or "en"
        turn.text = exc.message_zh if turn.language == "zh" else exc.message_en
        yield Notice("error", turn.text)
        yield TextDelta(turn.text)
        return None
    yield transcript
    return str(transcript.text)


def read_image(
    settings: Settings, stages: Stages, image: Path | bytes, question: str, language: str, turn: TurnRecord
) -> Generator[Event, None, str | None]:
    """The image's text as an ImageText event; None when the turn should end here (its reply is on
    `turn`). A typed question still gets its answer when the picture cannot be read ('' then)."""
    from advisor.vision import VisionError, limits_message, load_image, load_image_file

    t = time.perf_counter()
    try:
        picture = (
            load_image(image, settings.vision)
            if isinstance(image, bytes)
            else load_image_file(image, settings.vision)
        )
        reader = stages.vision.get()
        reader_with_notices = getattr(reader, "read_with_notices", None)
        if callable(reader_with_notices):
            read, problems = reader_with_notices(picture, question or None)
            for problem in problems:
                yield Notice("warning", problem.message(language))
        else:
            read = reader.read(picture, question or None)
    except VisionError as exc:
        message = exc.message(language)
        yield Notice("error", message)
        if question:
            return ""  # the question still gets its answer, without the picture
        turn.text = message
        yield TextDelta(message)
        return None
    turn.timings["vision_ms"] = (time.perf_counter() - t) * 1000
    yield ImageText(read.text, read.description)
    combined = "\n".join(part for part in (read.text, read.description) if part.strip())
    if not combined.strip():
        turn.text = limits_message(language, no_text=True)
        yield from whole(turn.text, language)
        return None
    return combined
