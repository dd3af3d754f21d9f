"""A bounded load on 127.0.0.1: 5, 25 and 50 simultaneous sessions, each its own gradio_client, asking the
chat endpoint at once; then the 50 again, to compare the server's memory between two identical batches.

The app runs in its own process with the scripted chat model (tests/reliability/loadserver.py): the real
model at 50 sessions would take far too long for `make test`. The chat answers one question at a time
(concurrency limit 1) with up to ui.app.QUEUE_SIZE waiting, so a crowd must get Gradio's queue-full
answer, never a crash or a hang. Latency is reported, never asserted.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from gradio_client.utils import QueueError

from advisor.config import REPO_ROOT
from ui.app import QUEUE_SIZE
from ui.owner import new_token

pytestmark = pytest.mark.slow
Record = Callable[..., None]
HERE = Path(__file__).resolve().parent
QUESTION = "How much does a Riverside Library card cost?"
EXPECTED = "12 dollars"
HANG_S = 600  # a generous bound for a hung request, never a measure


@dataclass
class Batch:
    size: int
    answered: list[float] = field(default_factory=list)  # seconds, submit to final answer
    queue_full: int = 0
    errors: list[str] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.answered)
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    def summary(self) -> str:
        return (
            f"{self.size}: {len(self.answered)} answered (p50 {statistics.median(self.answered):.1f} s, "
            f"p95 {self.percentile(0.95):.1f} s), {self.queue_full} queue-full"
        )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def app_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    root = tmp_path_factory.mktemp("load")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env["ADVISOR_CONFIG_FILE"] = str(root / "no-config.toml")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    process = subprocess.Popen(
        [sys.executable, str(HERE / "loadserver.py"), str(root)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # blocks until the app serves (or the process dies)
        assert url.startswith("http://127.0.0.1:"), f"the app did not start (exit {process.poll()})"
        yield url, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_batch(url: str, size: int) -> Batch:
    """`size` sessions (clients made first, not timed) submit at the same moment and wait for the end."""
    clients = [Client(url, verbose=False) for _ in range(size)]
    batch = Batch(size)
    start = threading.Barrier(size)
    lock = threading.Lock()

    def session(client: Client) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            job = client.submit(
                {"text": QUESTION, "files": []},
                [],
                None,
                "general",
                [],
                False,
                "en",
                new_token(),
                api_name="/chat",
            )
            final = job.result(timeout=HANG_S)
            text = str(final[0])
            with lock:
                if EXPECTED in text:
                    batch.answered.append(time.perf_counter() - began)
                else:
                    batch.errors.append(f"unexpected answer: {text[:200]}")
        except QueueError:
            with lock:
                batch.queue_full += 1
        except AppError as exc:  # Gradio's own busy answer, if it arrives as an app error
            with lock:
                if "queue is full" in str(exc).lower() or "busy" in str(exc).lower():
                    batch.queue_full += 1
                else:
                    batch.errors.append(f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            with lock:
                batch.errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=session, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG_S + 60)
        assert not thread.is_alive(), "a session hung"
    for client in clients:
        client.close()
    return batch


def test_simultaneous_sessions_get_answers_or_queue_full(
    app_process: tuple[str, int], reliability: Record
) -> None:
    url, pid = app_process
    batches = [run_batch(url, size) for size in (5, 25, 50)]
    before = rss_mb(pid)
    again = run_batch(url, 50)
    after = rss_mb(pid)
    for batch in [*batches, again]:
        assert batch.errors == [], batch.errors
        assert len(batch.answered) + batch.queue_full == batch.size
        assert len(batch.answered) >= min(batch.size, QUEUE_SIZE), (
            batch.summary()
        )  # the queue takes its share
    assert batches[0].queue_full == 0, "5 sessions fit in the queue"
    assert batches[2].queue_full > 0 and again.queue_full > 0, "50 at once must overflow a queue of 16"
    # The server still answers a lone question after the crowd.
    assert run_batch(url, 1).answered
    growth = after - before
    assert growth < max(64.0, 0.1 * before), f"RSS grew {growth:.0f} MB between two identical batches of 50"
    reliability(
        "Load",
        "5, 25 and 50 simultaneous sessions (one gradio_client each) asking the chat at once on 127.0.0.1, "
        f"then 50 again; scripted chat model (about 1 s an answer), not the real LLM; queue max_size "
        f"{QUEUE_SIZE}, one answer at a time",
        sum(b.size for b in batches) + again.size,
        "; ".join(b.summary() for b in [*batches, again])
        + f"; no crash, no hang, no other error; server RSS {before:.0f} MB then {after:.0f} MB "
        f"({growth:+.0f} MB) across the two batches of 50",
    )
