"""Chinese domain vocabulary: mined from knowledge-base headings, handed to Whisper for Chinese only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from advisor.asr import DecodedAudio
from advisor.asr.pipeline import Engine, Segment, WhisperTranscriber
from advisor.asr.vocabulary import domain_terms, hotwords
from advisor.config import ASRSettings, Settings
from bench.asr_samples import chinese_clips, load_clip


def _knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge" / "insurance"
    folder.mkdir(parents=True)
    (folder / "a.zh.md").write_text(
        "---\ntitle: 医疗险和养老金\n---\n# 医疗险怎么买\n\n医疗险是报销型保险。医疗险看合同。\n\n"
        "## 养老金领取\n\n养老金按月领取。正文里的词语（例如蜂蜜）不会被选中。\n",
        encoding="utf-8",
    )
    (folder / "b.en.md").write_text("# Critical illness cover\n", encoding="utf-8")
    return tmp_path / "knowledge"


def test_terms_come_from_headings_ranked_by_use(tmp_path: Path) -> None:
    terms = domain_terms(_knowledge(tmp_path))
    assert terms[0] == "医疗险"  # in every heading and most of the text
    assert "养老金" in terms and "蜂蜜" not in terms  # a body-only word is not a domain term
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,}", t) for t in terms)
    assert domain_terms(_knowledge(tmp_path / "x"), limit=1) == ("医疗险",)
    assert domain_terms(tmp_path / "missing") == ()


def test_the_setting_chooses_the_words(tmp_path: Path) -> None:
    knowledge = _knowledge(tmp_path)
    assert (hotwords("auto", knowledge) or "").startswith("医疗险、")
    assert hotwords("", knowledge) is None
    assert hotwords("养老保险, 房贷 预算", knowledge) == "养老保险、房贷、预算"


def test_shipped_knowledge_gives_a_short_vocabulary() -> None:
    settings = Settings()
    words = (hotwords("auto", settings.knowledge_dir, settings.asr.hotword_limit) or "").split("、")
    assert 10 <= len(words) <= settings.asr.hotword_limit
    assert len("".join(words)) < 150  # well inside Whisper's prompt window


class _RecordingEngine:
    model_name = "recording"
    calls: ClassVar[list[tuple[str, str | None, str | None]]] = []

    def detect(self, audio: object) -> dict[str, float]:
        return {"zh": 0.9, "en": 0.1}

    def decode(
        self, audio: object, language: str, prompt: str | None, hotwords: str | None = None
    ) -> list[Segment]:
        self.calls.append((language, prompt, hotwords))
        return [Segment("你好" if language == "zh" else "hello", no_speech_prob=0.01, avg_logprob=-0.2)]


class _RecordingTranscriber(WhisperTranscriber):
    name = "recording"

    def engine_key(self) -> tuple[object, ...]:
        return ("recording",)

    def load_engine(self) -> Engine:
        return _RecordingEngine()


def test_only_chinese_decoding_gets_the_vocabulary(tmp_path: Path) -> None:
    speech = DecodedAudio.from_array(np.asarray(load_clip(chinese_clips()[0].path)))
    asr = _RecordingTranscriber(ASRSettings(), tmp_path, knowledge_dir=_knowledge(tmp_path))
    _RecordingEngine.calls.clear()
    assert asr.transcribe(speech, "zh").text == "你好。"
    assert asr.transcribe(speech, "en").text == "hello"
    (zh_language, zh_prompt, zh_words), (en_language, en_prompt, en_words) = _RecordingEngine.calls
    assert zh_language == "zh" and zh_prompt and (zh_words or "").startswith("医疗险")
    assert en_language == "en" and en_prompt is None and en_words is None
    off = _RecordingTranscriber(ASRSettings(hotwords=""), tmp_path, knowledge_dir=asr.knowledge_dir)
    off.transcribe(speech, "zh")
    assert _RecordingEngine.calls[-1][2] is None


@pytest.mark.slow
def test_the_vocabulary_helps_the_real_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The synthesised question "买重疾险之前需要注意哪些问题？": without hints Whisper base wrote 重集显."""
    from advisor.asr import create_asr

    clip = next(c for c in chinese_clips() if "重疾险" in c.text)
    settings = Settings(data_dir=tmp_path_factory.mktemp("asr-vocabulary"))
    assert settings.asr.hotwords == "auto"
    result = create_asr(settings).transcribe(clip.path)
    assert result.language == "zh" and "重疾险" in result.text, result.text
