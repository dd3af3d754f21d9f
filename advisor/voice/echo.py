"""Is what the microphone hears the advisor's own reply coming back from the speakers?

The browser cancels most of that echo; what gets through must not stop the reply. The reply's audio is
known (we sent it), so the check is direct: the microphone's last few hundred milliseconds are compared
with the reply audio played around that time, at every lag up to `max_lag_s`; a normalised
cross-correlation above `threshold` says it is the reply, not the user.
"""

from __future__ import annotations

import numpy as np


def correlation(heard: np.ndarray, reference: np.ndarray) -> float:
    """The highest normalised cross-correlation of `heard` within `reference` (0..1), by FFT."""
    n = len(heard)
    if n == 0 or len(reference) < n:
        return 0.0
    heard = heard - heard.mean()
    energy = float(np.dot(heard, heard))
    if energy <= 1e-9:
        return 0.0
    size = 1 << int(np.ceil(np.log2(len(reference) + n)))
    spectrum = np.fft.rfft(reference, size) * np.conj(np.fft.rfft(heard, size))
    dots = np.fft.irfft(spectrum, size)[: len(reference) - n + 1]
    # Energy of each reference window of length n, from running sums.
    sums = np.concatenate([[0.0], np.cumsum(reference.astype(np.float64) ** 2)])
    window_energy = sums[n:] - sums[:-n]
    means = np.convolve(reference, np.ones(n), "valid") / n
    window_energy = np.maximum(window_energy - n * means**2, 1e-9)
    dots = dots - means * heard.sum()  # heard is centred: this term is ~0, kept for clarity
    return float(np.max(np.abs(dots) / np.sqrt(window_energy * energy)))


def is_echo(heard: np.ndarray, reference: np.ndarray, threshold: float = 0.35) -> bool:
    return correlation(heard, reference) >= threshold
