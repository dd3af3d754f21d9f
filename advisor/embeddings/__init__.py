"""Embedding backends, chosen by name from `settings.embeddings.backend`."""

from __future__ import annotations

from advisor.config import EmbeddingSettings
from advisor.embeddings.base import Embedder
from advisor.registry import Registry

EMBEDDERS: Registry[Embedder] = Registry("embeddings")


@EMBEDDERS.register("e5-small")
def _e5(settings: EmbeddingSettings) -> Embedder:
    from advisor.embeddings.e5 import E5SmallEmbedder

    return E5SmallEmbedder(threads=settings.threads)


@EMBEDDERS.register("sentence-transformers")
def _sentence_transformers(settings: EmbeddingSettings) -> Embedder:
    from advisor.embeddings.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model)


@EMBEDDERS.register("hashing")
def _hashing(settings: EmbeddingSettings) -> Embedder:
    from advisor.embeddings.fake import HashingEmbedder

    return HashingEmbedder()


def create_embedder(settings: EmbeddingSettings) -> Embedder:
    return EMBEDDERS.create(settings.backend, settings)


__all__ = ["EMBEDDERS", "Embedder", "create_embedder"]
