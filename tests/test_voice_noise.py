"""A conversation left open on a silent or noisy microphone starts no turn and invents nothing.

A real VoiceSession (streaming Silero, the packaged Whisper) on a real Advisor over the shipped
knowledge is fed a minute each of digital silence, noise (white, then pink) and music (then mains hum)
in 30 ms frames, faster than real time. Voice activity may take some of it for speech; then Whisper
must find no words, the session must say it is listening again, and the model is never asked.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel
from advisor.voice.session import VoiceEvent, VoiceSession
from bench.asr_samples import hum, music, noise, silence

pytestmark = pytest.mark.slow
FRAME = 480  # 30 ms
AHEAD = 200  # frames fed before waiting for the session to catch up (its queue holds 2000)

MICROPHONES = {
    "silence": silence(60),
    "noise": np.concatenate([noise(30, "white", 0.05, 1), noise(30, "pink", 0.2, 2)]),
    # This piano melody holds the one stretch of these that Silero takes for speech: Whisper must hear
    # no words in it.
    "music": np.concatenate([music(30, seed=7, style="piano"), hum(30, 50)]),
}


def feed(session: VoiceSession, audio: np.ndarray, events: list[VoiceEvent]) -> None:
    """`audio` in 30 ms frames, never more than AHEAD frames ahead of the session's voice activity."""
    start = session._processed  # the stream position its voice activity has reached
    for i, at in enumerate(range(0, len(audio), FRAME)):
        session.feed(audio[at : at + FRAME])
        while (i + 1 - AHEAD) * FRAME > session._processed - start + 512:
            drain(session, events, 0.01)


def drain(session: VoiceSession, events: list[VoiceEvent], wait: float) -> None:
    event = session.next_event(wait)
    while event is not None:
        events.append(event)
        event = session.next_event(0)


def settle(session: VoiceSession, events: list[VoiceEvent], quiet_s: float = 3.0) -> None:
    """Until nothing has happened for `quiet_s` and no recognition is running or waiting."""
    last, seen = time.monotonic(), len(events)
    while time.monotonic() - last < quiet_s or session._recognising or session._job is not None:
        drain(session, events, 0.2)
        if len(events) != seen:
            last, seen = time.monotonic(), len(events)


@pytest.mark.parametrize("name", sorted(MICROPHONES))
def test_a_minute_of_a_silent_or_noisy_microphone_starts_no_turn(
    name: str, shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    llm = ScriptedChatModel(replies=["invented"])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    session_id = advisor.conversations.create()
    session = VoiceSession(advisor, session_id, speak=False)
    events: list[VoiceEvent] = []
    try:
        feed(session, MICROPHONES[name], events)
        feed(session, silence(1.5), events)  # a quiet room after it, so a turn taken would end
        settle(session, events)
    finally:
        session.close()
    kinds = [e.kind for e in events]
    assert kinds[0] == "listening"
    assert not {"heard", "audio", "turn_end", "sources", "delta", "partial", "error"} & set(kinds), events
    # Speech found in the noise is only ever answered by listening again: Whisper heard no words.
    for i, kind in enumerate(kinds):
        if kind == "speech":
            assert "listening" in kinds[i + 1 :], kinds
    assert kinds.count("listening") >= kinds.count("speech")
    assert advisor.conversations.messages(session_id) == [] and llm.seen == []
    assert session._processed >= len(MICROPHONES[name]) // 512 * 512  # every window was heard
