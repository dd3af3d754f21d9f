"""A speech model that fails to load: a clear error for spoken questions, everything else keeps working."""

from __future__ import annotations

from pathlib import Path

from faultkit import SALT_REPLY, has_cjk, run_turn, still_answers

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Transcript
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel

ZH_CLIP = Path(__file__).resolve().parents[1] / "data" / "asr" / "zh" / "04.ogg"


def test_a_broken_speech_model_is_a_clear_error(
    shipped: KnowledgeLibrary, tmp_path: Path, reliability
) -> None:
    broken = tmp_path / "whisper-broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"\x00not a CTranslate2 model" * 100)
    (broken / "config.json").write_text("{not json")
    settings = Settings(data_dir=tmp_path / "app")
    settings.asr.model = str(broken)
    llm = ScriptedChatModel(replies=[SALT_REPLY])
    advisor = Advisor(settings, library=shipped, llm=llm)
    for language in ("zh", "en", "zh"):  # twice in Chinese: a failed load is reported again, not hung
        turn = run_turn(advisor, audio=ZH_CLIP, language_hint=language)
        assert not turn.of(Transcript) and len(turn.errors) == 1, turn.events
        assert has_cjk(turn.errors[0]) == (language == "zh"), turn.errors
        assert ("无法加载" if language == "zh" else "could not be loaded") in turn.errors[0], turn.errors
        assert turn.end.answer == turn.errors[0] and not llm.seen
    still_answers(advisor)
    reliability(
        "Faults",
        "A speech model folder that fails to load (garbage model.bin and config.json as ADVISOR_ASR__MODEL)",
        cases=3,
        result=(
            "each spoken question got one clear error in its language ('the speech recognition model could not "
            "be loaded' / '语音识别模型无法加载'), no invented text, no model call; typed questions still answered"
        ),
    )
