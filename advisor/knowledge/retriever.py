"""Hybrid retrieval: dense (the vector store) and BM25 (jieba-segmented), fused by weighted reciprocal rank.

Dense finds the other language's documents and paraphrases; BM25 finds exact names and numbers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.config import RetrievalSettings
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.rerank import HeadingReranker
from advisor.knowledge.store import EmbedderMismatch, StoreUnavailable
from advisor.knowledge.text import detect_language

Ranking = list[tuple[str, str]]  # (knowledge base, chunk id), best first


@dataclass
class Candidates:
    """One language's rankings from each retriever, before fusion."""

    dense: Ranking = field(default_factory=list)
    bm25: Ranking = field(default_factory=list)
    similarity: dict[tuple[str, str], float] = field(default_factory=dict)  # dense cosine per chunk


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
    similarity: float | None = None  # cosine between query and chunk, when dense search returned it

    def as_dict(self) -> dict[str, Any]:
        return {
            "kb": self.kb,
            "id": self.id,
            "document": self.doc_key,
            "title": self.title,
            "heading": self.heading,
            "text": self.text,
            "language": self.language,
            "domain": self.domain,
            "source": self.source,
            "score": round(self.score, 6),
            "dense_rank": self.dense_rank,
            "bm25_rank": self.bm25_rank,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
        }


@dataclass
class RetrievalTimings:
    embed_ms: float = 0.0
    dense_ms: float = 0.0
    bm25_ms: float = 0.0
    total_ms: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


RECENT_RESULTS = 8


