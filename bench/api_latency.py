"""The OpenAI-compatible API against the same turn in-process: time to first text, and concurrent streams.

    python -m bench.api_latency [--questions 4] [--streams 1 4 8]

Over the shipped knowledge bases with the default stack (e5, Qwen2.5 0.5B in its llama.cpp worker), warm:

1. The same answerable questions (half Chinese, half English) asked in-process (`Advisor.turn`) and through
   the API (the official `openai` SDK, `stream=True`, against uvicorn on 127.0.0.1). In-process, the first
   token is the first `TextDelta` and the first checked text the first `Sentence` the guard passed; the
   API streams only checked text, so its first content chunk is compared with both. Each pass runs over
   every question before the next, so llama.cpp's prompt cache never holds a question for the other pass.
2. 1, 4 and 8 streams at once through the API (distinct questions): each stream's first content and
   complete answer, the wall time, and how many failed. The model answers one question at a time (one
   worker process), so the streams queue for it: this measures that the API queues and answers them all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from typing import Any

from advisor.config import APISettings
from advisor.dialogue.advisor import Advisor
from advisor.events import Sentence, TextDelta, TurnEnd
from bench.common import percentiles, save
from bench.dialogue_kb import build
from bench.turn_latency import pick_questions


def in_process(advisor: Advisor, question: str) -> dict[str, float]:
    started = time.perf_counter()
    out: dict[str, float] = {}
    for event in advisor.turn(question):
        now = (time.perf_counter() - started) * 1000
        if isinstance(event, TextDelta) and "first_token_ms" not in out:
            out["first_token_ms"] = now
        elif isinstance(event, Sentence) and "first_checked_ms" not in out:
            out["first_checked_ms"] = now
        elif isinstance(event, TurnEnd):
            out["complete_ms"] = now
    return out


def through_api(client: Any, question: str) -> dict[str, float]:
    started = time.perf_counter()
    out: dict[str, float] = {}
    text = ""
    for chunk in client.chat.completions.create(
        model="advisor", messages=[{"role": "user", "content": question}], stream=True
    ):
        piece = chunk.choices[0].delta.content if chunk.choices else None
        if piece and "first_content_ms" not in out:
            out["first_content_ms"] = (time.perf_counter() - started) * 1000
        text += piece or ""
    out["complete_ms"] = (time.perf_counter() - started) * 1000
    if not text.strip():
        raise RuntimeError("empty answer")
    return out


def concurrent(client: Any, questions: list[str], streams: int) -> dict[str, Any]:
    results: list[dict[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(question: str) -> None:
        try:
            timing = through_api(client, question)
            with lock:
                results.append(timing)
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(questions[i % len(questions)],)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = (time.perf_counter() - started) * 1000
    return {
        "streams": streams,
        "errors": len(errors),
        "error_messages": errors[:3],
        "wall_ms": round(wall, 1),
        "first_content_ms": percentiles([r["first_content_ms"] for r in results]) if results else None,
        "complete_ms": percentiles([r["complete_ms"] for r in results]) if results else None,
    }


def start_api(advisor: Advisor) -> tuple[str, Any, threading.Thread]:
    """The API on a free 127.0.0.1 port, served by uvicorn in a thread: (base URL, server, thread)."""
    import socket

    import uvicorn

    from advisor.api.app import create_api

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_api(advisor.settings, advisor, bind_host="127.0.0.1")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/v1", server, thread


def main() -> None:
    import openai

    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=4)
    parser.add_argument("--streams", type=int, nargs="*", default=[1, 4, 8])
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]  # another process on the same cores inflates every time here
    advisor = build()  # shipped knowledge bases, default stack, warmed up
    advisor.settings.api = APISettings(requests_per_minute=10_000, concurrent_requests=64)
    url, server, thread = start_api(advisor)
    client = openai.OpenAI(base_url=url, api_key="local", max_retries=0, timeout=600)
    rows = pick_questions(max(args.questions, max(args.streams)))
    asked = [r["question"] for r in rows[: args.questions]]
    try:
        local = []
        for question in asked:
            local.append(in_process(advisor, question))
            print("in-process", {k: round(v) for k, v in local[-1].items()}, flush=True)
        remote = []
        for question in asked:
            remote.append(through_api(client, question))
            print("api", {k: round(v) for k, v in remote[-1].items()}, flush=True)
        loads = []
        for streams in args.streams:
            loads.append(concurrent(client, [r["question"] for r in rows], streams))
            print("concurrent", loads[-1], flush=True)
    finally:
        server.should_exit = True
        thread.join(10)
    ratio = statistics.median(r["first_content_ms"] for r in remote) / statistics.median(
        r["first_checked_ms"] for r in local
    )
    save(
        "api_latency",
        {
            "questions": len(asked),
            "in_process": {
                key: percentiles([r[key] for r in local])
                for key in ("first_token_ms", "first_checked_ms", "complete_ms")
            },
            "api": {
                key: percentiles([r[key] for r in remote]) for key in ("first_content_ms", "complete_ms")
            },
            "api_first_content_over_in_process_first_checked": round(ratio, 3),
            "concurrent": loads,
            "load_average": {"start": round(load_at_start, 2), "end": round(os.getloadavg()[0], 2)},
        },
    )


def report_section(result: dict[str, Any]) -> list[str]:
    local, remote = result["in_process"], result["api"]
    rows = [
        "| concurrent streams | errors | wall ms | first content p50 / p95 ms | complete p50 / p95 ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for load in result["concurrent"]:
        first, done = load["first_content_ms"] or {}, load["complete_ms"] or {}
        rows.append(
            f"| {load['streams']} | {load['errors']} | {load['wall_ms']} | {first.get('p50')} / "
            f"{first.get('p95')} | {done.get('p50')} / {done.get('p95')} |"
        )
    return [
        f"{result['questions']} answerable questions (half Chinese, half English) over the shipped knowledge "
        "bases, warm, default stack; the API through the official `openai` SDK (streamed) against uvicorn "
        "on 127.0.0.1. The API streams only text the guard has passed, so its first content is compared "
        "with the in-process first checked sentence.",
        "",
        "| measure | p50 ms | p95 ms |",
        "| --- | --- | --- |",
        f"| in-process: first token | {local['first_token_ms']['p50']} | {local['first_token_ms']['p95']} |",
        f"| in-process: first checked sentence | {local['first_checked_ms']['p50']} | "
        f"{local['first_checked_ms']['p95']} |",
        f"| API: first content chunk | {remote['first_content_ms']['p50']} | {remote['first_content_ms']['p95']} |",
        f"| in-process: complete answer | {local['complete_ms']['p50']} | {local['complete_ms']['p95']} |",
        f"| API: complete answer | {remote['complete_ms']['p50']} | {remote['complete_ms']['p95']} |",
        "",
        f"API first content / in-process first checked sentence (medians): "
        f"**{result['api_first_content_over_in_process_first_checked']}**.",
        "",
        *(
            [
                f"Load average (1 min) at the start / end of the run: {result['load_average']['start']} / "
                f"{result['load_average']['end']} (above 2 on two cores: other work shared them).",
                "",
            ]
            if "load_average" in result
            else []
        ),
        *([f"_{result['conditions']}_", ""] if result.get("conditions") else []),
        "Concurrent streams through the API (the model answers one at a time, so they queue):",
        "",
        *rows,
    ]


if __name__ == "__main__":
    main()
