"""A deterministic bag-of-words embedder: fast, no model, for tests of ingestion and faults."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from advisor.embeddings.base import normalise
from advisor.knowledge.text import tokenize


class HashingEmbedder:
    name = "hashing-64"
    dim = 64
    max_tokens = 512

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for token in tokenize(text) or ["<empty>"]:
            digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        return vector

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._vector(text))
