"""espeak-ng (Debian package `espeak-ng`): formant synthesis for any language, instant, always there.

The last fallback, so that a reply is never silent. English is intelligible; Chinese uses the
`cmn-latn-pinyin` voice (plain `cmn` on Debian 12 reads tone digits aloud) and sounds robotic.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

from advisor.events import AudioChunk
from advisor.tts.base import TTSError

DEFAULT_VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
_CHUNK_BYTES = 22050  # half a second of 22.05 kHz 16-bit audio


def espeak_program() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


class EspeakSynthesizer:
    def __init__(self, voice: str = "", language: str = "en", speed_wpm: int = 165, timeout_s: float = 30.0):
        self.program = espeak_program()
        self.voice = voice or DEFAULT_VOICES.get(language[:2], "en-us")
        self.speed_wpm = speed_wpm
        self.timeout_s = timeout_s
        self.name = f"espeak-ng:{self.voice}"

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        if not self.program:
            raise TTSError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        voice = self.voice
        if not voice:
            voice = DEFAULT_VOICES.get(language[:2], "en-us")
        try:
            # The text goes on stdin, never on the command line: it may start with '-'.
            result = subprocess.run(
                [self.program, "-v", voice, "-s", str(self.speed_wpm), "-b", "1", "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TTSError(f"espeak-ng failed: {exc}") from exc
        if result.returncode != 0:
            raise TTSError(
                f"espeak-ng failed ({result.returncode}): {result.stderr.decode(errors='replace')[:200]}"
            )
        sample_rate, pcm = parse_wav_stream(result.stdout)
        for start in range(0, len(pcm), _CHUNK_BYTES):
            yield AudioChunk(pcm[start : start + _CHUNK_BYTES], sample_rate, text)


def parse_wav_stream(data: bytes) -> tuple[int, bytes]:
    """A 16-bit mono WAV written to a pipe (its size fields are placeholders): (rate, PCM)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise TTSError("espeak-ng returned no WAV audio")
    position = 12
    sample_rate = 0
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        body = position + 8
        if chunk_id == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            sample_rate = int.from_bytes(data[body + 4 : body + 8], "little")
            bits = int.from_bytes(data[body + 14 : body + 16], "little")
            if channels != 1 or bits != 16:
                raise TTSError(f"unexpected espeak-ng audio: {channels} channels, {bits} bits")
            position = body + size
        elif chunk_id == b"data":
            pcm = data[body:]
            return sample_rate, pcm[: len(pcm) - len(pcm) % 2]
        else:
            position = body + size
    raise TTSError("espeak-ng returned a WAV without audio data")
