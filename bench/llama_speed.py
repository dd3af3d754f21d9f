"""Prompt reading and generation speed of whichever llama.cpp build this interpreter imports.

Run as a script by bench/llm_build.py, once per build (a second venv holds the other build), so it
imports nothing but llama.cpp and the standard library:

    python bench/llama_speed.py MODEL.gguf PROMPTS.json   # prints one JSON line
"""

from __future__ import annotations

import json
import statistics
import sys
import time

GENERATED = 64


def main() -> None:
    import llama_cpp
    from llama_cpp import Llama

    model, prompts_file = sys.argv[1], sys.argv[2]
    with open(prompts_file, encoding="utf-8") as fh:
        prompts = json.load(fh)
    llama = Llama(model_path=model, n_ctx=4096, n_threads=2, n_batch=512, flash_attn=True, verbose=False)
    reading, writing = [], []
    for text in prompts:
        tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        llama.reset()
        started = time.perf_counter()
        llama.eval(tokens)
        reading.append(len(tokens) / (time.perf_counter() - started))
        # Generation is one token at a time whatever the token is: feed the same one, no EOS to stop it.
        step = tokens[-1:]
        started = time.perf_counter()
        for _ in range(GENERATED):
            llama.eval(step)
        writing.append(GENERATED / (time.perf_counter() - started))
    print(
        json.dumps(
            {
                "system_info": llama_cpp.llama_print_system_info().decode("utf-8", "replace"),
                "prompt_tokens_per_s": round(statistics.median(reading), 1),
                "generation_tokens_per_s": round(statistics.median(writing), 1),
                "prompts": len(prompts),
            }
        )
    )


if __name__ == "__main__":
    main()
