"""The text-to-speech stage: text in one language in, 16-bit mono PCM chunks out, as soon as each is ready."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from advisor.events import AudioChunk


class TTSError(RuntimeError):
    """A voice could not speak: missing model or program, a crashed worker, bad output."""


@runtime_checkable
class Synthesizer(Protocol):
    name: str  # e.g. "piper:en_US-joe-medium"; shown in warnings and benchmark tables

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        """Speak `text` (already normalised for speech) and yield audio as soon as each piece is ready.

        Raises TTSError when the voice cannot speak. Closing the iterator early stops the work.
        """
        ...


def float_to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] to little-endian 16-bit PCM."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()


def pcm16_to_float(audio: bytes) -> np.ndarray:
    return np.frombuffer(audio, dtype="<i2").astype(np.float32) / 32768.0


def resample_pcm16(audio: bytes, source_rate: int, target_rate: int) -> bytes:
    """16-bit PCM from one sample rate to another (polyphase filter; exact for 24000 -> 22050)."""
    if source_rate == target_rate or not audio:
        return audio
    from math import gcd

    from scipy.signal import resample_poly

    divisor = gcd(source_rate, target_rate)
    resampled = resample_poly(pcm16_to_float(audio), target_rate // divisor, source_rate // divisor)
    return float_to_pcm16(resampled)


def silence(seconds: float, sample_rate: int, sentence: str = "") -> AudioChunk:
    return AudioChunk(b"\x00\x00" * int(seconds * sample_rate), sample_rate, sentence)


def duration_s(chunk: AudioChunk) -> float:
    return len(chunk.audio) / 2 / chunk.sample_rate
