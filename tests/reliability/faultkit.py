"""Helpers shared by the bad-input and fault tests: run a turn, check it ended cleanly, count threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from advisor.dialogue.advisor import Advisor
from advisor.events import Event, Notice, TextDelta, TurnEnd

# A question the shipped health knowledge base answers, and a reply the guard accepts for it.
SALT_QUESTION = "成年人每天吃多少盐合适？"
SALT_REPLY = "成年人每天食盐不超过5克。[1]"


@dataclass
class Turn:
    events: list[Event]
    seconds: float
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def end(self) -> TurnEnd:
        last = self.events[-1]
        assert isinstance(last, TurnEnd), f"the turn did not end with TurnEnd: {last!r}"
        return last

    @property
    def shown(self) -> str:
        """The text a user sees, built from the deltas exactly as the page builds it."""
        text = ""
        for event in self.events:
            if isinstance(event, TextDelta):
                text = event.text if event.replace else text + event.text
        return text

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.events if isinstance(e, kind)]


def run_turn(advisor: Advisor, question: str = "", **kwargs: object) -> Turn:
    started = time.perf_counter()
    events = list(advisor.turn(question, **kwargs))  # type: ignore[arg-type]
    turn = Turn(events, time.perf_counter() - started)
    for event in events:
        if isinstance(event, Notice):
            (turn.errors if event.level == "error" else turn.warnings).append(event.message)
    turn.end  # noqa: B018 - asserts the turn ended
    return turn


def still_answers(advisor: Advisor) -> Turn:
    """The next ordinary question after a failure gets a grounded answer from the shipped knowledge."""
    turn = run_turn(advisor, SALT_QUESTION)
    assert turn.end.answer and not turn.errors, turn.events
    assert turn.end.grounded, turn.end
    return turn


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def live_threads(ignore: Iterable[threading.Thread] = ()) -> list[threading.Thread]:
    skip = set(ignore)
    return [t for t in threading.enumerate() if t.is_alive() and t not in skip]


def wait_for_threads(before: Iterable[threading.Thread], budget_s: float = 10.0) -> list[threading.Thread]:
    """Threads started since `before` that are still alive after `budget_s`: a hung worker if any."""
    known = set(before)
    deadline = time.monotonic() + budget_s
    while True:
        extra = [t for t in live_threads() if t not in known and not t.daemon]
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.05)