class HybridRetriever:
    def __init__(self, library: KnowledgeLibrary, mode: str = "hybrid") -> None:
        if mode not in {"hybrid", "dense", "bm25"}:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.library = library
        self.mode = mode
        self.last_timings = RetrievalTimings()
        self.reranker = HeadingReranker(library.embedder, library.settings.retrieval)
        # The last few results, by query and the catalog's generation: a question read ahead while it
        # was spoken (Advisor.read_ahead) is not retrieved a second time when its turn comes.
        self._recent: OrderedDict[tuple[object, ...], list[RetrievedChunk]] = OrderedDict()
        self._recent_lock = threading.Lock()

    def candidates(
        self,
        query: str,
        n: int,
        kbs: list[str],
        domains: list[str] | None = None,
        vector: np.ndarray | None = None,
    ) -> dict[str, Candidates]:
        """Each retriever's ranking before fusion, per chunk language (`vector`: the query's, if known)."""
        timings = RetrievalTimings()
        out: dict[str, Candidates] = {}
        if self.mode in {"hybrid", "dense"}:
            if vector is None:
                t = time.perf_counter()
                vector = self.library.embedder.embed_query(query)
                timings.embed_ms = (time.perf_counter() - t) * 1000
            for language, (ranking, similarity) in self._dense(vector, n, kbs, domains, timings).items():
                out[language] = Candidates(dense=ranking, similarity=similarity)
        if self.mode in {"hybrid", "bm25"}:
            t = time.perf_counter()
            for kb, cid, _, language in self.library.bm25.search(query, n, kbs, domains):
                out.setdefault(language, Candidates()).bm25.append((kb, cid))
            timings.bm25_ms = (time.perf_counter() - t) * 1000
        self.last_timings = timings
        return out

    def retrieve(
        self, query: str, k: int | None = None, kbs: list[str] | None = None, domains: list[str] | None = None
    ) -> list[RetrievedChunk]:
        settings = self.library.settings.retrieval
        k = k or settings.top_k
        names = self.library.names() if kbs is None else kbs
        for name in names:
            self.library.require(name)
        key = (query, k, tuple(names), tuple(domains or ()), self.library.catalog.generation())
        with self._recent_lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                self.last_timings = RetrievalTimings()
                return list(self._recent[key])
        out = self._retrieve(query, k, names, domains)
        if self.mode != "bm25" and not any(r.similarity is not None for r in out):
            return out  # degraded (the vector store failed): not remembered, the next search tries again
        with self._recent_lock:
            self._recent[key] = out
            while len(self._recent) > RECENT_RESULTS:
                self._recent.popitem(last=False)
        return list(out)

    def _retrieve(
        self, query: str, k: int, names: list[str], domains: list[str] | None
    ) -> list[RetrievedChunk]:
        settings = self.library.settings.retrieval
        self.library.ensure_index(names)
        started = time.perf_counter()
        t = time.perf_counter()
        vector = self.library.embedder.embed_query(query) if self.mode != "bm25" else None
        embed_ms = (time.perf_counter() - t) * 1000
        per_language = self.candidates(query, max(settings.candidates, k), names, domains, vector)
        self.last_timings.embed_ms = embed_ms
        fused = fuse_languages(per_language, detect_language(query), settings)[
            : max(k, settings.rerank_depth if vector is not None else 0)
        ]
        records = self.library.catalog.hydrate([key for key, _ in fused])
        dense_rank = {key: i + 1 for c in per_language.values() for i, key in enumerate(c.dense)}
        bm25_rank = {key: i + 1 for c in per_language.values() for i, key in enumerate(c.bm25)}
        similarity = {key: v for c in per_language.values() for key, v in c.similarity.items()}
        out = []
        for key, score in fused:
            record = records.get(key)
            if record is None:  # the store is ahead of the catalog; reconcile will drop it
                continue
            out.append(
                RetrievedChunk(
                    record.kb,
                    record.id,
                    record.doc_key,
                    record.title,
                    record.heading,
                    record.text,
                    record.language,
                    record.domain,
                    record.source,
                    score,
                    dense_rank.get(key),
                    bm25_rank.get(key),
                    similarity.get(key),
                )
            )
        if vector is not None and settings.rerank_depth and self.reranker.applies:
            out = self.reranker.rerank(vector, out, detect_language(query))
        self.last_timings.total_ms = (time.perf_counter() - started) * 1000
        return out[:k]

    def _dense(
        self, vector: np.ndarray, n: int, kbs: list[str], domains: list[str] | None, timings: RetrievalTimings
    ) -> dict[str, tuple[Ranking, dict[tuple[str, str], float]]]:
        """One ranking per chunk language, with each chunk's cosine similarity.

        multilingual-e5-small scores same-language text well above a translation of it, so a single
        ranking buries the other language's answer. Ranking each language on its own puts the best
        English passage of a Chinese question at the top of its own list, and fusion does the rest.
        """
        t = time.perf_counter()
        where = {"domain": {"$in": domains}} if domains else None
        hits: list[tuple[float, str, str, str]] = []
        name = self.library.embedder.name
        language_of = self.library.bm25.languages()
        for kb in kbs:
            for cid, score in self._query(kb, name, vector, n * 3, where):
                hits.append((score, language_of.get((kb, cid), ""), kb, cid))
        hits.sort(reverse=True)
        by_language: dict[str, tuple[Ranking, dict[tuple[str, str], float]]] = {}
        for score, language, kb, cid in hits:
            ranking, similarity = by_language.setdefault(language, ([], {}))
            if len(ranking) < n:
                ranking.append((kb, cid))
                similarity[(kb, cid)] = score
        timings.dense_ms = (time.perf_counter() - t) * 1000
        return by_language

    def _query(
        self, kb: str, embedder: str, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """A vector search; a store that fails it (damaged files) is repaired from the catalog, then asked again."""
        try:
            return self.library.store.query(kb, embedder, vector, n, where)
        except (EmbedderMismatch, StoreUnavailable):
            raise
        except Exception:
            self.library.repair(kb)
            return self.library.store.query(kb, embedder, vector, n, where)


def fuse_languages(
    per_language: dict[str, Candidates], query_language: str, settings: RetrievalSettings
) -> list[tuple[tuple[str, str], float]]:
    """Hybrid within each language, then the languages interleaved, the query's own first.

    Same-language chunks are favoured by both retrievers, so one flat fusion would bury the other
    language's best answer; fusing per language first gives it its own top rank.
    """
    best = {language: max(c.similarity.values(), default=0.0) for language, c in per_language.items()}
    own = best.get(query_language, 0.0)
    # Another language competes only when its best passage is close to the question's own language's
    # best; otherwise its top chunks would displace clearly better same-language ones.
    floor = own - settings.language_margin - settings.other_language_bonus
    per_language = {
        language: c
        for language, c in per_language.items()
        if language == query_language or not c.similarity or best[language] >= floor
    }
    within = {
        language: [
            key
            for key, _ in fuse(
                [(settings.dense_weight, c.dense), (settings.bm25_weight, c.bm25)], settings.rrf_k
            )
        ]
        for language, c in per_language.items()
    }
    return fuse(
        [
            (1.0 if language == query_language else settings.other_language_weight, ranking)
            for language, ranking in within.items()
        ],
        settings.language_rrf_k,
    )


def fuse(rankings: list[tuple[float, Ranking]], k: int) -> list[tuple[tuple[str, str], float]]:
    """Weighted reciprocal rank fusion: score = sum of weight / (k + rank) over the rankings."""
    scores: dict[tuple[str, str], float] = {}
    for weight, ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)
