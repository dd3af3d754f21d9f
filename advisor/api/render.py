"""A turn's events as an OpenAI completion: the text a client may see, and the `advisor` extension field.

The page can take back what it showed (the guard drops a sentence and the answer is redrawn); a stream of
chat-completion chunks cannot. So the API streams only text the guard has passed: a `TextDelta` is held
until the `Sentence` events that cover it arrive (the guard emits those once it has checked them), and is
then sent. A sentence the guard drops is never sent; what replaces it follows. When the turn gives up on
the model's answer after sending some of it and quotes the sources instead, the quotes follow after a
blank line (what was sent had been checked sentence by sentence). The text at the end equals the turn's
answer except in that last case; the extension's `answer` is always the turn's own.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from advisor import citations
from advisor.events import Event, ImageText, Notice, Sentence, Sources, TextDelta, Transcript, TurnEnd
from advisor.knowledge.chunking import estimate_tokens

_WORDY = re.compile(r"\w")


class CheckedText:
    """Feeds on a turn's events; `feed` returns the text that may now be sent."""

    def __init__(self) -> None:
        self.buffer = ""  # the answer as the turn shows it now
        self.pos = 0  # how much of `buffer` has been sent
        self.pending: deque[str] = deque()  # sentences the guard passed, not yet found in `buffer`
        self.replaced = False  # the turn started over after part of its answer had been sent

    def feed(self, event: Event) -> str:
        if isinstance(event, TextDelta):
            return self._text(event)
        if isinstance(event, Sentence):
            self.pending.append(event.text.strip())
            return self._advance()
        return ""

    def finish(self, answer: str) -> str:
        """Everything not sent yet of the final answer."""
        out = self._text(TextDelta(answer, replace=True)) if answer != self.buffer else ""
        out += self.buffer[self.pos :]
        self.pos = len(self.buffer)
        self.pending.clear()
        return out

    def _text(self, delta: TextDelta) -> str:
        if not delta.replace:
            self.buffer += delta.text
            return self._advance()
        sent, self.buffer = self.buffer[: self.pos], delta.text
        if self.buffer.startswith(sent):
            return self._advance()
        # What was sent is not the start of the new answer: keep the paragraphs both share, then go on
        # from there after a blank line.
        common = _common_start(sent, self.buffer)
        self.pos = common.rfind("\n") + 1
        self.replaced = True
        return "\n\n" + self._advance()

    def _advance(self) -> str:
        start = self.pos
        while self.pending:
            sentence = self.pending[0]
            if not sentence:
                self.pending.popleft()
                continue
            found = self.buffer.find(sentence, self.pos)
            if found < 0 or _WORDY.search(citations.strip(self.buffer[self.pos : found])):
                break  # not streamed yet, or text the guard has not passed lies before it
            self.pos = found + len(sentence)
            self.pending.popleft()
        return self.buffer[start : self.pos]


@dataclass
class Limits:
    """`max_tokens` and `stop` applied to what is sent; `finish_reason` says which one ended it."""

    max_tokens: int | None = None
    stops: list[str] = field(default_factory=list)
    sent: str = ""
    held: str = ""  # the tail that might be the start of a stop sequence
    finish_reason: str | None = None  # set once the answer must end here

    def take(self, text: str) -> str:
        """The part of `text` to send now."""
        if self.finish_reason:
            return ""
        text = self.held + text
        self.held = ""
        for stop in self.stops:
            at = text.find(stop)
            if at >= 0:
                text, self.finish_reason = text[:at], "stop"
        if not self.finish_reason and self.stops:
            keep = _partial_stop(text, self.stops)
            text, self.held = text[: len(text) - keep], text[len(text) - keep :]
        if self.max_tokens is not None and estimate_tokens(self.sent + text) - 1 > self.max_tokens:
            text, self.finish_reason = _within(self.sent, text, self.max_tokens), "length"
        self.sent += text
        return text

    def flush(self) -> str:
        out, self.held = self.held, ""
        if self.finish_reason or not out:
            return ""
        self.sent += out
        return out


def _common_start(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _partial_stop(text: str, stops: list[str]) -> int:
    """How many characters at the end of `text` could begin a stop sequence."""
    best = 0
    for stop in stops:
        for n in range(min(len(stop) - 1, len(text)), best, -1):
            if stop.startswith(text[-n:]):
                best = n
                break
    return best


def _within(sent: str, text: str, max_tokens: int) -> str:
    """The longest start of `text` that keeps `sent + text` within `max_tokens` (estimated)."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if estimate_tokens(sent + text[:mid]) - 1 <= max_tokens:
            low = mid
        else:
            high = mid - 1
    return text[:low]


@dataclass
class Extension:
    """The `advisor` field: what OpenAI's protocol has no slot for."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    query: str = ""
    transcript: dict[str, Any] | None = None
    image_text: dict[str, str] | None = None
    notices: list[dict[str, str]] = field(default_factory=list)
    end: TurnEnd | None = None

    def feed(self, event: Event) -> None:
        if isinstance(event, Sources):
            self.sources = [s.as_dict() for s in event.items]
            self.query = event.query
        elif isinstance(event, Transcript):
            self.transcript = {
                "text": event.text,
                "language": event.language,
                "duration_s": round(event.duration_s, 2),
            }
        elif isinstance(event, ImageText):
            self.image_text = {"text": event.text, "description": event.description}
        elif isinstance(event, Notice):
            self.notices.append({"level": event.level, "message": event.message})
        elif isinstance(event, TurnEnd):
            self.end = event

    def as_dict(self, replaced: bool = False) -> dict[str, Any]:
        end = self.end
        return {
            "sources": self.sources,
            "citations": list(end.citations) if end else [],
            "grounded": end.grounded if end else False,
            "language": end.language if end else "",
            "domain": end.domain if end else "",
            "query": self.query,
            "timings_ms": dict(end.timings_ms) if end else {},
            "transcript": self.transcript,
            "image_text": self.image_text,
            "notices": self.notices,
            "fallback": end.fallback if end else "",
            "answer": end.answer if end else "",
            "replaced": replaced,
        }
