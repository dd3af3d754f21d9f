"""The language model's worker process dying of a native crash (SIGSEGV, as a bad instruction in llama.cpp
would): in the middle of an answer, while warm-up reads the system prompts, and again and again. The turn
ends with a plain message in the user's language and the sources quoted; the next one is answered."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from faultkit import SALT_QUESTION, has_cjk, run_turn

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Sources, TextDelta
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.supervised import SupervisedChatModel

pytestmark = pytest.mark.slow
CRASH_ZH = "语言模型进程意外退出"
CRASH_EN = "stopped unexpectedly"


@pytest.fixture
def advisor(shipped: KnowledgeLibrary, tmp_path: Path) -> Iterator[Advisor]:
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped)
    yield advisor
    model = advisor.stages.llm.engine
    if isinstance(model, SupervisedChatModel):
        model.close()


def supervised(advisor: Advisor) -> SupervisedChatModel:
    model = advisor.llm()
    assert isinstance(model, SupervisedChatModel)
    return model


def crash_when(model: SupervisedChatModel, when: Callable[[dict[str, Any], str], bool]) -> list[int]:
    """SIGSEGV to the worker the first time `when(reply, during)` holds; returns the killed pids."""
    killed: list[int] = []
    original = model._replies

    def kill(pid: int) -> None:
        killed.append(pid)
        os.kill(pid, signal.SIGSEGV)

    def replies(process: Any, rid: int, during: str) -> Iterator[dict[str, Any]]:
        if not killed and when({}, during):  # right after the request was sent
            kill(process.pid)
        for reply in original(process, rid, during):
            if not killed and when(reply, during):
                kill(process.pid)
            yield reply

    object.__setattr__(model, "_replies", replies)
    return killed


def test_a_crash_mid_answer_ends_the_turn_with_the_sources_and_the_next_is_answered(
    advisor: Advisor, reliability: Any
) -> None:
    model = supervised(advisor)
    cases = 0
    for question, crashed_text in ((SALT_QUESTION, CRASH_ZH), ("How much sleep do adults need?", CRASH_EN)):
        killed = crash_when(model, lambda reply, during: "token" in reply)
        turn = run_turn(advisor, question)
        model.__dict__.pop("_replies", None)
        assert killed, "the worker was killed after its first token"
        assert any(crashed_text in w for w in turn.warnings), turn.warnings
        assert turn.end.fallback.startswith("llm crashed") and turn.end.grounded, turn.end
        assert turn.of(Sources)[0].items and turn.end.citations
        assert has_cjk(turn.end.answer) == (crashed_text == CRASH_ZH)
        assert any(isinstance(e, TextDelta) and e.replace for e in turn.events)  # the partial text replaced
        following = run_turn(advisor, question)
        assert not following.warnings and following.end.fallback != "llm crashed", following.end
        assert model.crashes_in_a_row == 0 and model.pid not in (None, killed[0])
        cases += 1
    reliability(
        "Faults",
        "The LLM worker process killed by SIGSEGV after its first token (zh and en)",
        cases=cases,
        result="each turn ended with a notice in its language and the sources quoted; the worker was "
        "started again and the next question was answered by the model",
    )


def test_a_crash_during_warm_up_is_survived(advisor: Advisor, reliability: Any) -> None:
    model = supervised(advisor)
    killed = crash_when(model, lambda reply, during: during == "reading a system prompt")
    # Warm-up reads the system prompts; the worker dies right after it was sent the first one.
    started = threading.Thread(target=advisor.warm_up)
    started.start()
    started.join(120)
    model.__dict__.pop("_replies", None)
    assert killed and "system prompt" in model.last_crash and "SIGSEGV" in model.last_crash
    turn = run_turn(advisor, SALT_QUESTION)
    assert not turn.warnings and turn.end.fallback != "llm crashed", turn.end
    assert model.crashes_in_a_row == 0
    reliability(
        "Faults",
        "The LLM worker process killed by SIGSEGV while warm-up reads the system prompts",
        cases=1,
        result="warm-up stopped; the worker was started again and the next question was answered by the model",
    )


def test_a_worker_that_keeps_crashing_is_given_up_and_turns_still_end(
    advisor: Advisor, reliability: Any
) -> None:
    model = supervised(advisor)
    model.max_crashes = 2
    warnings = []
    for _ in range(2):
        killed = crash_when(model, lambda reply, during: "token" in reply)
        turn = run_turn(advisor, "How much sleep do adults need?")
        model.__dict__.pop("_replies", None)
        assert killed and turn.end.grounded
        warnings += turn.warnings
    last = run_turn(advisor, "How much sleep do adults need?")
    assert model.pid is None, "no worker is started again"
    assert last.end.grounded and any("not started again" in w for w in last.warnings), last.warnings
    assert model.health()[0] == "off"
    reliability(
        "Faults",
        "The LLM worker process crashing on every answer",
        cases=3,
        result="two turns ended with the crash notice and quoted sources; then the model was given up with "
        "the reason (status panel: unavailable) and later turns quoted the sources at once",
    )
