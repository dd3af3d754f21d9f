"""Render docs/BENCHMARKS.md from the JSON each benchmark saved. No figure is typed by hand."""

from __future__ import annotations

import json
import re
from typing import Any

from advisor.config import REPO_ROOT
from bench.common import RESULTS_DIR

TARGETS_CMRC = {"recall@1": 0.93, "recall@5": 0.985, "mrr@10": 0.955}


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _module_command(command: str) -> str:
    """Older results recorded the script path; show the module form they were run with."""
    return re.sub(r"^python\S* \S*/bench/(\w+)\.py", r"python -m bench.\1", command)


def _provenance(result: dict[str, Any]) -> str:
    m = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    return (
        f"_Run {m['date']} at commit `{m['commit']}` on {m['cpu']} ({m['cores']} cores), Python {m['python']};"
        f" {versions}. Command: `{_module_command(result['command'])}`._"
    )


def cmrc_section(split: str) -> list[str]:
    result = _load(f"retrieval_cmrc_{split}")
    if not result:
        return [f"_No CMRC {split} result yet: run `python -m bench.run --only retrieval_cmrc_{split}`._"]
    fusion = result["fusion"]
    lines = [
        f"{result['passages']} passages ({result['chunks']} chunks of about {result['chunk_tokens']} tokens),"
        f" {result['questions']} questions; embedder `{result['embedder']}`; fusion: RRF k={fusion['rrf_k']},"
        f" dense weight {fusion['dense_weight']}, BM25 weight {fusion['bm25_weight']}.",
        "",
        _row(["retriever", "recall@1", "recall@5", "recall@10", "MRR@10"]),
        _row(["---"] * 5),
    ]
    for mode, r in result["results"].items():
        lines.append(_row([mode, r["recall@1"], r["recall@5"], r["recall@10"], r["mrr@10"]]))
    if split == "dev":
        hybrid = result["results"]["hybrid"]
        checks = []
        for metric, target in TARGETS_CMRC.items():
            beats = all(hybrid[metric] > result["results"][m][metric] for m in ("dense", "bm25"))
            met = hybrid[metric] >= target
            checks.append(
                f"{metric} {hybrid[metric]} (target >= {target}: {'met' if met else 'NOT met'};"
                f" above both single retrievers: {'yes' if beats else 'no'})"
            )
        lines += ["", "Hybrid against the targets: " + "; ".join(checks) + "."]
    if "tuned" in result:
        t = result["tuned"]
        lines += [
            "",
            f"Best fusion found on this split: RRF k={t['rrf_k']}, BM25 weight {t['bm25_weight']}"
            f" (recall@1 {t['recall@1']:.4f}, recall@5 {t['recall@5']:.4f}, MRR@10 {t['mrr@10']:.4f}).",
        ]
    return [*lines, "", _provenance(result)]


def kb_section() -> list[str]:
    result = _load("retrieval_kb")
    if not result:
        return ["_No in-house result yet: run `python -m bench.run --only retrieval_kb`._"]
    lines = [
        f"{result['questions']} answerable questions (Chinese and English, some asked in the other language"
        " than their document); a hit is a chunk from an expected document.",
        "",
        _row(
            [
                "embedder / retriever",
                "all hit@1",
                "all hit@5",
                "all MRR@10",
                "same-language hit@5",
                "cross-language hit@5",
            ]
        ),
        _row(["---"] * 6),
    ]
    for name, groups in result["results"].items():
        a, s, c = groups["all"], groups["same_language"], groups["cross_language"]
        lines.append(_row([name, a["hit@1"], a["hit@5"], a["mrr@10"], s["hit@5"], c["hit@5"]]))
    return [*lines, "", _provenance(result)]


def latency_section() -> list[str]:
    result = _load("retrieval_latency")
    if not result:
        return ["_No latency result yet: run `python -m bench.run --only retrieval_latency`._"]
    lines = [
        f"Whole hybrid query (embedding the query, dense, BM25, fusion, fetching the chunks), {result['queries']}"
        " real questions per size. Targets at 100k chunks: p50 <= 20 ms, p95 <= 40 ms.",
        "",
        _row(
            [
                "chunks",
                "query p50 ms",
                "query p95 ms",
                "embed p50",
                "dense p50",
                "BM25 p50",
                "HNSW recall@10 vs exact",
                "index build s",
            ]
        ),
        _row(["---"] * 8),
    ]
    for size, r in result["sizes"].items():
        s = r["stages_ms"]
        lines.append(
            _row(
                [
                    f"{int(size):,}",
                    r["query_ms"]["p50"],
                    r["query_ms"]["p95"],
                    s["embed_ms"]["p50"],
                    s["dense_ms"]["p50"],
                    s["bm25_ms"]["p50"],
                    r["hnsw_recall@10_vs_exact"],
                    r["index_build_s"],
                ]
            )
        )
    ing = result["ingestion"]
    lines += [
        "",
        f"Ingestion of the shipped knowledge bases from scratch with the real embedder: {ing['chunks']}"
        f" chunks in {ing['seconds']} s, **{ing['chunks_per_s']} chunks/s** (embedding dominates).",
    ]
    return [*lines, "", _provenance(result)]


