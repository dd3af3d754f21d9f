"""Query latency at 1k, 10k and 100k chunks, ingestion throughput, and HNSW recall against exact search.

Embedding 100k chunks with the real model would take hours on two cores, so the large corpus is built
from the real CMRC 2018 dev chunks: texts are recombined from their sentences (BM25 sees real Chinese)
and vectors are real chunk embeddings plus small noise, which makes many near-duplicates, the case where
approximate search loses recall. Queries are real questions embedded by the real model, so every figure
includes embedding the query. Ingestion throughput is measured on real documents with the real model.

    python -m bench.retrieval_latency [--sizes 1000,10000,100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import time
from collections.abc import Sequence

import numpy as np

from advisor.config import Settings
from advisor.embeddings.e5 import E5SmallEmbedder
from advisor.knowledge.catalog import DocumentRecord
from advisor.knowledge.chunking import Chunk
from advisor.knowledge.ingest import ingest_shipped
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.retriever import HybridRetriever
from advisor.knowledge.text import detect_language, tokenize
from bench.common import bench_data_dir, percentiles, save
from bench.retrieval_cmrc import build, load_split

CHUNKS_PER_DOC = 10


class PrecomputedEmbedder(E5SmallEmbedder):
    """The real e5 for queries; documents take vectors prepared by the benchmark."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.vectors = vectors

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def synthetic_corpus(size: int, seed_texts: list[str], seed_vectors: np.ndarray, rng: random.Random):
    sentences = [s for t in seed_texts for s in re.split(r"(?<=[。！？])", t) if len(s) > 8]
    noise = np.random.default_rng(7)
    for i in range(size):
        base = rng.randrange(len(seed_texts))
        text = "".join(rng.sample(sentences, 4)) + seed_texts[base][:80] + f"（第{i}号）"
        vector = seed_vectors[base] + noise.normal(0, 0.02, seed_vectors.shape[1]).astype(np.float32)
        yield text, vector / np.linalg.norm(vector)


def fill(library: KnowledgeLibrary, start: int, stop: int, corpus, embedder: PrecomputedEmbedder) -> None:
    for doc_start in range(start, stop, CHUNKS_PER_DOC):
        chunks, tokens = [], []
        for index in range(doc_start, min(doc_start + CHUNKS_PER_DOC, stop)):
            text, vector = next(corpus)
            cid = hashlib.sha256(text.encode()).hexdigest()[:32]
            chunk = Chunk(cid, text, "", index - doc_start, detect_language(text))
            embedder.vectors[chunk.indexed_text] = vector
            chunks.append(chunk)
            tokens.append(" ".join(tokenize(text)))
        key = f"synthetic/{doc_start // CHUNKS_PER_DOC}.txt"
        record = DocumentRecord("scale", key, key, key, ".txt", key, "zh", "", {}, len(chunks), 0.0)
        library.catalog.replace_document(record, chunks, tokens)


def exact_recall(library: KnowledgeLibrary, queries: list[np.ndarray], k: int = 10) -> float:
    rows = library.catalog.chunk_rows("scale")
    ids = [r[0] for r in rows]
    matrix = library.embed([r[2] for r in rows])
    name = library.embedder.name
    found = 0
    for q in queries:
        exact = {ids[i] for i in np.argsort(-(matrix @ q))[:k]}
        approx = {cid for cid, _ in library.store.query("scale", name, q, k)}
        found += len(exact & approx)
    return found / (k * len(queries))


def ingestion_throughput() -> dict:
    """Real documents, real embedder, empty store: chunks per second end to end."""

    data = bench_data_dir("ingest-throughput")
    shutil.rmtree(data, ignore_errors=True)
    library = KnowledgeLibrary(Settings(data_dir=data))
    started = time.perf_counter()
    chunks = 0
    for _, report in ingest_shipped(library):
        chunks += report.chunks_added
    seconds = time.perf_counter() - started
    return {"chunks": chunks, "seconds": round(seconds, 1), "chunks_per_s": round(chunks / seconds, 1)}


def measure(library: KnowledgeLibrary, asked: list[str], embedder: E5SmallEmbedder) -> dict:
    retriever = HybridRetriever(library)
    retriever.retrieve(asked[0], kbs=["scale"])  # first query builds (or loads) the BM25 index
    samples, stages = [], {"embed_ms": [], "dense_ms": [], "bm25_ms": []}
    for question in asked:
        t = time.perf_counter()
        retriever.retrieve(question, kbs=["scale"])
        samples.append((time.perf_counter() - t) * 1000)
        for stage in stages:
            stages[stage].append(getattr(retriever.last_timings, stage))
    vectors = [embedder.embed_query(q) for q in asked[:50]]
    return {
        "query_ms": percentiles(samples),
        "stages_ms": {stage: percentiles(v) for stage, v in stages.items()},
        "hnsw_recall@10_vs_exact": round(exact_recall(library, vectors), 4),
    }


def remeasure(queries: int) -> None:
    import json

    from bench.common import RESULTS_DIR

    previous = json.loads((RESULTS_DIR / "retrieval_latency.json").read_text())
    embedder = PrecomputedEmbedder({})
    library = KnowledgeLibrary(Settings(data_dir=bench_data_dir("latency")), embedder)
    size = library.catalog.kb_stats("scale")[1]
    _, questions = load_split("dev")
    asked = [q["question"] for q in random.Random(11).sample(questions, queries)]
    result = measure(library, asked, embedder)
    result["index_build_s"] = previous["sizes"].get(str(size), {}).get("index_build_s")
    result["remeasured"] = True
    previous["sizes"][str(size)] = result
    print(size, result)
    print(
        "saved",
        save(
            "retrieval_latency",
            {k: v for k, v in previous.items() if k not in {"benchmark", "command", "machine"}},
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--remeasure",
        action="store_true",
        help="query the largest store built by an earlier run again (e.g. on a quiet machine), keep the rest",
    )
    args = parser.parse_args()
    if args.remeasure:
        remeasure(args.queries)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    passages, questions = load_split("dev")
    seed = build("dev", passages)
    rows = seed.catalog.chunk_rows("cmrc")
    seed_vectors = seed.embed([r[2] for r in rows])
    seed_texts = [r[2] for r in rows]

    data = bench_data_dir("latency")
    shutil.rmtree(data, ignore_errors=True)
    embedder = PrecomputedEmbedder({})
    library = KnowledgeLibrary(Settings(data_dir=data), embedder)
    library.create("scale")
    rng = random.Random(11)
    corpus = synthetic_corpus(max(sizes), seed_texts, seed_vectors, rng)
    asked = [q["question"] for q in rng.sample(questions, args.queries)]
    results, filled = {}, 0
    for size in sizes:
        t = time.perf_counter()
        fill(library, filled, size, corpus, embedder)
        library.reconcile("scale")
        build_s = time.perf_counter() - t
        filled = size
        results[str(size)] = {**measure(library, asked, embedder), "index_build_s": round(build_s, 1)}
        print(size, results[str(size)])
    payload = {"sizes": results, "ingestion": ingestion_throughput(), "queries": args.queries}
    print(payload["ingestion"])
    print("saved", save("retrieval_latency", payload))


if __name__ == "__main__":
    main()
