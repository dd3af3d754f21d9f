"""Hybrid retrieval: dense (the vector store) and BM25 (jieba-segmented), fused by weighted reciprocal rank.

Dense finds the other language's documents and paraphrases; BM25 finds exact names and numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from advisor.knowledge.library import KnowledgeLibrary


@dataclass(frozen=True)
class RetrievedChunk:
    kb: str
    id: str
    doc_key: str  # the document's name in its knowledge base
    title: str
    heading: str
    text: str
    language: str
    domain: str
    source: str  # the public reference the document cites, or where it was ingested from
    score: float  # fused score; higher is better
    dense_rank: int | None = None  # 1-based rank in each retriever, None when it did not return the chunk
    bm25_rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kb": self.kb, "id": self.id, "document": self.doc_key, "title": self.title,
            "heading": self.heading, "text": self.text, "language": self.language, "domain": self.domain,
            "source": self.source, "score": round(self.score, 6),
            "dense_rank": self.dense_rank, "bm25_rank": self.bm25_rank,
        }


@dataclass
class RetrievalTimings:
    embed_ms: float = 0.0
    dense_ms: float = 0.0
    bm25_ms: float = 0.0
    total_ms: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(self, library: KnowledgeLibrary, mode: str = "hybrid") -> None:
        if mode not in {"hybrid", "dense", "bm25"}:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.library = library
        self.mode = mode
        self.last_timings = RetrievalTimings()

    def retrieve(
        self, query: str, k: int | None = None, kbs: list[str] | None = None, domains: list[str] | None = None
    ) -> list[RetrievedChunk]:
        settings = self.library.settings.retrieval
        k = k or settings.top_k
        n = max(settings.candidates, k)
        names = self.library.names() if kbs is None else kbs
        for name in names:
            self.library.require(name)
        timings = RetrievalTimings()
        started = time.perf_counter()
        dense: list[tuple[str, str]] = []
        if self.mode in {"hybrid", "dense"}:
            dense = self._dense(query, n, names, domains, timings)
        bm25: list[tuple[str, str]] = []
        if self.mode in {"hybrid", "bm25"}:
            t = time.perf_counter()
            bm25 = [(kb, cid) for kb, cid, _ in self.library.bm25.search(query, n, names, domains)]
            timings.bm25_ms = (time.perf_counter() - t) * 1000
        fused = fuse(dense, bm25, settings.rrf_k, settings.dense_weight, settings.bm25_weight)[:k]
        records = self.library.catalog.hydrate([key for key, _ in fused])
        dense_rank = {key: i + 1 for i, key in enumerate(dense)}
        bm25_rank = {key: i + 1 for i, key in enumerate(bm25)}
        out = []
        for key, score in fused:
            record = records.get(key)
            if record is None:  # the store is ahead of the catalog; reconcile will drop it
                continue
            out.append(
                RetrievedChunk(
                    record.kb, record.id, record.doc_key, record.title, record.heading, record.text,
                    record.language, record.domain, record.source, score, dense_rank.get(key), bm25_rank.get(key),
                )
            )
        timings.total_ms = (time.perf_counter() - started) * 1000
        self.last_timings = timings
        return out

    def _dense(
        self, query: str, n: int, kbs: list[str], domains: list[str] | None, timings: RetrievalTimings
    ) -> list[tuple[str, str]]:
        t = time.perf_counter()
        vector = self.library.embedder.embed_query(query)
        timings.embed_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        where = {"domain": {"$in": domains}} if domains else None
        hits: list[tuple[float, str, str]] = []
        name = self.library.embedder.name
        for kb in kbs:
            hits.extend((score, kb, cid) for cid, score in self.library.store.query(kb, name, vector, n, where))
        hits.sort(reverse=True)
        timings.dense_ms = (time.perf_counter() - t) * 1000
        return [(kb, cid) for _, kb, cid in hits[:n]]


def fuse(
    dense: list[tuple[str, str]], bm25: list[tuple[str, str]], k: int, dense_weight: float, bm25_weight: float
) -> list[tuple[tuple[str, str], float]]:
    """Weighted reciprocal rank fusion: score = sum of weight / (k + rank) over the retrievers."""
    scores: dict[tuple[str, str], float] = {}
    for weight, ranking in ((dense_weight, dense), (bm25_weight, bm25)):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)
