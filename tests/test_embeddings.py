"""The real embedding backends, loaded from their packages with no network."""

from __future__ import annotations

import numpy as np

from advisor.config import Settings
from advisor.embeddings import create_embedder


def test_packaged_e5_is_multilingual_and_normalised() -> None:
    embedder = create_embedder(Settings(embeddings={"backend": "e5-small"}))
    passages = embedder.embed_documents(
        ["成年人每天食盐不超过5克。", "Keep an emergency fund of 3-6 months."]
    )
    assert passages.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query("how much salt per day")
    assert float(passages[0] @ query) > float(passages[1] @ query)


def test_packaged_minilm_through_sentence_transformers() -> None:
    embedder = create_embedder(Settings(embeddings={"backend": "sentence-transformers"}))
    passages = embedder.embed_documents(["Adults need 7 to 9 hours of sleep.", "Index funds have low fees."])
    assert passages.shape == (2, 384) and embedder.dim == 384
    query = embedder.embed_query("what are the costs of an index fund")
    assert float(passages[1] @ query) > float(passages[0] @ query)
    assert embedder.name == "sentence-transformers:all-MiniLM-L6-v2"
