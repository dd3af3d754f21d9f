"""The vector store: chromadb, embedded on disk by default, a Chroma server when `store.url` is set.

One collection per knowledge base. Each collection records the embedder that filled it; querying it
with another embedder is refused with the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from advisor.config import StoreSettings


class EmbedderMismatch(RuntimeError):
    pass


class StoreUnavailable(RuntimeError):
    pass


def collection_name(kb: str) -> str:
    """Chroma allows only [a-zA-Z0-9._-] names; knowledge-base names may be Chinese."""
    return "kb-" + hashlib.sha256(kb.encode()).hexdigest()[:24]


class VectorStore:
    def __init__(self, settings: StoreSettings, path: Path) -> None:
        self._settings = settings
        self._path = path
        self._client: Any = None
        self._collections: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return self._settings.url or str(self._path)

    def _connect(self) -> Any:
        if self._client is None:
            import chromadb

            chroma_settings = chromadb.Settings(anonymized_telemetry=False)
            try:
                if self._settings.url:
                    url = urlparse(self._settings.url)
                    self._client = chromadb.HttpClient(
                        host=url.hostname or "127.0.0.1",
                        port=url.port or (443 if url.scheme == "https" else 8000),
                        ssl=url.scheme == "https",
                        settings=chroma_settings,
                    )
                else:
                    self._path.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(self._path), settings=chroma_settings)
            except Exception as exc:
                raise StoreUnavailable(f"cannot open the vector store at {self.location}: {exc}") from exc
        return self._client

    def collection(self, kb: str, embedder: str, create: bool = True) -> Any:
        with self._lock:
            col = self._collections.get(kb)
            if col is None:
                client = self._connect()
                name = collection_name(kb)
                if create:
                    s = self._settings
                    col = client.get_or_create_collection(
                        name,
                        embedding_function=None,  # chromadb's default would download a model
                        metadata={"kb": kb, "embedder": embedder},
                        configuration={
                            "hnsw": {
                                "space": "cosine",
                                "ef_construction": s.hnsw_ef_construction,
                                "ef_search": s.hnsw_ef_search,
                                "max_neighbors": s.hnsw_max_neighbors,
                            }
                        },
                    )
                else:
                    col = client.get_collection(name, embedding_function=None)
                self._collections[kb] = col
        recorded = (col.metadata or {}).get("embedder")
        if recorded and recorded != embedder:
            raise EmbedderMismatch(
                f"knowledge base {kb!r} was indexed with embedder {recorded!r}, but the configured embedder is"
                f" {embedder!r}. Rebuild it with: advisor kb rebuild {kb}"
            )
        return col

    def ids(self, kb: str, embedder: str) -> set[str]:
        col = self.collection(kb, embedder)
        out: set[str] = set()
        offset, page = 0, 5000
        while True:
            got = col.get(include=[], limit=page, offset=offset)["ids"]
            out.update(got)
            if len(got) < page:
                return out
            offset += page

    def count(self, kb: str, embedder: str) -> int:
        return int(self.collection(kb, embedder).count())

    def upsert(
        self,
        kb: str,
        embedder: str,
        ids: Sequence[str],
        vectors: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, str]],
    ) -> None:
        col = self.collection(kb, embedder)
        for start in range(0, len(ids), 1000):
            end = start + 1000
            col.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                documents=list(documents[start:end]),
                metadatas=list(metadatas[start:end]),
            )

    def delete(self, kb: str, embedder: str, ids: Sequence[str]) -> None:
        col = self.collection(kb, embedder)
        for start in range(0, len(ids), 1000):
            col.delete(ids=list(ids[start : start + 1000]))

    def query(
        self, kb: str, embedder: str, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        # No count() first: it costs ~5 ms at 100k chunks, and chromadb returns fewer hits when asked
        # for more than it holds.
        col = self.collection(kb, embedder)
        result = col.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where or None,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def drop(self, kb: str) -> None:
        with self._lock:
            self._collections.pop(kb, None)
            client = self._connect()
            try:
                client.delete_collection(collection_name(kb))
            except Exception as exc:
                # NotFoundError differs between embedded and server clients; a missing one is already dropped.
                if "does not exist" not in str(exc) and "not found" not in str(exc).lower():
                    raise

    def forget(self) -> None:
        """Drop cached handles, e.g. after the store folder was moved aside or deleted."""
        with self._lock:
            self._collections.clear()
            self._client = None
        if not self._settings.url:
            # chromadb keeps one engine per folder per process; a new client would reuse the stale one,
            # including one left half-open by a folder that failed to open.
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
