"""A transcriber that replays scripted text: fast and deterministic, for tests of what comes after ASR.

It still decodes the audio with the real limits, so bad uploads fail the same way as with Whisper.
"""

from __future__ import annotations

import time

from advisor.asr.audio import AudioInput, DecodedAudio, load_audio
from advisor.asr.base import NoSpeech, Transcription
from advisor.config import ASRSettings
from advisor.events import Transcript


class ScriptedTranscriber:
    name = "fake"

    def __init__(
        self, settings: ASRSettings | None = None, replies: list[tuple[str, str]] | None = None
    ) -> None:
        self.settings = settings or ASRSettings()
        self.replies = list(replies or [])  # (text, language), consumed in order; the last one repeats
        self.heard: list[DecodedAudio] = []

    def transcribe(self, audio: AudioInput, language: str | None = None) -> Transcript:
        return self.transcribe_timed(audio, language).transcript

    def transcribe_timed(
        self, audio: AudioInput, language: str | None = None, draft: bool = False
    ) -> Transcription:
        started = time.perf_counter()
        decoded = load_audio(audio, max_seconds=self.settings.max_seconds, max_bytes=self.settings.max_bytes)
        self.heard.append(decoded)
        if not self.replies:
            raise NoSpeech()
        text, spoken = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return Transcription(
            transcript=Transcript(text=text, language=language or spoken, duration_s=decoded.duration_s),
            backend=self.name,
            model="scripted",
            language_probability=1.0,
            speech_s=decoded.duration_s,
            timings_ms={"total": (time.perf_counter() - started) * 1000},
        )
