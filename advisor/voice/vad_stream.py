"""Silero voice activity, one 32 ms window at a time, for a microphone that streams.

advisor/asr/vad.py runs Silero over a whole clip; a conversation cannot wait for the clip to end. This
feeds the same ONNX model (it ships inside faster-whisper; run by onnxruntime, one thread) window by
window, carrying the model's recurrent state and the 64 samples of context it reads before each window,
so the probabilities match those of the whole-clip run.
"""

from __future__ import annotations

import numpy as np

from advisor.asr.audio import SAMPLE_RATE
from advisor.asr.vad import silero_vad

WINDOW = 512  # samples per decision: 32 ms at 16 kHz, Silero's own window
CONTEXT = 64  # samples of the previous window the model reads first
WINDOW_S = WINDOW / SAMPLE_RATE


class StreamingVad:
    """Speech probabilities for consecutive 32 ms windows of a 16 kHz stream."""

    def __init__(self) -> None:
        # The model is loaded once per process (faster-whisper caches it) and shared with whole clips.
        self._session = silero_vad().get_vad_model().session
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)

    def feed(self, samples: np.ndarray) -> list[float]:
        """The probability of each window completed by `samples` (leftover samples wait for more)."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        whole = len(self._pending) // WINDOW
        if not whole:
            return []
        windows = self._pending[: whole * WINDOW].reshape(whole, WINDOW)
        self._pending = self._pending[whole * WINDOW :].copy()
        probabilities = []
        for window in windows:
            batch = np.concatenate([self._context, window])[None, :]
            out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
            self._context = window[-CONTEXT:].copy()
            probabilities.append(float(np.asarray(out).reshape(-1)[0]))
        return probabilities
