"""The chat's input and its running turns: uploads sorted by kind, and each page's turn controls.

The turn itself, with its speech, is `Advisor.turn(..., speak=..., control=...)`, as in the CLI: the
stop button sets the control's stop (the turn ends at its next event, speech at once), the speech
switch its silence.
"""

from __future__ import annotations

import io
import shutil
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

from advisor.dialogue.advisor import Advisor
from advisor.events import AudioChunk, TurnControl
from advisor.formats import AUDIO_SUFFIXES, IMAGE_SUFFIXES
from ui.i18n import t


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


# -- the running turns ----------------------------------------------------------------------------------
@dataclass
class Controls(TurnControl):
    """A turn's controls (stop it, silence it), and whether the user stopped it."""

    stopped_by_user: bool = False


def can_speak(advisor: Advisor) -> bool:
    """Spoken replies need a voice, and ffmpeg: Gradio's streaming audio player encodes with it."""
    return advisor.stages.tts.state() != "off" and shutil.which("ffmpeg") is not None


class ChatSession:
    """The running turn of each open page, keyed by Gradio's session hash."""

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        self._running: dict[str, Controls] = {}
        self._lock = threading.Lock()

    def begin(self, key: str) -> Controls:
        with self._lock:
            controls = self._running[key] = Controls()
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

    def silence(self, key: str) -> None:
        """Speech switched off while a turn runs (switching it on again applies from the next turn)."""
        with self._lock:
            controls = self._running.get(key)
        if controls is not None:
            controls.silence.set()

    def check_vision(self, lang: str) -> None:
        """Refuse an image up front, in plain words, when image reading cannot work here at all."""
        try:
            self.advisor.stages.vision.get()
        except Exception as exc:  # the stage's own error: why it is off, in plain words
            raise InputError(t(lang, "err_vision_off", reason=exc)) from exc
