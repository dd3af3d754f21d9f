"""What a turn has produced, and its bookkeeping: the conversation it reads and the record it leaves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from advisor.dialogue.history import ConversationStore
from advisor.events import Event, Source, TurnEnd
from advisor.knowledge.chunking import estimate_tokens

HISTORY_TOKENS = 400  # recent turns the model sees; older ones only cost prefill time


@dataclass
class TurnRecord:
    """One turn as it goes: what was asked, what it found, and what it has answered so far."""

    session_id: str | None
    question: str = ""
    query: str = ""  # the question as retrieval reads it (a follow-up made standalone, the image's text)
    language: str = "zh"
    domain: str = "general"
    sources: tuple[Source, ...] = ()
    text: str = ""
    grounded: bool = False
    citations: list[int] = field(default_factory=list)
    fallback: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def finish(conversations: ConversationStore, turn: TurnRecord, keep: bool = True) -> Iterator[Event]:
    """The TurnEnd event, and the turn kept in its session (when there is one and `keep`)."""
    turn.timings["total_ms"] = (time.perf_counter() - turn.started) * 1000
    timings = {k: round(v, 1) for k, v in turn.timings.items()}
    session_id = turn.session_id if keep else None
    if session_id and conversations.exists(session_id):
        conversations.append_turn(
            session_id,
            turn.question,
            turn.text,
            {
                "query": turn.query,
                "language": turn.language,
                "domain": turn.domain,
                "grounded": turn.grounded,
                "sources": [s.as_dict() for s in turn.sources],
                "fallback": turn.fallback,
                "timings": timings,  # stage by stage: asr_ms, retrieval_ms, first_token_ms, ...
            },
        )
    yield TurnEnd(
        turn.text,
        turn.language,
        turn.domain,
        turn.grounded,
        tuple(turn.citations),
        timings,
        session_id or "",
        turn.fallback,
    )


def previous_queries(conversations: ConversationStore, session_id: str | None) -> list[str]:
    """What retrieval read for each earlier turn, so a follow-up can be made standalone."""
    if not session_id or not conversations.exists(session_id):
        return []
    return [m.extra.get("query", "") for m in conversations.messages(session_id) if m.role == "assistant"]


def recent_history(conversations: ConversationStore, session_id: str | None) -> list[tuple[str, str]]:
    """The most recent turns that fit the token budget, oldest first."""
    if not session_id or not conversations.exists(session_id):
        return []
    kept: list[tuple[str, str]] = []
    budget = HISTORY_TOKENS
    for message in reversed(conversations.messages(session_id)):
        cost = estimate_tokens(message.content)
        if cost > budget:
            break
        budget -= cost
        kept.append((message.role, message.content))
    kept.reverse()
    if kept and kept[0][0] == "assistant":
        kept = kept[1:]  # start on a question
    return kept
