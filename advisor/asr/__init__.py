"""Speech recognition backends, chosen by name from `settings.asr.backend`.

    from advisor.asr import create_asr
    transcript = create_asr(get_settings()).transcribe("question.webm")  # Transcript(text, language, ...)

Every backend decodes any common upload (webm/opus, ogg, wav, mp3, m4a, flac) with limits, refuses
clips without speech (NoSpeech), and writes Chinese in Simplified characters with punctuation.
"""

from __future__ import annotations

from pathlib import Path

from advisor.asr.audio import DecodedAudio, decode_audio
from advisor.asr.base import ASRError, ASRUnavailable, BadAudio, NoSpeech, Transcriber, Transcription
from advisor.config import Settings
from advisor.registry import Registry

ASRS: Registry[Transcriber] = Registry("asr")


def library_catalog(settings: Settings) -> Path:
    """The knowledge library's catalog (advisor/knowledge/library.py): its documents feed the vocabulary."""
    return settings.data_dir / "catalog.sqlite3"


@ASRS.register("faster-whisper")
def _faster_whisper(settings: Settings) -> Transcriber:
    from advisor.asr.faster_whisper_backend import FasterWhisperTranscriber

    return FasterWhisperTranscriber(
        settings.asr,
        settings.data_dir / "models",
        knowledge_dir=settings.knowledge_dir,
        catalog=library_catalog(settings),
    )


@ASRS.register("openai-whisper")
def _openai_whisper(settings: Settings) -> Transcriber:
    from advisor.asr.openai_whisper_backend import OpenAIWhisperTranscriber

    return OpenAIWhisperTranscriber(
        settings.asr,
        settings.data_dir / "models",
        knowledge_dir=settings.knowledge_dir,
        catalog=library_catalog(settings),
    )


@ASRS.register("fake")
def _fake(settings: Settings) -> Transcriber:
    from advisor.asr.fake import ScriptedTranscriber

    return ScriptedTranscriber(settings.asr)


def create_asr(settings: Settings) -> Transcriber:
    """The configured transcriber. Cheap: the model loads on the first transcription, once per process."""
    return ASRS.create(settings.asr.backend, settings)


__all__ = [
    "ASRS",
    "ASRError",
    "ASRUnavailable",
    "BadAudio",
    "DecodedAudio",
    "NoSpeech",
    "Transcriber",
    "Transcription",
    "create_asr",
    "decode_audio",
]
