"""Which weights the default model runs: the packaged Q4_K_M against its one-time Q8_0 conversion.

Side by side in one run, on the advisor's real answer prompts (the in-house questions with their
retrieved, focused passages, both languages):
1. Prompt reading speed (tokens/s, the main cost of the time to first token) for each file.
2. Whether the conversion changes what the model says: next-token agreement and mean KL divergence of
   Q8_0 against Q4_K_M over every prompt position, and whether greedy answers (48 tokens) are identical.

    python -m bench.llm_quant [--questions 12]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from advisor.dialogue.context import focus_passages
from advisor.dialogue.prompts import build_messages
from advisor.models import QWEN_05B, assemble, requantized
from bench.common import bench_data_dir, percentiles, save
from bench.dialogue_kb import build
from bench.retrieval_kb import questions_all


def prompts(count: int) -> list[list[dict[str, str]]]:
    advisor = build()
    settings = advisor.settings
    rows = [r for r in questions_all() if r["kind"] == "answerable"]
    rows = [
        r for i, r in enumerate(sorted(rows, key=lambda r: r["id"])) if i % max(1, len(rows) // count) == 0
    ]
    out = []
    for row in rows[:count]:
        found = advisor.retriever.retrieve(row["question"], settings.retrieval.top_k, None, None)
        found = found[: settings.retrieval.llm_sources]
        focused = focus_passages(row["question"], [r.text for r in found], settings.retrieval.context_tokens)
        persona = advisor.prompts.persona(found[0].domain or "general", row["language"])
        messages = build_messages(
            advisor.prompts,
            persona,
            row["language"],
            row["question"],
            [(i, r.title, text) for i, (r, text) in enumerate(zip(found, focused, strict=False), start=1)],
            [],
        )
        out.append(
            [
                {"role": "system" if m.type == "system" else "user", "content": str(m.content)}
                for m in messages
            ]
        )
    return out


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def measure(path: str, chats: list[list[dict[str, str]]]) -> dict[str, Any]:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    llama = Llama(
        model_path=path, n_ctx=4096, n_threads=2, n_batch=512, flash_attn=True, logits_all=True, verbose=False
    )
    formatter = Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"], eos_token="<|im_end|>", bos_token=""
    )
    rates, logits, answers = [], [], []
    for chat in chats:
        text = formatter(messages=chat).prompt  # type: ignore[arg-type]
        tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        llama.reset()
        started = time.perf_counter()
        llama.eval(tokens)
        rates.append(len(tokens) / (time.perf_counter() - started))
        logits.append(np.array(llama.scores[: len(tokens)], dtype=np.float64))
        answer = llama.create_completion(tokens, max_tokens=48, temperature=0.0)
        answers.append(answer["choices"][0]["text"])  # type: ignore[index]
    return {"tokens_per_s": percentiles(rates), "logits": logits, "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=12)
    args = parser.parse_args()
    chats = prompts(args.questions)
    packaged = assemble(QWEN_05B, bench_data_dir("dialogue-kb") / "models")
    converted = requantized(packaged, "q8_0")
    base, fast = measure(str(packaged), chats), measure(str(converted), chats)
    agree, kl = [], []
    for a, b in zip(base["logits"], fast["logits"], strict=True):
        la, lb = _log_softmax(a), _log_softmax(b)
        agree.extend((a.argmax(-1) == b.argmax(-1)).tolist())
        kl.extend((np.exp(la) * (la - lb)).sum(-1).tolist())
    same = sum(x == y for x, y in zip(base["answers"], fast["answers"], strict=True))
    result = {
        "prompts": len(chats),
        "positions": len(agree),
        "q4_k_m_tokens_per_s": base["tokens_per_s"],
        "q8_0_tokens_per_s": fast["tokens_per_s"],
        "speedup_p50": round(fast["tokens_per_s"]["p50"] / base["tokens_per_s"]["p50"], 3),
        "next_token_agreement": round(statistics.mean(agree), 4),
        "mean_kl": round(statistics.mean(kl), 5),
        "identical_greedy_answers": same,
        "sizes_mb": {
            "q4_k_m": round(packaged.stat().st_size / 2**20),
            "q8_0": round(converted.stat().st_size / 2**20),
        },
    }
    print(result)
    save("llm_quant", result)


def report_section(result: dict[str, Any]) -> list[str]:
    return [
        f"The packaged Qwen2.5-Coder-0.5B-Instruct Q4_K_M ({result['sizes_mb']['q4_k_m']} MB) against its one-time "
        f"Q8_0 conversion ({result['sizes_mb']['q8_0']} MB), on {result['prompts']} real answer prompts (in-house "
        "questions with their focused passages, both languages), llama.cpp, 2 threads, flash attention:",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| prompt reading, Q4_K_M, tokens/s p50 | {result['q4_k_m_tokens_per_s']['p50']} |",
        f"| prompt reading, Q8_0, tokens/s p50 | {result['q8_0_tokens_per_s']['p50']} |",
        f"| speed-up (p50) | {result['speedup_p50']} |",
        f"| next-token agreement over {result['positions']} prompt positions | {result['next_token_agreement']} |",
        f"| mean KL divergence (Q4_K_M to Q8_0) | {result['mean_kl']} |",
        f"| identical greedy answers (48 tokens) | {result['identical_greedy_answers']} of {result['prompts']} |",
    ]


if __name__ == "__main__":
    main()