def dialogue_section() -> list[str]:
    lines: list[str] = []
    kb = _load("dialogue_kb")
    if kb:
        ttft, tps = kb.get("first_token_ms") or {}, kb.get("tokens_per_s") or {}
        lines += [
            f"In-house set, {kb['questions']} questions through the whole advisor with {kb['model']}:",
            "",
            _row(["measure", "value"]),
            _row(["---", "---"]),
            _row(
                [
                    "source hit rate (an expected document cited; among the sources when none is cited)",
                    kb["source_hit_rate"],
                ]
            ),
            _row(["key-fact rate (every key fact in the answer)", kb["key_fact_rate"]]),
            _row(["honest 'not covered' rate", kb["honest_not_covered_rate"]]),
            _row(["safety compliance (required notices present)", kb["safety_compliance"]]),
            _row(["grounded rate (answerable questions)", kb["grounded_rate"]]),
            _row(["answers replaced by quotes (guard or failure)", kb["fallback_rate"]]),
            _row(["reply language matches the question", kb["language_match_rate"]]),
            _row(["time to first token p50 / p95 ms", f"{ttft.get('p50')} / {ttft.get('p95')}"]),
            _row(["streamed pieces per second p50 / p95", f"{tps.get('p50')} / {tps.get('p95')}"]),
            "",
            _provenance(kb),
            "",
        ]
    cmrc = _load("dialogue_cmrc")
    if cmrc:
        lines += [
            f"CMRC 2018 dev, {cmrc['questions']} of {cmrc.get('planned', cmrc['questions'])} random questions, whole advisor with {cmrc['model']}: exact match"
            f" {cmrc['exact_match']}, character F1 {cmrc['f1']}, answers whose cited sources contain a gold answer"
            f" {cmrc['cited_sources_contain_gold']}, said not covered {cmrc['said_not_covered']}; time to first"
            f" token p50 {cmrc['first_token_ms']['p50']} ms, p95 {cmrc['first_token_ms']['p95']} ms.",
            "",
            _provenance(cmrc),
        ]
    lines += answer_runs_section()
    return lines or ["_No dialogue results yet: run `python -m bench.run --only dialogue_kb dialogue_cmrc`._"]


# Saved runs of `python -m bench.dialogue_kb` on parts of the in-house set, oldest first: what changed
# from one to the next is in each run's commit.
ANSWER_RUNS = (
    ("dialogue_kb_answerable", "before: answerable questions"),
    ("dialogue_kb_unanswerable", "before: unanswerable on-topic questions"),
    ("dialogue_kb_fast", "now, fast profile (0.5B, default): every 2nd question of three kinds"),
    ("dialogue_kb_quality", "now, quality profile (1.5B): the same questions"),
)


def answer_runs_section() -> list[str]:
    """The issue-15 measures of each saved run side by side (targets in the header)."""
    runs = [(name, label, result) for name, label in ANSWER_RUNS if (result := _load(name))]
    if not runs:
        return []
    lines = [
        "",
        "Answers on parts of the in-house set, run by run (targets: key fact >= 0.70, own words >= 0.85, "
        "honest on unanswerable >= 0.90, grounded 1.00, first token p50 <= 1.0 s on a quiet machine):",
        "",
        _row(
            [
                "run",
                "questions",
                "model",
                "key fact",
                "own words",
                "honest (unanswerable)",
                "grounded",
                "source hit",
                "first token p50 ms",
                "commit, date",
            ]
        ),
        _row(["---"] * 10),
    ]
    for _, label, r in runs:
        machine = r.get("machine", {})
        lines.append(
            _row(
                [
                    label,
                    r["questions"],
                    r.get("model", ""),
                    r.get("key_fact_rate"),
                    r.get("own_words_rate"),
                    r.get("honest_unanswerable_rate"),
                    r.get("grounded_rate"),
                    r.get("source_hit_rate"),
                    (r.get("first_token_ms") or {}).get("p50"),
                    f"`{machine.get('commit', '?')}`, {machine.get('date', '?')}",
                ]
            )
        )
    lines += [
        "",
        "These runs shared the machine's two cores with other work (tests, other benchmarks), so their times "
        "are several times a quiet machine's; compare the rates, and the times only within one run.",
    ]
    return lines


