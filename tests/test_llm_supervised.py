"""llama.cpp in its supervised worker process, on the real packaged model: tokens stream across the
process boundary, and a native crash (SIGSEGV sent to the worker) ends one request, not the caller."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from advisor.config import Settings
from advisor.llm import LLMCrashed, LLMUnavailable, create_llm, stream_text
from advisor.llm.supervised import SupervisedChatModel

pytestmark = pytest.mark.slow

LONG = [HumanMessage("Write a long story, at least 400 words, about a lighthouse keeper and a storm.")]


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupervisedChatModel]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("worker"))
    model = create_llm(settings)
    assert isinstance(model, SupervisedChatModel)
    model.load()
    yield model
    model.close()


def crash(pid: int | None) -> None:
    assert pid is not None
    os.kill(pid, signal.SIGSEGV)


def wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_answers_stream_from_the_worker_process(worker: SupervisedChatModel) -> None:
    messages = [
        SystemMessage("只根据资料回答，用简体中文，一句话。"),
        HumanMessage("【资料】[1] 成人每天食盐不超过5克。\n\n【问题】成年人每天最多吃多少克盐？"),
    ]
    pieces = list(stream_text(worker, messages, temperature=0.0))
    assert len(pieces) > 2 and "5" in "".join(pieces)
    assert worker.pid is not None and worker.pid != os.getpid()
    assert worker.model_path.endswith(".q8_0.gguf")  # converted once, in the worker
    assert "AVX2" in worker.build or "avx2" not in Path("/proc/cpuinfo").read_text()
    assert worker.count_tokens("hello world") >= 2


def test_the_native_log_stays_out_of_the_callers_output(worker: SupervisedChatModel, capfd: Any) -> None:
    list(stream_text(worker, [HumanMessage("Say OK.")], max_tokens=4))
    out, err = capfd.readouterr()
    assert "llama" not in out + err and "ggml" not in out + err


def test_a_crash_mid_answer_ends_that_answer_and_the_next_one_is_answered(
    worker: SupervisedChatModel,
) -> None:
    before = worker.pid
    stream = stream_text(worker, LONG, temperature=0.0)
    received = [next(stream), next(stream)]  # the answer is under way ...
    crash(worker.pid)  # ... when the worker dies of a segmentation fault
    with pytest.raises(LLMCrashed, match="SIGSEGV"):
        for piece in stream:
            received.append(piece)
    assert len(received) < 60, "the answer stopped with the worker"
    assert "SIGSEGV" in worker.last_crash and "answering" in worker.last_crash
    assert "".join(stream_text(worker, [HumanMessage("Say OK.")], max_tokens=8)).strip()
    assert worker.pid not in (None, before)
    assert worker.crashes_in_a_row == 0  # an answer came through: the count starts again


def test_a_crash_while_reading_a_system_prompt_is_survived_too(worker: SupervisedChatModel) -> None:
    wait_for(lambda: worker.pid is not None)
    pid = worker.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # held still, so the crash lands inside the prefill
    failure: list[BaseException] = []

    def warm() -> None:
        try:
            worker.prefill([SystemMessage("Rules: answer from the sources. " * 20)])
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=warm)
    thread.start()
    time.sleep(0.3)
    os.kill(pid, signal.SIGSEGV)
    os.kill(pid, signal.SIGCONT)
    thread.join(60)
    assert failure and isinstance(failure[0], LLMCrashed), failure
    assert "system prompt" in worker.last_crash
    assert "".join(stream_text(worker, [HumanMessage("Say OK.")], max_tokens=8)).strip()


def test_stopping_early_cancels_the_generation_in_the_worker(worker: SupervisedChatModel) -> None:
    list(stream_text(worker, LONG, max_tokens=300, temperature=0.0))
    assert worker.last_tokens >= 200  # the whole answer is long ...
    stream = stream_text(worker, LONG, max_tokens=300, temperature=0.0)
    next(stream)
    stream.close()
    assert worker.last_tokens < 150, "... but stopped between two tokens once nobody reads it"
    assert "".join(stream_text(worker, [HumanMessage("Say OK.")], max_tokens=8)).strip()


def test_a_worker_that_crashes_again_and_again_is_given_up_with_the_reason(tmp_path: Path) -> None:
    model = create_llm(Settings(data_dir=tmp_path))
    assert isinstance(model, SupervisedChatModel)
    model.max_crashes = 2
    try:
        for _ in range(2):  # two answers in a row die under way: no answer comes through between them
            stream = stream_text(model, LONG)
            next(stream)
            crash(model.pid)
            with pytest.raises(LLMCrashed):
                list(stream)
        with pytest.raises(LLMUnavailable, match=r"2 times in a row.*advisor doctor"):
            list(stream_text(model, [HumanMessage("Say OK.")]))
    finally:
        model.close()


def test_a_worker_that_died_between_questions_is_replaced_for_the_next(worker: SupervisedChatModel) -> None:
    wait_for(lambda: worker.pid is not None)
    crash(worker.pid)
    wait_for(lambda: worker.pid is None)
    assert "".join(stream_text(worker, [HumanMessage("Say OK.")], max_tokens=8)).strip()
    assert "idle" in worker.last_crash


def test_a_model_file_that_cannot_load_is_an_error_not_a_crash(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file" * 100)
    model = create_llm(Settings(data_dir=tmp_path, llm={"model": str(bogus)}))
    with pytest.raises(LLMUnavailable, match="could not load") as caught:
        model.load()  # type: ignore[attr-defined]
    assert not isinstance(caught.value, LLMCrashed)
