"""Speech synthesis failing during a turn: the text still arrives, whole, with a visible warning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from faultkit import SALT_QUESTION, SALT_REPLY, live_threads, wait_for_threads

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import AudioChunk, Notice, TextDelta, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel
from advisor.tts import SentenceSpeaker, with_speech
from advisor.tts.base import TTSError
from advisor.tts.voices import VoiceSet


class Broken:
    """A voice that fails: at once, or after some audio, with a TTS error or an unexpected crash."""

    def __init__(self, error: Exception, after_chunks: int = 0) -> None:
        self.error = error
        self.after_chunks = after_chunks

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        for _ in range(self.after_chunks):
            yield AudioChunk(b"\x10\x27" * 1600, 16000, text)
        raise self.error


FAILURES = {
    "every voice raises a TTS error": lambda: Broken(TTSError("the voice model is missing")),
    "every voice crashes (RuntimeError from the runtime)": lambda: Broken(
        RuntimeError("onnxruntime: bad alloc")
    ),
    "every voice fails after some audio": lambda: Broken(OSError(5, "Input/output error"), after_chunks=2),
}


def _voices(make: object) -> VoiceSet:
    voices = VoiceSet(
        {"en": "broken:en", "zh": "broken:zh"}, fallback_specs={"en": "broken:fb", "zh": "broken:fb"}
    )
    for spec in ("broken:en", "broken:zh", "broken:fb"):
        voices.add(spec, make())  # type: ignore[operator]
    return voices


def test_tts_failing_leaves_the_text_whole_with_a_warning(
    shipped: KnowledgeLibrary, tmp_path: Path, reliability
) -> None:
    advisor = Advisor(
        Settings(data_dir=tmp_path / "app"), library=shipped, llm=ScriptedChatModel(replies=[SALT_REPLY])
    )
    silent = list(advisor.turn(SALT_QUESTION))
    expected = silent[-1]
    assert isinstance(expected, TurnEnd) and expected.grounded
    before = live_threads()
    for name, make in FAILURES.items():
        speaker = SentenceSpeaker(_voices(make), sample_rate=None)
        events = list(with_speech(advisor.turn(SALT_QUESTION), speaker))
        end = events[-1]
        assert isinstance(end, TurnEnd), name
        assert end.answer == expected.answer and end.grounded, name
        shown = "".join(e.text for e in events if isinstance(e, TextDelta) and not e.replace)
        assert expected.answer.split("[1]")[0] in shown, name
        warnings = [e.message for e in events if isinstance(e, Notice) and e.level == "warning"]
        assert warnings, f"{name}: no visible warning"
        assert speaker.join(timeout=10), f"{name}: the speech thread did not end"
    assert not wait_for_threads(before)
    reliability(
        "Faults",
        "Speech synthesis failing in a turn: " + "; ".join(FAILURES),
        cases=len(FAILURES),
        result=(
            "the answer text arrived whole and identical to a turn without speech, with a visible warning; "
            "nothing raised; the speech thread ended"
        ),
    )