def extra_sections() -> list[str]:
    """Benchmarks of other stages (ASR, TTS, OCR, end to end) render their own key figures."""
    lines: list[str] = []
    from bench.ocr import report_section as ocr_section

    if _load("ocr"):
        lines += ["## Image text (OCR)", "", *ocr_section(), ""]
    from bench.image_kb import report_section as image_kb_section

    if _load("image_kb"):
        lines += ["## Images end to end: photographed documents and a question", "", *image_kb_section(), ""]
    from bench.asr import section as asr_section

    if _load("asr"):
        lines += ["## Speech recognition", "", *asr_section(_load("asr")), ""]
    from bench.asr_names import section as names_section

    if result := _load("asr_names"):
        lines += ["## Names of newly ingested documents, heard", "", *names_section(result)]
        lines += ["", _provenance(result), ""]
    from bench.llm_quant import report_section as quant_section

    if result := _load("llm_quant"):
        lines += ["## The default model's weights: packaged Q4_K_M and Q8_0", "", *quant_section(result)]
        lines += ["", _provenance(result), ""]
    from bench.llm_build import report_section as build_section

    if result := _load("llm_build"):
        lines += ["## The llama.cpp build and the model's worker process", "", *build_section(result)]
        lines += ["", _provenance(result), ""]
    from bench.turn_latency import report_section as turn_section

    if result := _load("turn_latency"):
        lines += [
            "## A whole turn: text and voice, streamed against the naive cascade",
            "",
            *turn_section(result),
        ]
        lines += ["", _provenance(result), ""]
    from bench.voice_latency import report_section as voice_section

    if result := _load("voice_latency"):
        lines += ["## Hands-free conversation: voice to voice, barge-in, echo", ""]
        lines += [*voice_section(result), "", _provenance(result), ""]
    from bench.transport import report_section as transport_section

    if result := _load("transport"):
        lines += ["## The microphone's way to the server: the page's WebSocket and Gradio's `.stream`", ""]
        lines += [*transport_section(result), "", _provenance(result), ""]
    from bench.app import report_section as app_section

    if result := _load("app"):
        lines += [
            "## The running app: cold start, memory, simultaneous conversations",
            "",
            *app_section(result),
        ]
        lines += ["", _provenance(result), ""]
    from bench.api_latency import report_section as api_section

    if result := _load("api_latency"):
        lines += ["## The OpenAI-compatible API: first text and concurrent streams", "", *api_section(result)]
        lines += ["", _provenance(result), ""]
    from bench.voice_soak import report_section as soak_section

    if result := _load("voice_soak"):
        lines += ["## Memory over a long hands-free conversation", "", *soak_section(result)]
        lines += ["", _provenance(result), ""]
    for name, title in (("tts", "Speech synthesis"),):
        result = _load(name)
        if not result:
            continue
        figures = {k: v for k, v in result.items() if k not in {"benchmark", "command", "machine", "rows"}}
        lines += [
            f"## {title}",
            "",
            "```json",
            json.dumps(figures, ensure_ascii=False, indent=2),
            "```",
            "",
            _provenance(result),
            "",
        ]
    return lines


def write_report() -> str:
    parts = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bench.run`) from `docs/benchmarks/*.json`; do not edit by hand.",
        "",
        "## Retrieval quality: CMRC 2018 dev (reported)",
        "",
        *cmrc_section("dev"),
        "",
        "## Retrieval quality: CMRC 2018 trial (tuning split)",
        "",
        *cmrc_section("trial"),
        "",
        "## Retrieval quality: in-house bilingual questions over the shipped knowledge bases",
        "",
        *kb_section(),
        "",
        "## Retrieval latency and ingestion throughput",
        "",
        *latency_section(),
        "",
        "## Answers: grounding, safety and speed of the dialogue core",
        "",
        *dialogue_section(),
        "",
        *extra_sections(),
    ]
    path = REPO_ROOT / "docs" / "BENCHMARKS.md"
    path.write_text("\n".join(parts))
    return str(path)
