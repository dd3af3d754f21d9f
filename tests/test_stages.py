"""The advisor owns its stages: each is built once, a failure is remembered and reported, the rest work."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from advisor.asr import ASRUnavailable
from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Notice, Transcript, TurnEnd
from advisor.vision import VisionError


@pytest.fixture
def advisor(settings: Settings) -> Advisor:
    settings.embeddings.backend = "hashing"
    return Advisor(settings)


def states(advisor: Advisor) -> dict[str, tuple[str, str]]:
    return {s.name: (s.state, s.detail) for s in advisor.stages.status()}


def test_a_missing_package_turns_its_stage_off_with_the_reason(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "advisor.vision.ocr", None)  # import fails as if not installed
    with pytest.raises(VisionError, match="not installed"):
        advisor.stages.vision.get()
    state, detail = states(advisor)["vision"]
    assert state == "off" and "not installed" in detail


def test_a_model_that_fails_to_load_is_reported_and_the_rest_still_work(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def load(self) -> None:
            raise RuntimeError("model file missing")

    class Ears:
        loaded = False

        def load(self) -> None:
            self.loaded = True

    built: list[str] = []
    monkeypatch.setattr(advisor.stages.vision, "_build", lambda: built.append("vision") or Broken())
    monkeypatch.setattr(advisor.stages.asr, "_build", lambda: Ears())
    advisor.stages.warm_up()
    advisor.stages.warm_up()
    found = states(advisor)
    assert found["vision"][0] == "off" and "model file missing" in found["vision"][1]
    assert found["asr"] == ("ready", "") and advisor.stages.asr.get().loaded
    assert built == ["vision"]  # remembered: not built again per use
    with pytest.raises(VisionError, match="model file missing"):
        advisor.stages.vision.get()


def test_a_stage_is_built_once_for_concurrent_first_uses(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[object] = []
    monkeypatch.setattr(advisor.stages.tts, "_build", lambda: built.append(object()) or built[-1])
    threads = [threading.Thread(target=advisor.stages.tts.get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1 and advisor.stages.tts.get() is built[0]


def test_an_unavailable_recogniser_found_in_use_is_reported_not_retried(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Ears:
        calls = 0

        def transcribe_timed(self, audio: object) -> Transcript:
            Ears.calls += 1
            raise ASRUnavailable("the Whisper model is missing", "缺少语音识别模型")

    monkeypatch.setattr(advisor.stages.asr, "_build", Ears)
    first = list(advisor.turn(audio=Path("q.wav"), language_hint="zh"))
    assert [e.message for e in first if isinstance(e, Notice)] == ["缺少语音识别模型"]
    assert isinstance(first[-1], TurnEnd)
    second = list(advisor.turn(audio=Path("q.wav"), language_hint="en"))
    assert [e.message for e in second if isinstance(e, Notice)] == ["the Whisper model is missing"]
    assert Ears.calls == 1 and states(advisor)["asr"] == ("off", "the Whisper model is missing")
