"""Speech as it is synthesised, in the format asked for, a piece at a time (for a streamed response).

    wav   16-bit mono PCM in a WAV header whose sizes say "until the end" (as streaming servers send it)
    pcm   the raw 16-bit little-endian mono samples, 24 kHz (OpenAI's pcm)
    mp3   MPEG layer III through PyAV (libmp3lame)
    opus  Opus in Ogg through PyAV (libopus)

Every format is at 24 kHz: the voices' chunks are resampled to it.
"""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np

from advisor.events import AudioChunk
from advisor.tts.base import resample_pcm16

RATE = 24_000
FORMATS = ("wav", "mp3", "opus", "pcm")
MEDIA_TYPES = {"wav": "audio/wav", "pcm": "audio/pcm", "mp3": "audio/mpeg", "opus": "audio/ogg"}
_AV = {"mp3": ("mp3", "libmp3lame"), "opus": ("ogg", "libopus")}


def wav_header(rate: int = RATE, data_bytes: int = 0xFFFFFFFF) -> bytes:
    """A WAV header for 16-bit mono; the default sizes (0xFFFFFFFF) mean 'as long as the stream goes on',
    as streaming servers write it and decoders (FFmpeg, our ASR) read it."""
    riff = min(0xFFFFFFFF, data_bytes + 36)
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class Encoder:
    """`start()`, then `add(chunk)` per synthesised chunk, then `end()`: each returns bytes to send."""

    def __init__(self, fmt: str) -> None:
        self.format = fmt
        self._buffer = io.BytesIO()
        self._sent = 0
        self._container: Any = None
        self._stream: Any = None

    def start(self) -> bytes:
        if self.format == "wav":
            return wav_header()
        if self.format in _AV:
            import av

            container_format, codec = _AV[self.format]
            self._container = av.open(self._buffer, mode="w", format=container_format)
            self._stream = self._container.add_stream(codec, rate=RATE)
            self._stream.layout = "mono"
        return b""

    def add(self, chunk: AudioChunk) -> bytes:
        pcm = resample_pcm16(chunk.audio, chunk.sample_rate, RATE)
        if self._container is None:
            return pcm
        import av

        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        return self._drain()

    def end(self) -> bytes:
        if self._container is None:
            return b""
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self._drain()

    def _drain(self) -> bytes:
        data = self._buffer.getvalue()[self._sent :]
        self._sent += len(data)
        return data
