"""A simulated browser for the conversation mode, for benchmarks: it does what the page's script does.

It streams a microphone track into a VoiceSession in real time (20 ms frames, each handed over once it
has been "captured"), plays the reply audio back to back as it arrives, says when each chunk has played,
stops playing at once on "stop_audio", and can let the reply leak back into the microphone (`echo_gain`,
`echo_delay_s`), as speakers do when the browser's echo cancellation misses some of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from advisor.asr.audio import SAMPLE_RATE
from advisor.events import AudioChunk
from advisor.voice.playback import to_16k
from advisor.voice.session import VoiceEvent, VoiceSession

FRAME = 320  # 20 ms


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic() when the event was read
    event: VoiceEvent


def last_voiced(audio: np.ndarray, threshold: float = 0.5) -> int:
    """The sample after the last 32 ms window Silero calls speech (the clip's own end if none)."""
    from faster_whisper.vad import get_vad_model

    n = len(audio) // 512 * 512
    probabilities = get_vad_model()(audio[:n]).reshape(-1)
    voiced = np.flatnonzero(probabilities >= threshold)
    return int((voiced[-1] + 1) * 512) if len(voiced) else len(audio)


def first_voiced(audio: np.ndarray, threshold: float = 0.5) -> int:
    from faster_whisper.vad import get_vad_model

    n = len(audio) // 512 * 512
    probabilities = get_vad_model()(audio[:n]).reshape(-1)
    voiced = np.flatnonzero(probabilities >= threshold)
    return int(voiced[0] * 512) if len(voiced) else 0


class SimulatedBrowser:
    def __init__(
        self, session: VoiceSession, echo_gain: float = 0.0, echo_delay_s: float = 0.15, noise: float = 0.0
    ) -> None:
        self.session, self.echo_gain, self.echo_delay_s, self.noise = session, echo_gain, echo_delay_s, noise
        self.seen: list[Seen] = []
        self._echo: list[tuple[float, np.ndarray]] = []  # (when it reaches the microphone, 16 kHz samples)
        self._playing_until = 0.0
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._rng = np.random.default_rng(0)
        threading.Thread(target=self._read, name="bench-browser", daemon=True).start()

    # -- the speaker side --------------------------------------------------------------------------------
    def _read(self) -> None:
        while not self.session.closed:
            event = self.session.next_event(0.05)
            if event is None:
                continue
            now = time.monotonic()
            with self._changed:
                self.seen.append(Seen(now, event))
                if event.kind == "audio":
                    self._play(event, now)
                elif event.kind == "stop_audio":
                    self._stop(now)
                self._changed.notify_all()

    def _play(self, event: VoiceEvent, now: float) -> None:
        data = event.data
        chunk = AudioChunk(data["pcm"], data["sample_rate"], data["sentence"])
        audio = to_16k(chunk)
        start = max(now, self._playing_until)
        self._playing_until = start + len(audio) / SAMPLE_RATE
        if self.echo_gain:
            self._echo.append((start + self.echo_delay_s, audio * self.echo_gain))
        timer = threading.Timer(self._playing_until - now, self.session.played, args=(data["seq"],))
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def _stop(self, now: float) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._playing_until = now
        kept = []
        for at, audio in self._echo:  # what was still to play is not played, so it cannot echo
            if at < now + self.echo_delay_s:
                kept.append((at, audio[: max(0, int((now + self.echo_delay_s - at) * SAMPLE_RATE))]))
        self._echo = kept

    def playing(self) -> bool:
        with self._lock:
            return time.monotonic() < self._playing_until

    # -- the microphone side ------------------------------------------------------------------------------
    def say(self, audio: np.ndarray) -> list[float]:
        """Stream `audio` in real time; the time each 20 ms frame was handed over (after its last sample)."""
        times = []
        clock = time.monotonic()
        for i in range(0, len(audio), FRAME):
            frame = audio[i : i + FRAME].astype(np.float32, copy=True)
            clock += len(frame) / SAMPLE_RATE
            time.sleep(max(0.0, clock - time.monotonic()))
            frame += self._echo_at(clock - len(frame) / SAMPLE_RATE, len(frame))
            if self.noise:
                frame += self._rng.normal(0, self.noise, len(frame)).astype(np.float32)
            self.session.feed(frame)
            times.append(time.monotonic())
        return times

    def quiet(self, seconds: float) -> None:
        self.say(np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32))

    def _echo_at(self, start: float, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.float32)
        with self._lock:
            for at, audio in self._echo:
                offset = round((at - start) * SAMPLE_RATE)  # where the echo starts, in this frame
                lo, hi = max(0, offset), min(n, offset + len(audio))
                if lo < hi:
                    out[lo:hi] += audio[lo - offset : hi - offset]
            self._echo = [(at, a) for at, a in self._echo if at + len(a) / SAMPLE_RATE > start]
        return out

    # -- waiting --------------------------------------------------------------------------------------------
    def first(self, kind: str, after: float) -> Seen | None:
        with self._lock:
            return next((s for s in self.seen if s.event.kind == kind and s.at >= after), None)

    def mark(self) -> int:
        """A place in the events seen so far, for `quiet_until_after`."""
        with self._lock:
            return len(self.seen)

    def quiet_until_after(
        self, mark: int, accept: Callable[[VoiceEvent], bool], timeout: float
    ) -> Seen | None:
        """Keep the microphone quiet until an event seen after `mark` is accepted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = next((s for s in self.seen[mark:] if accept(s.event)), None)
            if found is not None:
                return found
            self.quiet(0.1)
        return None

    def quiet_until(self, kinds: tuple[str, ...], after: float, timeout: float) -> Seen | None:
        """Keep the microphone quiet (echo still comes through) until an event of `kinds` arrives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for kind in kinds:
                seen = self.first(kind, after)
                if seen is not None:
                    return seen
            self.quiet(0.1)
        return None

    def quiet_while_playing(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.playing() and time.monotonic() < deadline:
            self.quiet(0.1)
