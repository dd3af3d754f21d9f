"""A native crash of the language model, seen from the web page (headless Chromium, real default model).

The model runs in a supervised worker process; the test sends it SIGSEGV, as a bad instruction in
llama.cpp would, once while it reads the system prompts at start-up and once in the middle of a streamed
answer. The page must stay connected, the crashed turn must end with a plain message and the quoted
sources, the next question must be answered by the model, and no conversation may be lost.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from e2e.appserver import Server, build_library, make_settings, start
from e2e.chatpage import ChatPage
from playwright.sync_api import expect

from advisor.dialogue.advisor import Advisor
from advisor.llm.supervised import SupervisedChatModel
from ui.app import _warm_up

pytestmark = pytest.mark.slow
OpenPage = Callable[..., ChatPage]
QUOTED = ("From the knowledge base:", "根据知识库资料：")


class CrashOn:
    """Sends the worker SIGSEGV the first time a reply of the kind `when` picks passes the supervisor."""

    def __init__(self, model: SupervisedChatModel, when: Callable[[dict[str, Any], str], bool]) -> None:
        self.model, self.when, self.killed = model, when, 0
        self.original = model._replies

        def replies(process: Any, rid: int, during: str) -> Iterator[dict[str, Any]]:
            if not self.killed and self.when({}, during):
                self.crash(process.pid)
            for reply in self.original(process, rid, during):
                if not self.killed and self.when(reply, during):
                    self.crash(process.pid)
                yield reply

        object.__setattr__(model, "_replies", replies)

    def crash(self, pid: int) -> None:
        self.killed = pid
        os.kill(pid, signal.SIGSEGV)

    def remove(self) -> None:
        self.model.__dict__.pop("_replies", None)


def wait_for(condition: Callable[[], object], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def crashing(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, SupervisedChatModel, CrashOn]]:
    """The app on the real default model, whose worker dies while warm-up reads the first system prompt."""
    root = tmp_path_factory.mktemp("e2e-crash")
    settings = make_settings(root)
    advisor = Advisor(settings, library=build_library(settings, root / "docs"))
    model = advisor.llm()
    assert isinstance(model, SupervisedChatModel)
    at_warm_up = CrashOn(model, lambda reply, during: during == "reading a system prompt")
    server = start(settings, advisor)
    # The warm-up `advisor serve` starts beside the page: it reads every advisor's system prompt.
    threading.Thread(target=_warm_up, args=(advisor,), daemon=True).start()
    yield server, model, at_warm_up
    at_warm_up.remove()
    server.close()
    model.close()


def answer_bubbles(page: ChatPage) -> list[str]:
    expect(page.page.locator("#chatbot")).not_to_contain_text("Loading content")
    texts = page.page.locator("#chatbot .message.bot").all_inner_texts()
    return [t.strip() for t in texts if not t.lstrip().startswith(("📚", "🖼️"))]


def test_a_crash_during_warm_up_leaves_the_page_answering(
    crashing: tuple[Server, SupervisedChatModel, CrashOn], open_page: OpenPage
) -> None:
    server, model, at_warm_up = crashing
    wait_for(lambda: at_warm_up.killed)
    at_warm_up.remove()
    wait_for(lambda: "system prompt" in model.last_crash)
    assert "SIGSEGV" in model.last_crash
    page = open_page(server, "zh-CN").open()
    page.ask("星河小区的访客可以免费停车多久？")
    page.wait_idle()
    answer = answer_bubbles(page)[-1]
    assert "3" in answer and not answer.startswith(QUOTED), answer  # the model's own answer
    assert model.crashes_in_a_row == 0 and model.pid not in (None, at_warm_up.killed)
    page.tab("状态")
    expect(page.page.locator("#status")).to_contain_text("曾意外退出并已自动重启")
    page.shot("status-after-warm-up-crash")


def test_a_crash_mid_answer_ends_that_turn_only(
    crashing: tuple[Server, SupervisedChatModel, CrashOn], open_page: OpenPage
) -> None:
    server, model, _ = crashing
    page = open_page(server, "en-US").open()
    mid_answer = CrashOn(model, lambda reply, during: "token" in reply)  # right after the first token
    try:
        page.ask("How much does a Riverside Library card cost per year?")
        page.wait_idle()
    finally:
        mid_answer.remove()
    assert mid_answer.killed
    *_, notice, crashed = answer_bubbles(page)  # the notice, then the answer: the quoted sources
    assert "stopped unexpectedly" in notice and crashed.startswith("From the knowledge base:"), (
        notice,
        crashed,
    )
    assert "12" in crashed, crashed  # the sources quoted
    assert "answering" in model.last_crash and "SIGSEGV" in model.last_crash
    page.shot("crashed-turn")

    page.ask("How many books can members borrow at a time?")
    page.wait_idle()
    answers = answer_bubbles(page)
    assert "8" in answers[-1] and "stopped unexpectedly" not in answers[-1], answers
    assert model.crashes_in_a_row == 0  # the model itself answered
    expect(page.page.locator("body")).not_to_contain_text("Connection to the server was lost")
    expect(page.page.locator("#chatbot .message.user")).to_have_count(2)  # one conversation, both turns
    expect(page.page.locator("#conversations")).to_contain_text("Riverside Library card c")
    page.page.reload()
    expect(page.page.locator("#advisor-title.ready")).to_be_visible()
    conversation = page.page.locator("#conversations label").filter(has_text="Riverside Library card c")
    conversation.first.click()
    expect(page.page.locator("#chatbot .message.user")).to_have_count(2)  # kept, both turns
    page.shot("after-crash")
