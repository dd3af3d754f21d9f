"""The frozen events that flow through one turn. The CLI, the web UI and the tests all consume them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Transcript:
    """What the user said, from speech recognition."""

    text: str
    language: str
    duration_s: float = 0.0


@dataclass(frozen=True)
class ImageText:
    """What the user's image holds, from OCR or a vision-language model."""

    text: str
    description: str = ""


@dataclass(frozen=True)
class Source:
    """One retrieved passage, numbered as the answer cites it: [n]."""

    n: int
    kb: str
    source: str  # the public reference the document names, or where it was ingested from
    document: str
    title: str
    text: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "kb": self.kb,
            "source": self.source,
            "document": self.document,
            "title": self.title,
            "text": self.text,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Sources:
    items: tuple[Source, ...]
    query: str  # the standalone query that retrieved them
    domain: str  # the advisor that answers: a domain name or "general"


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as it streams. `replace` starts the visible answer over (guard fallback)."""

    text: str
    replace: bool = False


@dataclass(frozen=True)
class Sentence:
    """A completed sentence of the answer, ready to be spoken."""

    text: str
    language: str


@dataclass(frozen=True)
class AudioChunk:
    audio: bytes  # 16-bit mono PCM
    sample_rate: int
    sentence: str


@dataclass(frozen=True)
class Notice:
    """Something the user should see beside the answer: a warning, a degraded modality, an error."""

    level: str  # info | warning | error
    message: str


@dataclass(frozen=True)
class TurnEnd:
    answer: str
    language: str
    domain: str
    grounded: bool  # true only when the answer is supported by the sources it cites
    citations: tuple[int, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    session_id: str = ""
    fallback: str = ""  # why the model's answer was replaced, if it was


Event = Transcript | ImageText | Sources | TextDelta | Sentence | AudioChunk | Notice | TurnEnd


@dataclass
class TurnControl:
    """Not an event: what a front end may change, from another thread, while a turn runs."""

    stop: threading.Event = field(default_factory=threading.Event)  # end the turn and its speech
    silence: threading.Event = field(default_factory=threading.Event)  # end only its speech
