"""Is what the microphone hears the advisor's own reply coming back from the speakers?

The browser cancels most of that echo; what gets through must not stop the reply. The reply's audio is
known (we sent it), so the check is direct: the microphone's last few hundred milliseconds are compared
with the reply audio played around that time, at every lag up to `max_lag_s`; a normalised
cross-correlation above `threshold` says it is the reply, not the user.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from advisor.asr.audio import SAMPLE_RATE


def scan(heard: np.ndarray, reference: np.ndarray) -> tuple[int, float]:
    """The lag at which `heard` best matches `reference`, and its normalised cross-correlation (0..1)."""
    n = len(heard)
    if n == 0 or len(reference) < n:
        return 0, 0.0
    heard = heard - heard.mean()
    energy = float(np.dot(heard, heard))
    if energy <= 1e-9:
        return 0, 0.0
    size = 1 << int(np.ceil(np.log2(len(reference) + n)))
    spectrum = np.fft.rfft(reference, size) * np.conj(np.fft.rfft(heard, size))
    dots = np.fft.irfft(spectrum, size)[: len(reference) - n + 1]
    # The energy of each reference window of length n about its own mean, from running sums.
    sums = np.concatenate([[0.0], np.cumsum(reference.astype(np.float64) ** 2)])
    means = np.convolve(reference, np.ones(n), "valid") / n
    window_energy = np.maximum(sums[n:] - sums[:-n] - n * means**2, 1e-9)
    scores = np.abs(dots) / np.sqrt(window_energy * energy)
    lag = int(np.argmax(scores))
    return lag, float(scores[lag])


def correlation(heard: np.ndarray, reference: np.ndarray) -> float:
    """The highest normalised cross-correlation of `heard` within `reference` (0..1), by FFT."""
    return scan(heard, reference)[1]


def is_echo(heard: np.ndarray, reference: np.ndarray, threshold: float = 0.5, parts: int = 2) -> bool:
    """Echo when the reply, at one delay, explains what was heard: as a whole and in each of `parts`.

    Voiced speech is nearly periodic, so among thousands of lags some line up with any other voice
    for a moment; the same lag explaining every part of the window does not happen by chance."""
    lag, score = scan(heard, reference)
    if score < threshold:
        return False
    size, slack = len(heard) // parts, 32  # 2 ms either way: the delay drifts a little
    loudness = float(np.mean(heard**2))
    for k in range(parts):
        part = heard[k * size : (k + 1) * size]
        if float(np.mean(part**2)) < 0.1 * loudness:
            continue  # a gap between words: room noise says nothing either way
        start = max(0, lag + k * size - slack)
        if correlation(part, reference[start : lag + (k + 1) * size + slack]) < 0.8 * threshold:
            return False
    return True


class EchoPath:
    """Where the reply comes back: once echo is found, the delay it came back at is kept, and later
    sound is checked at that delay first. One known delay is a far stronger test than a search over
    every lag (a chance alignment with the user's voice at exactly that delay is rare), so even a weak
    echo there is recognised, and a long reply is not stopped by the one window in a hundred that the
    search would miss."""

    KNOWN_DELAY_THRESHOLD = 0.3
    SEARCH_S = 0.8  # how far back the reply's audio is searched for the microphone's sound
    # and how far ahead: until the browser says a chunk has played, when it started is an estimate, and
    # a browser that buffers or a "played" slowed by the network puts that estimate late
    AHEAD_S = 0.4
    SLACK_S = 0.03  # the browser starts each chunk a little earlier or later than estimated

    def __init__(self) -> None:
        self.delay_s: float | None = None

    def check(
        self, heard: np.ndarray, heard_at: float, reference: Callable[[float, float], np.ndarray]
    ) -> bool:
        """Is `heard` (whose first sample was captured at `heard_at`) the reply? `reference(since, until)`
        gives the reply audio that played between two moments."""
        length = len(heard) / SAMPLE_RATE
        if self.delay_s is not None:
            since = heard_at - self.delay_s - self.SLACK_S
            known = reference(since, since + length + 2 * self.SLACK_S)
            if correlation(heard, known) >= self.KNOWN_DELAY_THRESHOLD:
                return True
        since = heard_at - self.SEARCH_S
        searched = reference(since, heard_at + length + self.AHEAD_S)
        if not is_echo(heard, searched):
            return False
        lag, _ = scan(heard, searched)
        self.delay_s = heard_at - (since + lag / SAMPLE_RATE)
        return True
