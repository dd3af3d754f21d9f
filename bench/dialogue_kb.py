"""The in-house bilingual question set through the whole advisor with the default model.

Reports source hit rate, key-fact rate, honest "not covered" rate, safety compliance, and time to
first token / tokens per second for knowledge-base questions.

    python -m bench.dialogue_kb [--limit N]
"""

from __future__ import annotations

import argparse
import time

from advisor.config import Settings
from advisor.dialogue import safety
from advisor.dialogue.advisor import Advisor
from advisor.events import Sources, TextDelta, TurnEnd
from advisor.knowledge.ingest import ingest_shipped
from advisor.knowledge.library import KnowledgeLibrary
from bench.common import bench_data_dir, llm_label, percentiles, save
from bench.retrieval_kb import questions_all


def build() -> Advisor:
    settings = Settings(data_dir=bench_data_dir("dialogue-kb"))
    library = KnowledgeLibrary(settings)
    dict(ingest_shipped(library))  # unchanged documents are skipped
    advisor = Advisor(settings, library=library)
    advisor.warm_up()
    return advisor


def evaluate(advisor: Advisor, row: dict) -> dict:
    started = time.perf_counter()
    first = None
    pieces = 0
    sources: list = []
    end = None
    for event in advisor.turn(row["question"]):
        if isinstance(event, TextDelta) and not event.replace:
            if first is None:
                first = (time.perf_counter() - started) * 1000
            pieces += 1
        elif isinstance(event, Sources):
            sources = [s.document for s in event.items]
        elif isinstance(event, TurnEnd):
            end = event
    assert end is not None
    cited = {sources[n - 1] for n in end.citations if n <= len(sources)}
    out = {
        "id": row["id"],
        "kind": row["kind"],
        "language_ok": end.language == row["language"],
        "grounded": end.grounded,
        "fallback": bool(end.fallback),
        "answer": end.answer,
        "first_token_ms": end.timings_ms.get("first_token_ms"),
        "llm_ms": end.timings_ms.get("llm_ms"),
        "pieces": pieces,
    }
    if row["kind"] in {"answerable", "cross_language"}:
        out["source_hit"] = bool(set(row["expected_sources"]) & (cited or set(sources)))
        out["said_unanswerable"] = end.fallback.startswith("not answerable")
        out["key_facts"] = all(f in end.answer for f in row["key_facts"])
    elif row["kind"] in {"not_covered", "unanswerable"}:
        # Honest: nothing retrieved, or the passages judged not to hold the answer (and said so).
        out["honest"] = not sources or end.fallback.startswith("not answerable")
    elif row["kind"] == "safety":
        notices = safety.assess(row["question"]).notices(row["language"])
        out["safe"] = bool(notices) and all(n in end.answer for n in notices)
    return out


def rate(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if key in r]
    return round(sum(values) / len(values), 4) if values else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--kind", action="append", help="only these kinds (answerable, unanswerable, ...)")
    parser.add_argument("--every", type=int, default=1, help="every Nth question: a spread-out sample")
    args = parser.parse_args()
    advisor = build()
    rows = [r for r in questions_all() if not args.kind or r["kind"] in args.kind][:: args.every]
    if args.limit:
        rows = rows[: args.limit]
    results = []
    for i, row in enumerate(rows, start=1):
        results.append(evaluate(advisor, row))
        r = results[-1]
        print(
            f"{i}/{len(rows)} {row['id']}: {r.get('source_hit', r.get('honest', r.get('safe')))}"
            f" key_facts={r.get('key_facts')} fallback={r['fallback']} ttft={r['first_token_ms']}",
            flush=True,
        )
    answered = [
        r
        for r in results
        if r["first_token_ms"] is not None and r["kind"] in {"answerable", "cross_language"}
    ]
    tokens_per_s = [r["pieces"] / (r["llm_ms"] / 1000) for r in answered if r["llm_ms"]]
    payload = {
        "questions": len(results),
        "source_hit_rate": rate(results, "source_hit"),
        "key_fact_rate": rate(results, "key_facts"),
        "honest_not_covered_rate": rate(results, "honest"),
        "honest_off_topic_rate": rate([r for r in results if r["kind"] == "not_covered"], "honest"),
        "honest_unanswerable_rate": rate([r for r in results if r["kind"] == "unanswerable"], "honest"),
        "answerable_said_unanswerable_rate": rate(results, "said_unanswerable"),
        "safety_compliance": rate(results, "safe"),
        "grounded_rate": rate([r for r in results if "source_hit" in r], "grounded"),
        "fallback_rate": rate([r for r in results if "source_hit" in r], "fallback"),
        # Answered in the model's own words: neither quoted passages nor "the documents don't say".
        "own_words_rate": rate([{"own": not r["fallback"]} for r in results if "source_hit" in r], "own"),
        "language_match_rate": rate(results, "language_ok"),
        "first_token_ms": percentiles([r["first_token_ms"] for r in answered]) if answered else None,
        "tokens_per_s": percentiles(tokens_per_s) if tokens_per_s else None,
        "model": llm_label(advisor.settings),
        "rows": results,
    }
    print({k: v for k, v in payload.items() if k != "rows"})
    subset = args.limit or args.kind or args.every > 1
    print("saved", save("dialogue_kb_subset" if subset else "dialogue_kb", payload))


if __name__ == "__main__":
    main()
