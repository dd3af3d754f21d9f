"""Whose turn it is: voice activity, window by window, turned into speech starting, pausing and ending.

Hysteresis keeps a word's quiet consonant from ending a turn: a window counts as voiced at
`threshold`, as silent only below `threshold - 0.15`. Speech starts after `onset_ms` of voiced windows
(longer when it would interrupt the reply: `barge_in_ms`); a pause is `pause_ms` of silence (time to
recognise the question and read its prompt ahead); the turn ends after `end_ms`.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.voice.vad_stream import WINDOW, WINDOW_S

ONSET_MS = 96  # three windows: a click or a cough is shorter


@dataclass
class Mark:
    kind: str  # speech | pause | resume | end
    sample: int  # the stream position it refers to: the first voiced sample (speech), the last (others)


class TurnTaker:
    def __init__(self, threshold: float, pause_ms: int, end_ms: int, barge_in_ms: int) -> None:
        self.threshold, self.low = threshold, max(threshold - 0.15, 0.05)
        self.pause_windows = max(1, round(pause_ms / 1000 / WINDOW_S))
        self.end_windows = max(self.pause_windows + 1, round(end_ms / 1000 / WINDOW_S))
        self.onset_windows = max(1, round(ONSET_MS / 1000 / WINDOW_S))
        self.barge_windows = max(self.onset_windows, round(barge_in_ms / 1000 / WINDOW_S))
        self.speaking = False
        self.voiced_run = 0  # voiced windows in a row (before speech starts)
        self.silent_run = 0  # silent windows in a row (while speaking)
        self.paused = False
        self.last_voiced = 0  # sample after the last voiced window

    def reset(self) -> None:
        self.speaking, self.voiced_run, self.silent_run, self.paused = False, 0, 0, False

    def window(self, probability: float, end: int, interrupting: bool = False) -> Mark | None:
        """The decision after the window ending at sample `end`. `interrupting`: speech now would cut
        into the reply, so it must last `barge_in_ms` to count."""
        voiced, silent = probability >= self.threshold, probability < self.low
        if not self.speaking:
            self.voiced_run = self.voiced_run + 1 if voiced else 0
            if self.voiced_run >= (self.barge_windows if interrupting else self.onset_windows):
                self.speaking, self.silent_run, self.paused = True, 0, False
                self.last_voiced = end
                return Mark("speech", end - self.voiced_run * WINDOW)
            return None
        if not silent:
            self.silent_run = 0
            if voiced:
                self.last_voiced = end
                if self.paused:
                    self.paused = False
                    return Mark("resume", end)
            return None
        self.silent_run += 1
        if self.silent_run == self.pause_windows:
            self.paused = True
            return Mark("pause", self.last_voiced)
        if self.silent_run >= self.end_windows:
            self.reset()
            return Mark("end", self.last_voiced)
        return None
