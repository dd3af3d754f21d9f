"""The conversation mode's entry point with the real recogniser, voices and knowledge: questions heard one
after another, replies cut off by the user but not by their own echo, only what was heard kept."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from langchain_core.messages import BaseMessage
from pydantic import Field

from advisor.asr.audio import SAMPLE_RATE, load_audio
from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel
from advisor.voice.playback import to_16k
from advisor.voice.session import VoiceEvent, VoiceSession

CLIPS = Path(__file__).resolve().parent / "data" / "asr" / "zh"
FRAME = 480
SLEEP_ANSWER = "睡不着时，睡前一小时放下手机，固定作息时间，白天适量运动。[1] 如果持续两周以上，建议就医。[1]"
RENT_ANSWER = "租房合同没到期提前退租，一般要按合同约定承担违约责任。[1]"


def clip(name: str) -> np.ndarray:
    return load_audio(CLIPS / name, max_seconds=60, max_bytes=10_000_000).samples


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


class Listener:
    """Reads a session's events as the page would, and feeds it audio (faster than real time: the
    session's turn taking counts samples, not seconds)."""

    def __init__(self, session: VoiceSession) -> None:
        self.session = session
        self.events: list[VoiceEvent] = []

    def feed(self, audio: np.ndarray) -> None:
        for i in range(0, len(audio), FRAME):
            self.session.feed(audio[i : i + FRAME])
        time.sleep(0.05)

    def until(self, kind: str, count: int = 1, timeout: float = 120.0, **match: object) -> list[VoiceEvent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                e for e in self.events if e.kind == kind and all(e.data.get(k) == v for k, v in match.items())
            ]
            if len(found) >= count:
                return found
            event = self.session.next_event(0.05)
            if event is not None:
                self.events.append(event)
        raise AssertionError(f"no {count}x {kind} {match}; saw {[e.kind for e in self.events]}")

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


@pytest.fixture
def advisor(shipped: KnowledgeLibrary, tmp_path: Path) -> Advisor:
    llm = ScriptedChatModel(replies=[SLEEP_ANSWER, RENT_ANSWER, SLEEP_ANSWER])
    return Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)


def test_two_questions_in_a_row_are_heard_answered_aloud_and_kept(advisor: Advisor) -> None:
    sid = advisor.conversations.create()
    session = VoiceSession(advisor, session_id=sid, language_hint="zh")
    listener = Listener(session)
    try:
        listener.feed(np.concatenate([silence(0.5), clip("04.ogg"), silence(1.5)]))
        heard = listener.until("heard")[0]
        assert "睡" in heard.data["text"] and heard.data["language"] == "zh"
        first_end = listener.until("turn_end")[0]
        assert first_end.data["interrupted"] is False and "手机" in first_end.data["answer"]
        session.played(max(e.data["seq"] for e in listener.events if e.kind == "audio"))  # heard it all
        listener.feed(np.concatenate([clip("08.ogg"), silence(1.5)]))
        second = listener.until("heard", count=2)[1]
        assert "租房" in second.data["text"] or "退租" in second.data["text"]
        listener.until("turn_end", count=2)
        time.sleep(0.2)
    finally:
        session.close()
    kinds = listener.kinds()
    assert "stop_audio" not in kinds
    assert kinds.index("speech") < kinds.index("heard") < kinds.index("sources") < kinds.index("audio")
    audio = [e for e in listener.events if e.kind == "audio"]
    assert audio and all(len(e.data["pcm"]) > 1000 for e in audio)
    assert [e.data["seq"] for e in audio][:2] == [0, 1]
    messages = advisor.conversations.messages(sid)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert "睡" in messages[0].content and messages[1].extra["sources"]


def test_speech_over_the_reply_stops_it_and_only_what_was_heard_is_kept(advisor: Advisor) -> None:
    sid = advisor.conversations.create()
    session = VoiceSession(advisor, session_id=sid, language_hint="zh")
    listener = Listener(session)
    try:
        listener.feed(np.concatenate([silence(0.5), clip("04.ogg"), silence(1.0)]))
        listener.until("audio")
        session.played(0)  # the browser has played the first sentence, and is playing the rest
        listener.feed(np.concatenate([clip("08.ogg"), silence(1.5)]))
        stop = listener.until("stop_audio")[0]
        assert stop.data["reason"] == "barge_in" and stop.data["after_onset_ms"] >= 0
        cut = listener.until("turn_end", interrupted=True)[0]
        listener.until("heard", count=2)
        listener.until("turn_end", count=1, interrupted=False)
        session.played(max(e.data["seq"] for e in listener.events if e.kind == "audio"))  # heard it all
    finally:
        session.close()
    assert "（被打断）" in cut.data["answer"] and "建议就医" not in cut.data["answer"]
    messages = advisor.conversations.messages(sid)
    assert messages[1].extra.get("interrupted") is True
    assert messages[1].content == cut.data["answer"]
    assert len(messages) == 4 and "退租" in messages[3].content


def test_the_replys_own_echo_does_not_stop_it(advisor: Advisor) -> None:
    session = VoiceSession(advisor, language_hint="zh")
    listener = Listener(session)
    try:
        listener.feed(np.concatenate([silence(0.5), clip("04.ogg"), silence(1.0)]))
        audio = listener.until("audio")[0]
        reply = to_16k_event(audio)
        rng = np.random.default_rng(1)
        # The reply comes back through the speakers: quieter, 150 ms late, with room noise.
        echo = np.concatenate([silence(0.15), 0.4 * reply]) + rng.normal(0, 0.003, len(reply) + 2400)
        for i in range(0, len(echo), FRAME):  # in real time, as the reply plays
            session.feed(echo[i : i + FRAME].astype(np.float32))
            time.sleep(FRAME / SAMPLE_RATE)
        listener.until("turn_end")
    finally:
        session.close()
    assert "stop_audio" not in listener.kinds()


def to_16k_event(event: VoiceEvent) -> np.ndarray:
    from advisor.events import AudioChunk

    return to_16k(AudioChunk(event.data["pcm"], event.data["sample_rate"], event.data["sentence"]))


class ReadingModel(ScriptedChatModel):
    """The scripted model, with llama.cpp's prefill: it records what it was given to read ahead."""

    read: list[list[BaseMessage]] = Field(default_factory=list)

    def prefill(self, messages: list[BaseMessage]) -> None:
        self.read.append(list(messages))


def test_the_prompt_read_ahead_is_the_one_the_turn_reads(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    """Reading ahead only helps if the turn's prompt starts with what was read: the same messages."""
    model = ReadingModel(replies=[SLEEP_ANSWER])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=model)
    sid = advisor.conversations.create()
    advisor.conversations.append_turn(sid, "你好", "你好，有什么可以帮你？", {})
    question = "我最近晚上总是睡不着觉，应该怎么办？"
    assert advisor.read_ahead(question, sid)
    list(advisor.turn(question, sid))
    assert [m.content for m in model.read[-1]] == [m.content for m in model.seen[-1]]
    assert len(model.seen[-1]) == 4  # system, the earlier turn, and this one's sources and question
    assert not advisor.read_ahead("我想自杀")  # a fixed crisis reply: nothing for the model to read
