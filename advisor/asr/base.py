"""The speech-recognition stage: audio in, a `Transcript` out; errors a user can read, in both languages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from advisor.events import Transcript

if TYPE_CHECKING:
    from advisor.asr.audio import AudioInput


class ASRError(Exception):
    """A failure the user should see. `str()` is the English message; `message_zh` the Chinese one.

    `code` is stable and machine-readable: empty, too_large, too_long, unsupported, corrupt, truncated,
    no_speech, unavailable.
    """

    code = "asr_error"

    def __init__(self, message_en: str, message_zh: str = "", *, code: str = "") -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en
        if code:
            self.code = code

    def message(self, language: str = "en") -> str:
        return self.message_zh if language.startswith("zh") else self.message_en

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message_en": self.message_en, "message_zh": self.message_zh}


class BadAudio(ASRError):
    """The upload is empty, too big, too long, truncated, corrupt, or not audio at all."""

    code = "bad_audio"


class NoSpeech(ASRError):
    """The clip holds silence, noise or music, but no speech: nothing is transcribed, nothing invented."""

    code = "no_speech"

    def __init__(self, message_en: str = "no speech heard", message_zh: str = "没有听到说话") -> None:
        super().__init__(message_en, message_zh)


class ASRUnavailable(ASRError):
    """The recogniser cannot run here: its model or a dependency is missing. Not the user's fault."""

    code = "unavailable"


@dataclass(frozen=True)
class Transcription:
    """A transcript with what it took to produce it."""

    transcript: Transcript
    backend: str  # faster-whisper | openai-whisper
    model: str  # the model name or path that produced it
    language_probability: float  # of the chosen language, from the model's detection (1.0 if given)
    speech_s: float  # seconds of speech kept by voice activity detection
    timings_ms: dict[str, float] = field(default_factory=dict)  # decode, vad, load, detect, asr, total

    @property
    def text(self) -> str:
        return self.transcript.text

    @property
    def language(self) -> str:
        return self.transcript.language

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.transcript.text,
            "language": self.transcript.language,
            "duration_s": round(self.transcript.duration_s, 3),
            "speech_s": round(self.speech_s, 3),
            "language_probability": round(self.language_probability, 4),
            "backend": self.backend,
            "model": self.model,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


class Transcriber(Protocol):
    name: str

    def transcribe(self, audio: AudioInput, language: str | None = None) -> Transcript: ...

    def transcribe_timed(
        self, audio: AudioInput, language: str | None = None, draft: bool = False
    ) -> Transcription:
        """`draft`: a quick first reading (one beam), for words shown while the user is still speaking."""
        ...
