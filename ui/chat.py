"""The chat handler: one question in (typed, spoken or shown), a streamed answer out, spoken as it goes.

A turn runs in a worker thread that feeds a queue; each finished sentence goes to the speech package's
speaker, which synthesises it in its own thread. The Gradio handler drains both and yields what the page
shows, so text and audio stream together, speech starts on the first sentence, and the stop button (or a
closed page) stops both at the next event.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.dialogue.advisor import Advisor
from advisor.events import AudioChunk, Sentence
from advisor.formats import AUDIO_SUFFIXES, IMAGE_SUFFIXES
from ui.i18n import t
from ui.modalities import Modalities, ModalityUnavailable, Speaker

log = logging.getLogger(__name__)


class InputError(ValueError):
    """The user's input cannot be used; the message is for the user, in their language."""


# -- the user's input ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attachments:
    image: Path | None = None
    audio: Path | None = None


def sort_files(files: list[str], lang: str) -> Attachments:
    images, audio = [], []
    for name in files:
        path = Path(name)
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            images.append(path)
        elif suffix in AUDIO_SUFFIXES:
            audio.append(path)
        else:
            raise InputError(t(lang, "err_file_type", name=path.name))
    if len(images) > 1 or len(audio) > 1:
        raise InputError(t(lang, "err_too_many"))
    return Attachments(images[0] if images else None, audio[0] if audio else None)


def wav_bytes(chunk: AudioChunk) -> bytes:
    """16-bit mono PCM as a WAV file: the unit the streaming audio player takes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(chunk.sample_rate)
        out.writeframes(chunk.audio)
    return buffer.getvalue()


# -- a turn, in threads -------------------------------------------------------------------------------------
@dataclass
class Controls:
    """What the page can change while a turn runs: stop it, or silence it."""

    stop: threading.Event = field(default_factory=threading.Event)  # set by the user, or when the page goes
    speech: bool = True
    stopped_by_user: bool = False


def run_turn(
    advisor: Advisor,
    modalities: Modalities,
    controls: Controls,
    question: str,
    session_id: str | None,
    kbs: list[str] | None,
    domain: str | None,
    image: Path | None = None,
    language_hint: str = "",
    audio: Path | None = None,
) -> Iterator[tuple[str, Any]]:
    """("event", Event) as the turn produces them and ("audio", AudioChunk) as its sentences are spoken;
    ("speech", message) when speech degrades or fails, ("error", exception) if the turn itself fails.

    A recording and an image go to the turn itself, as they do from the CLI: it transcribes the one
    (Transcript, with its timings) and reads the other (ImageText), then answers."""
    out: queue.Queue[tuple[str, Any]] = queue.Queue()
    speaker: Speaker | None = None
    if controls.speech:
        try:
            speaker = modalities.speaker()
        except ModalityUnavailable as exc:
            out.put(("speech", str(exc)))

    def produce() -> None:
        turn = advisor.turn(
            question,
            session_id=session_id,
            kbs=kbs,
            domain=domain,
            image=image,
            language_hint=language_hint,
            audio=audio,
        )
        try:
            for event in turn:
                if controls.stop.is_set():
                    break
                out.put(("event", event))
                if speaker is not None and isinstance(event, Sentence) and controls.speech:
                    speaker.say(event)
        except Exception as exc:
            log.exception("the turn failed")
            out.put(("error", exc))
        finally:
            close = getattr(turn, "close", None)
            if callable(close):
                close()  # stops the model's stream too
            if speaker is not None:
                speaker.close()
            out.put(("done", None))

    def spoken() -> Iterator[tuple[str, Any]]:
        if speaker is None:
            return
        if controls.stop.is_set() or not controls.speech:
            speaker.stop()
        for item in speaker.ready():
            yield ("audio", item) if isinstance(item, AudioChunk) else ("speech", item.message)

    worker = threading.Thread(target=produce, name="advisor-turn", daemon=True)
    worker.start()
    turn_done = False
    try:
        while not (turn_done and (speaker is None or speaker.join(0))):
            if controls.stop.is_set():
                return
            try:
                kind, item = out.get(timeout=0.05)
                if kind == "done":
                    turn_done = True
                else:
                    yield kind, item
            except queue.Empty:
                pass
            yield from spoken()
        while not out.empty():
            kind, item = out.get_nowait()
            if kind != "done":
                yield kind, item
        yield from spoken()
    finally:
        controls.stop.set()  # a closed page or a stop: the turn ends at its next event
        if speaker is not None:
            speaker.stop()


class ChatSession:
    """The running turn of each open page (keyed by Gradio's session hash), and the input modalities."""

    def __init__(self, advisor: Advisor, modalities: Modalities) -> None:
        self.advisor = advisor
        self.modalities = modalities
        self._running: dict[str, Controls] = {}
        self._lock = threading.Lock()

    def begin(self, key: str, speech: bool) -> Controls:
        with self._lock:
            controls = self._running[key] = Controls(speech=speech)
        return controls

    def end(self, key: str, controls: Controls) -> None:
        with self._lock:
            if self._running.get(key) is controls:
                del self._running[key]

    def stop(self, key: str) -> None:
        with self._lock:
            controls = self._running.get(key)
        if controls is not None:
            controls.stopped_by_user = True
            controls.stop.set()

    def set_speech(self, key: str, on: bool) -> None:
        """Speech switched on or off while a turn runs (the next turn reads the switch itself)."""
        with self._lock:
            controls = self._running.get(key)
        if controls is not None:
            controls.speech = on

    def check_vision(self, lang: str) -> None:
        """Refuse an image up front, in plain words, when image reading cannot work here at all."""
        try:
            self.modalities.vision_reader()
        except ModalityUnavailable as exc:
            raise InputError(t(lang, "err_vision_off", reason=exc)) from exc
