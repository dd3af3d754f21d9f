"""The microphone's recent audio, by stream position, and when each part of it arrived.

A conversation can last half an hour; only the current utterance (at most `max_utterance_s`) and a
little before it are ever needed, so older audio is dropped as new audio comes: memory stays flat.
"""

from __future__ import annotations

from collections import deque

import numpy as np


class SampleBuffer:
    def __init__(self, keep_samples: int) -> None:
        self.keep = keep_samples
        self._parts: deque[tuple[int, np.ndarray, float]] = deque()  # (first sample, samples, arrival)
        self.end = 0  # stream position after the newest sample

    def append(self, samples: np.ndarray, arrived: float) -> None:
        self._parts.append((self.end, samples, arrived))
        self.end += len(samples)
        while self._parts and self._parts[0][0] + len(self._parts[0][1]) < self.end - self.keep:
            self._parts.popleft()

    @property
    def start(self) -> int:
        return self._parts[0][0] if self._parts else self.end

    def slice(self, start: int, end: int) -> np.ndarray:
        """Samples [start, end) of the stream (what is still kept of them)."""
        pieces = []
        for first, samples, _ in self._parts:
            lo, hi = max(start, first), min(end, first + len(samples))
            if lo < hi:
                pieces.append(samples[lo - first : hi - first])
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)

    def arrival(self, sample: int) -> float:
        """When the frame holding stream position `sample` arrived (the newest frame's time if later)."""
        for first, samples, arrived in self._parts:
            if first <= sample < first + len(samples):
                return arrived
        return self._parts[-1][2] if self._parts else 0.0
