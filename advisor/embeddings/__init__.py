"""Embedding backends, chosen by name from `settings.embeddings.backend`."""

from __future__ import annotations

from advisor.config import Settings
from advisor.embeddings.base import Embedder
from advisor.registry import Registry

EMBEDDERS: Registry[Embedder] = Registry("embeddings")


@EMBEDDERS.register("e5-small")
def _e5(settings: Settings) -> Embedder:
    from advisor.embeddings.e5 import E5SmallEmbedder

    return E5SmallEmbedder(threads=settings.embeddings.threads)


@EMBEDDERS.register("sentence-transformers")
def _sentence_transformers(settings: Settings) -> Embedder:
    from advisor.embeddings.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.embeddings.model)


@EMBEDDERS.register("hashing")
def _hashing(settings: Settings) -> Embedder:
    from advisor.embeddings.fake import HashingEmbedder

    return HashingEmbedder()


def create_embedder(settings: Settings) -> Embedder:
    return EMBEDDERS.create(settings.embeddings.backend, settings)


__all__ = ["EMBEDDERS", "Embedder", "create_embedder"]
