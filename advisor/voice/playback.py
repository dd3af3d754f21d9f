"""The reply as the browser plays it: which audio was sent when, what has been heard so far.

The browser plays the chunks back to back and says when each one has finished ("played"). From that
(or, before the first such word, from when each chunk was sent and how long it lasts) this knows what the
user has actually heard when they interrupt, and what audio could be coming back into the microphone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from advisor.asr.audio import SAMPLE_RATE
from advisor.events import AudioChunk

LEAD_S = 0.05  # from sending a chunk to its first sample playing, when nothing is queued before it


@dataclass
class _Chunk:
    seq: int
    sentence: str
    seconds: float
    start: float  # when it starts (or started) playing, by the clock of time.monotonic()
    audio: np.ndarray  # 16 kHz float32, for the echo check
    sent: float
    played: bool = False

    @property
    def end(self) -> float:
        return self.start + self.seconds


def to_16k(chunk: AudioChunk) -> np.ndarray:
    samples = np.frombuffer(chunk.audio, dtype="<i2").astype(np.float32) / 32768.0
    if chunk.sample_rate == SAMPLE_RATE or not len(samples):
        return samples
    n = round(len(samples) * SAMPLE_RATE / chunk.sample_rate)
    return np.interp(
        np.arange(n) * (chunk.sample_rate / SAMPLE_RATE), np.arange(len(samples)), samples
    ).astype(np.float32)


@dataclass
class ReplyAudio:
    """The audio of one reply, in the order sent. Thread-safe."""

    first_seq: int = 0  # the sequence number of its first chunk
    chunks: list[_Chunk] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, chunk: AudioChunk, now: float | None = None) -> int:
        """Record a chunk being sent; its sequence number, unique in the conversation (a late "played"
        from an earlier reply must not count for this one)."""
        now = time.monotonic() if now is None else now
        audio = to_16k(chunk)
        with self._lock:
            after = self.chunks[-1].end if self.chunks else 0.0
            seq = self.first_seq + len(self.chunks)
            self.chunks.append(
                _Chunk(seq, chunk.sentence, len(audio) / SAMPLE_RATE, max(now + LEAD_S, after), audio, now)
            )
            return seq

    def played(self, seq: int, now: float | None = None) -> None:
        """The browser finished chunk `seq`: it and everything before it are heard; the next starts now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            index = seq - self.first_seq
            if index < 0 or index >= len(self.chunks):
                return  # another reply's chunk, or one never sent
            for chunk in self.chunks[: index + 1]:
                chunk.played = True
            self.chunks[index].start = now - self.chunks[index].seconds  # it ended now, as the browser says
            previous = now
            for chunk in self.chunks[index + 1 :]:
                chunk.start = max(chunk.sent + LEAD_S, previous)
                previous = chunk.end

    def playing(self, now: float | None = None) -> bool:
        """Whether some of it is still to be heard."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return any(not c.played and c.end > now for c in self.chunks)

    def audible(self, now: float | None = None, tail_s: float = 0.6) -> bool:
        """Whether its sound may still be coming back into the microphone: it is playing, or ended less
        than `tail_s` ago (the speakers' delay and the room's echo)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return bool(self.chunks) and max(c.end for c in self.chunks) + tail_s > now

    def reference(self, since: float, until: float) -> np.ndarray:
        """The reply audio playing between two moments, silence where none was (16 kHz)."""
        n = max(0, int((until - since) * SAMPLE_RATE))
        out = np.zeros(n, dtype=np.float32)
        with self._lock:
            for chunk in self.chunks:
                offset = round((chunk.start - since) * SAMPLE_RATE)
                lo, hi = max(0, offset), min(n, offset + len(chunk.audio))
                if lo < hi:
                    out[lo:hi] = chunk.audio[lo - offset : hi - offset]
        return out

    def heard(self, now: float | None = None) -> str:
        """The words the user has heard by `now`: whole sentences, then the part of the one cut off."""
        now = time.monotonic() if now is None else now
        with self._lock:
            sentences: list[list[float]] = []  # per sentence: [seconds played, seconds in all]
            texts: list[str] = []
            for chunk in self.chunks:
                share = chunk.seconds if chunk.played else min(max(now - chunk.start, 0.0), chunk.seconds)
                if not texts or texts[-1] != chunk.sentence:
                    texts.append(chunk.sentence)
                    sentences.append([0.0, 0.0])
                sentences[-1][0] += share
                sentences[-1][1] += chunk.seconds
        said: list[str] = []
        for text, (played, total) in zip(texts, sentences, strict=True):
            if total <= 0 or played >= total * 0.98:
                said.append(text)
                continue
            cut = _cut(text, played / total) if played > 0 else ""
            if cut:
                said.append(cut)
            break
        return "".join(_spaced(said))


def _spaced(parts: list[str]) -> list[str]:
    """Sentences joined as written: a space between Latin sentences, none between Chinese ones."""
    out: list[str] = []
    for part in parts:
        if out and out[-1][-1:].isascii() and part[:1].isascii():
            part = " " + part
        out.append(part)
    return out


def _cut(text: str, share: float) -> str:
    """The first `share` of a sentence, ended at a word (Latin) or character (Chinese), with an ellipsis;
    '' when not even its first word was heard whole."""
    keep = text[: max(1, int(len(text) * share))]
    if keep != text and keep[-1:].isascii() and text[len(keep) : len(keep) + 1] not in (" ", ""):
        keep = keep.rsplit(" ", 1)[0] if " " in keep else ""  # a word cut in two is not heard
    keep = keep.rstrip(" ,，、")
    return keep + "…" if keep else ""
