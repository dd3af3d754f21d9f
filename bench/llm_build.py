"""What portability and crash containment cost: the portable llama.cpp build against a native one, and
the model in its worker process against the model in the caller's process.

1. Build: prompt reading and generation tokens/s of the portable x86-64-v3 wheel (`make setup`) and of a
   wheel compiled natively for this CPU (`--native-python`: a venv holding it, e.g. made by
   `CMAKE_ARGS=-DGGML_NATIVE=ON pip wheel llama-cpp-python==0.3.36`), on the advisor's real answer
   prompts, for the default Q8_0 file and the packaged Q4_K_M. Rounds alternate the builds.
2. Boundary: time to first token and tokens/s of streamed answers through `SupervisedChatModel` (worker
   process, JSON lines over a pipe) and `LlamaCppChatModel` (in process), alternating per prompt.

    python -m bench.llm_build [--native-python PATH] [--questions 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from advisor.config import REPO_ROOT
from advisor.llm import stream_text
from advisor.llm.cpu import build_features
from advisor.llm.llamacpp import LlamaCppChatModel
from advisor.llm.supervised import SupervisedChatModel
from advisor.models import QWEN_05B, assemble, requantized
from bench.common import bench_data_dir, percentiles, save
from bench.llm_quant import prompts


def _chat_text(model_path: str, chats: list[list[dict[str, str]]]) -> list[str]:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    llama = Llama(model_path=model_path, n_ctx=256, vocab_only=True, verbose=False)
    formatter = Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"], eos_token="<|im_end|>", bos_token=""
    )
    return [formatter(messages=chat).prompt for chat in chats]  # type: ignore[arg-type]


def _speed(python: str, model: Path, prompts_file: Path) -> dict[str, Any]:
    done = subprocess.run(
        [python, str(REPO_ROOT / "bench" / "llama_speed.py"), str(model), str(prompts_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def compare_builds(
    native_python: str, models: dict[str, Path], texts: list[str], rounds: int
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(texts, fh, ensure_ascii=False)
    prompts_file = Path(fh.name)
    builds = {"portable": sys.executable, "native": native_python}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {b: {m: [] for m in models} for b in builds}
    for _ in range(rounds):
        for weights, path in models.items():
            for build, python in builds.items():
                runs[build][weights].append(_speed(python, path, prompts_file))
    out: dict[str, Any] = {"builds": {}, "ratios": {}}
    for build in builds:
        first = runs[build][next(iter(models))][0]
        out["builds"][build] = {"uses": sorted(build_features(first["system_info"]))}
        for weights in models:
            out["builds"][build][weights] = {
                key: round(statistics.median(r[key] for r in runs[build][weights]), 1)
                for key in ("prompt_tokens_per_s", "generation_tokens_per_s")
            }
    for weights in models:
        out["ratios"][weights] = {
            key: round(out["builds"]["portable"][weights][key] / out["builds"]["native"][weights][key], 3)
            for key in ("prompt_tokens_per_s", "generation_tokens_per_s")
        }
    return out


def _as_messages(chat: list[dict[str, str]]) -> list[BaseMessage]:
    return [
        SystemMessage(m["content"]) if m["role"] == "system" else HumanMessage(m["content"]) for m in chat
    ]


def _stream_once(model: Any, messages: list[BaseMessage]) -> tuple[float, float]:
    started = time.perf_counter()
    first, count = 0.0, 0
    for _ in stream_text(model, messages, max_tokens=64, temperature=0.0):
        count += 1
        if count == 1:
            first = time.perf_counter()
    end = time.perf_counter()
    rate = (count - 1) / (end - first) if count > 1 and end > first else 0.0
    return (first - started) * 1000, rate


def compare_boundary(model_path: Path, chats: list[list[dict[str, str]]], data_dir: Path) -> dict[str, Any]:
    local = LlamaCppChatModel(model_path=str(model_path))
    worker = SupervisedChatModel(
        spec={"model_path": str(model_path), "n_ctx": 4096, "n_threads": 2},
        log_path=str(data_dir / "logs" / "llm-worker.log"),
    )
    local.load()
    worker.load()
    for chat in chats:  # both read every system prompt once, as the app's warm-up does
        local.prefill(_as_messages(chat)[:1])
        worker.prefill(_as_messages(chat)[:1])
    samples: dict[str, dict[str, list[float]]] = {
        name: {"first_token_ms": [], "tokens_per_s": []} for name in ("in_process", "worker")
    }
    paired: dict[str, list[float]] = {"first_token_ms": [], "tokens_per_s": []}
    order = [("in_process", local), ("worker", worker)]
    # Each prompt twice, once in each order, so neither side always runs on a warmer cache; the ratio is
    # the median of per-prompt ratios, which cancels how long each prompt is.
    for chat in chats:
        for turn in (order, order[::-1]):
            got = {name: _stream_once(model, _as_messages(chat)) for name, model in turn}
            for name, (first, rate) in got.items():
                samples[name]["first_token_ms"].append(first)
                if rate:
                    samples[name]["tokens_per_s"].append(rate)
            paired["first_token_ms"].append(got["worker"][0] / got["in_process"][0])
            if got["worker"][1] and got["in_process"][1]:
                paired["tokens_per_s"].append(got["worker"][1] / got["in_process"][1])
    worker.close()
    out: dict[str, Any] = {name: {k: percentiles(v) for k, v in s.items()} for name, s in samples.items()}
    out["first_token_ratio_p50"] = round(statistics.median(paired["first_token_ms"]), 3)
    out["tokens_per_s_ratio_p50"] = round(statistics.median(paired["tokens_per_s"]), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--native-python", default="", help="a Python whose llama_cpp is a native build")
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    chats = prompts(args.questions)
    data_dir = bench_data_dir("llm-build")
    packaged = assemble(QWEN_05B, bench_data_dir("dialogue-kb") / "models")
    models = {"q8_0": requantized(packaged, "q8_0"), "q4_k_m": packaged}
    result: dict[str, Any] = {"questions": len(chats)}
    result["boundary"] = compare_boundary(models["q8_0"], chats, data_dir)
    print(json.dumps(result["boundary"], indent=1))
    if args.native_python:
        result["build"] = compare_builds(
            args.native_python, models, _chat_text(str(packaged), chats), args.rounds
        )
        print(json.dumps(result["build"], indent=1))
    save("llm_build", result)


def report_section(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    build = result.get("build")
    if build:
        lines += [
            "The portable llama.cpp wheel that `make setup` builds (x86-64-v3: AVX2, FMA, F16C, BMI2; no "
            "AVX-512, no AMX) against one compiled natively for this CPU, on "
            f"{result['questions']} real answer prompts, 2 threads (medians of alternating rounds):",
            "",
            "| weights | build | instruction sets | prompt reading, tokens/s | generation, tokens/s |",
            "| --- | --- | --- | --- | --- |",
        ]
        for weights in ("q8_0", "q4_k_m"):
            for name in ("portable", "native"):
                b = build["builds"][name]
                lines.append(
                    f"| {weights.upper()} | {name} | {' '.join(b['uses'])} | {b[weights]['prompt_tokens_per_s']} "
                    f"| {b[weights]['generation_tokens_per_s']} |"
                )
            r = build["ratios"][weights]
            lines.append(
                f"| {weights.upper()} | portable / native | | {r['prompt_tokens_per_s']} | {r['generation_tokens_per_s']} |"
            )
        lines += [
            "",
            "Where the portable build loses more than 10%, the reason: llama.cpp's K-quant (Q4_K) dot "
            "products have AVX-512 VNNI/VBMI kernels that x86-64-v3 lacks, so prompt reading (bound by "
            "arithmetic) slows; generation is bound by memory and barely moves. The advisor's default "
            "weights are Q8_0. `make LLAMA_CMAKE_ARGS=-DGGML_NATIVE=ON` builds for one machine's CPU.",
            "",
        ]
    b = result["boundary"]
    lines += [
        "The model in its supervised worker process against the same model in the caller's process "
        "(streamed answers of up to 64 tokens; each prompt once in each order; ratios are medians of "
        "per-prompt ratios):",
        "",
        "| measure | in process | worker process | worker / in process |",
        "| --- | --- | --- | --- |",
        f"| time to first token p50, ms | {b['in_process']['first_token_ms']['p50']} | "
        f"{b['worker']['first_token_ms']['p50']} | {b['first_token_ratio_p50']} |",
        f"| generation p50, tokens/s | {b['in_process']['tokens_per_s']['p50']} | "
        f"{b['worker']['tokens_per_s']['p50']} | {b['tokens_per_s_ratio_p50']} |",
    ]
    return lines


if __name__ == "__main__":
    main()
