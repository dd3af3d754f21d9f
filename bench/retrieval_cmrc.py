"""Retrieval quality on CMRC 2018: recall@1/5/10 and MRR@10 for dense, BM25 and hybrid, side by side.

Every passage is ingested as a document; a question is a hit at rank r when the r-th retrieved chunk
contains one of its gold answers. Fusion parameters are tuned on `trial` and reported on `dev`.

    python -m bench.retrieval_cmrc [--split dev|trial] [--tune]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

from advisor.config import Settings
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.retriever import Candidates, HybridRetriever, fuse
from advisor.knowledge.text import clean_text
from bench.common import SHARED, bench_data_dir, save

CANDIDATES = 50


def load_split(split: str) -> tuple[list[dict], list[dict]]:
    raw = json.loads((SHARED / "eval" / "cmrc2018" / f"cmrc2018_{split}.json").read_text())
    passages, questions = [], []
    for article in raw["data"]:
        for paragraph in article["paragraphs"]:
            passages.append(
                {"id": paragraph["id"], "title": article.get("title", ""), "text": paragraph["context"]}
            )
            for qa in paragraph["qas"]:
                answers = sorted({clean_text(a["text"]).strip() for a in qa["answers"] if a["text"].strip()})
                questions.append({"question": qa["question"], "answers": answers})
    return passages, questions


def build(split: str, passages: list[dict]) -> KnowledgeLibrary:
    data = bench_data_dir(f"cmrc-{split}")
    folder = data / "passages"
    folder.mkdir(exist_ok=True)
    for p in passages:
        target = folder / f"{p['id']}.txt"
        body = f"---\ntitle: {json.dumps(p['title'], ensure_ascii=False)}\nlanguage: zh\n---\n{p['text']}\n"
        if not target.exists() or target.read_text() != body:
            target.write_text(body)
    library = KnowledgeLibrary(Settings(data_dir=data / "index"))
    started = time.perf_counter()
    report = ingest(library, [folder], "cmrc", sync=True, progress=_progress)
    print(f"\ningested {split}: {report.chunks_added} new chunks in {time.perf_counter() - started:.0f}s")
    return library


def _progress(stage: str, done: int, total: int) -> None:
    if total and (done % 200 == 0 or done == total):
        print(f"\r{stage} {done}/{total}", end="", flush=True)


def rankings(
    library: KnowledgeLibrary, questions: list[dict]
) -> tuple[list[list], list[list], list[list], dict]:
    """Each retriever's top CANDIDATES for every question, so fusion can be tuned without re-querying."""
    retriever = HybridRetriever(library)
    dense, sparse, reranked = [], [], []
    for i, q in enumerate(questions):
        candidates = retriever.candidates(q["question"], CANDIDATES, ["cmrc"]).get("zh", Candidates())
        dense.append(candidates.dense)
        sparse.append(candidates.bm25)
        # What the advisor gets: fusion, then the heading/title rerank of the best few.
        reranked.append([(r.kb, r.id) for r in retriever.retrieve(q["question"], 10, ["cmrc"])])
        if i % 500 == 0:
            print(f"\rquerying {i}/{len(questions)}", end="", flush=True)
    texts = {
        r.id: r.text
        for r in library.catalog.hydrate([("cmrc", c) for c in library.catalog.chunk_ids("cmrc")]).values()
    }
    print()
    return dense, sparse, reranked, texts


def metrics(ranked: list[list], questions: list[dict], texts: dict[str, str]) -> dict[str, float]:
    hits = {1: 0, 5: 0, 10: 0}
    reciprocal = 0.0
    for ranking, q in zip(ranked, questions, strict=True):
        rank = next(
            (
                r
                for r, (_, cid) in enumerate(ranking[:10], start=1)
                if any(a in texts[cid] for a in q["answers"])
            ),
            None,
        )
        if rank is None:
            continue
        reciprocal += 1.0 / rank
        for k in hits:
            hits[k] += rank <= k
    n = len(questions)
    return {
        "recall@1": hits[1] / n,
        "recall@5": hits[5] / n,
        "recall@10": hits[10] / n,
        "mrr@10": reciprocal / n,
    }


def fused(dense: list[list], sparse: list[list], k: int, wd: float, wb: float) -> list[list]:
    return [[key for key, _ in fuse([(wd, d), (wb, s)], k)] for d, s in zip(dense, sparse, strict=True)]


def tune(dense: list[list], sparse: list[list], questions: list[dict], texts: dict[str, str]) -> dict:
    best: tuple[float, dict] = (-1.0, {})
    for k, wb in itertools.product((2, 5, 10, 20, 30, 60), (0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0)):
        m = metrics(fused(dense, sparse, k, 1.0, wb), questions, texts)
        score = m["recall@1"] + m["mrr@10"]
        if score > best[0]:
            best = (score, {"rrf_k": k, "dense_weight": 1.0, "bm25_weight": wb, **m})
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--tune", action="store_true", help="search fusion parameters on this split")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (every passage)")
    args = parser.parse_args()
    passages, questions = load_split(args.split)
    if args.limit:
        questions = questions[: args.limit]
    library = build(args.split, passages)
    dense, sparse, reranked, texts = rankings(library, questions)
    settings = library.settings.retrieval
    results = {
        "dense": metrics(dense, questions, texts),
        "bm25": metrics(sparse, questions, texts),
        "hybrid": metrics(
            fused(dense, sparse, settings.rrf_k, settings.dense_weight, settings.bm25_weight),
            questions,
            texts,
        ),
        "hybrid+rerank": metrics(reranked, questions, texts),
    }
    payload = {
        "split": args.split,
        "passages": len(passages),
        "questions": len(questions),
        "chunks": len(texts),
        "chunk_tokens": settings.chunk_tokens,
        "embedder": library.embedder.name,
        "fusion": {
            "rrf_k": settings.rrf_k,
            "dense_weight": settings.dense_weight,
            "bm25_weight": settings.bm25_weight,
        },
        "results": {m: {k: round(v, 4) for k, v in r.items()} for m, r in results.items()},
    }
    if args.tune:
        payload["tuned"] = tune(dense, sparse, questions, texts)
    for mode, r in payload["results"].items():
        print(f"{mode:7s} " + "  ".join(f"{k} {v:.4f}" for k, v in r.items()))
    if args.tune:
        print("tuned:", payload["tuned"])
    name = f"retrieval_cmrc_{args.split}" + (f"_first{args.limit}" if args.limit else "")
    print("saved", save(name, payload))


if __name__ == "__main__":
    main()
