"""Names corrected by sound after recognition: near-miss spellings Whisper base wrote for the names of
ingested documents become the names; ordinary sentences and words stay as they were heard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from advisor.asr import DecodedAudio, library_catalog
from advisor.asr.correction import Lexicon, corrector
from advisor.asr.pipeline import Engine, Segment, WhisperTranscriber
from advisor.asr.vocabulary import known_names, token_counter
from advisor.config import REPO_ROOT, Settings
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from bench.asr_samples import chinese_clips, load_clip

# The names advisor/asr/names.py mines from bench/asr_names.py's Chinese documents.
CHINESE_NAMES = (
    "安睿康终身寿险",
    "华禾人寿",
    "澜庭国际学校",
    "沁蔚康复医院",
    "衡谦律师事务所",
    "鑫睿稳盈",
    "岚川银行",
)
ENGLISH_NAMES = ("Okafor Lindqvist Solicitors", "Kestrelmoor Capital", "Veltrona Shield Plan")
PLAIN = frozenset({"academic", "tenancy", "disputes", "handle"})  # the knowledge bases' lower-case words


@pytest.fixture(scope="module")
def chinese() -> Lexicon:
    shipped = known_names(Settings().knowledge_dir, None, "zh", 40, token_counter())
    assert "劳动者" in shipped.names and "单位" in shipped.names  # the shipped terms are names too
    return Lexicon("zh", CHINESE_NAMES + shipped.names)


@pytest.mark.parametrize(
    ("heard", "meant"),
    [  # what Whisper base wrote with the names in its hint (bench/asr_names.py), and variants it wrote
        ("蓝天国际学校一年的学费是多少？", "澜庭国际学校一年的学费是多少？"),
        ("庆蔚康复医院的门整机店开始。", "沁蔚康复医院的门整机店开始。"),
        ("请为康复医院的门诊及店开始。", "沁蔚康复医院的门诊及店开始。"),
        ("红千律师事务所可以带理劳动众残吗？", "衡谦律师事务所可以带理劳动众残吗？"),
        ("心锐为营的风险等级是多少。", "鑫睿稳盈的风险等级是多少。"),
        ("安瑞康中生涉嫌的投保年龄是多少。", "安睿康终身寿险的投保年龄是多少。"),
        ("华和人受的客服电话是多少。", "华禾人寿的客服电话是多少。"),
        ("买重集显知前需要注意哪些问题。", "买重疾险知前需要注意哪些问题。"),  # a shipped term, same sounds
    ],
)
def test_chinese_near_misses_become_the_names(chinese: Lexicon, heard: str, meant: str) -> None:
    assert corrector(chinese)(heard) == meant


@pytest.mark.parametrize(
    "sentence",
    [
        "新任为营到风险等及时多少。",  # 鑫睿稳盈 with half its syllables heard: by sound, as close as ...
        "魏斯可一直由蓝筹印花公司持有股权。",  # ... 蓝筹印花 is to 岚川银行
        "这台电脑的使用期是多久？",  # a dictionary word, not a mishearing of the term 试用期
        "已建立劳动关系但未同时订立的。",  # 但未 sounds like the term 单位; two characters are chance
        "他在劳动中受伤了。",  # 劳动中 is one initial from the term 劳动者: only homophones replace a word
        "蓝天，国际学校。",  # never across punctuation
        "跆拳道中纪念安昌浩所编制的套路叫做什么名字？",  # 中纪念: two of three syllables of 重疾险
        "不需要任何人手调整。",  # 任何人手: a syllable of 华禾人寿 wholly lost in four
        "澜庭国际学校和华禾人寿。",  # spelled right
    ],
)
def test_ordinary_text_is_left_alone(chinese: Lexicon, sentence: str) -> None:
    assert corrector(chinese)(sentence) == sentence


def test_common_questions_stay_as_they_were(chinese: Lexicon) -> None:
    """The synthesised questions of the Chinese speech set hold no near-miss of a name or term."""
    rows = (REPO_ROOT / "tests/data/asr/zh/transcripts.tsv").read_text(encoding="utf-8").splitlines()
    questions = [row.split("\t")[1] for row in rows if row.strip()]
    assert len(questions) == 12
    fix = corrector(chinese)
    assert [fix(q) for q in questions] == questions


def test_english_near_miss_of_a_name_word() -> None:
    fix = corrector(Lexicon("en", ENGLISH_NAMES, PLAIN))
    assert fix("Does Okafor Lindvist Solicitors handle tenancy disputes?") == (
        "Does Okafor Lindqvist Solicitors handle tenancy disputes?"
    )
    assert fix("who manages money for Kestrelmore Capital.") == "who manages money for Kestrelmoor Capital."
    assert fix("Is the Beltrona plan academic?") == "Is the Beltrona plan academic?"  # B is not V
    # Ordinary words stay, however close: one the knowledge bases write, one Whisper's tokenizer holds.
    near = corrector(Lexicon("en", ("Academix Tenancie",), PLAIN))
    assert near("An academic tenancy, and shields.") == "An academic tenancy, and shields."
    assert corrector(Lexicon("en", ("Shielding Partners",)))("a shielded room") == "a shielded room"


# -- in the pipeline --------------------------------------------------------------------------------------
class _Engine:
    model_name = "scripted"

    def detect(self, audio: object) -> dict[str, float]:
        return {"zh": 0.9, "en": 0.1}

    def decode(
        self, audio: object, language: str, prompt: str | None, hotwords: str | None = None, **_: object
    ) -> list[Segment]:
        text = "蓝天国际学校一年的学费是多少？" if language == "zh" else "Does Okafor Lindvist handle it?"
        return [Segment(text, no_speech_prob=0.01, avg_logprob=-0.2)]


class _Transcriber(WhisperTranscriber):
    name = "scripted"

    def engine_key(self) -> tuple[object, ...]:
        return ("scripted-names",)

    def load_engine(self) -> Engine:
        return _Engine()


def test_the_transcriber_corrects_names_of_ingested_documents(
    library: KnowledgeLibrary, tmp_path: Path
) -> None:
    settings = library.settings
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "school.zh.md").write_text(
        "# 澜庭国际学校招生简章\n\n澜庭国际学校位于杭州市。\n\n## 学费\n\n澜庭国际学校每年学费为十八万元。\n",
        encoding="utf-8",
    )
    (docs / "firm.en.md").write_text(
        "# Okafor Lindqvist Solicitors\n\nOkafor Lindqvist Solicitors handles tenancy disputes.\n",
        encoding="utf-8",
    )
    assert not ingest(library, sorted(docs.iterdir()), "mine").failed
    catalog = library_catalog(settings)
    names = known_names(settings.knowledge_dir, catalog, "zh")
    assert (
        "澜庭国际学校" in names.names and known_names(settings.knowledge_dir, catalog, "zh") is names
    )  # cached
    assert "Lindqvist" in " ".join(known_names(settings.knowledge_dir, catalog, "en").names)
    speech = DecodedAudio.from_array(np.asarray(load_clip(chinese_clips()[0].path)))  # any speech: VAD passes

    def heard(correct: bool, language: str) -> str:
        settings.asr.name_correction = correct
        asr = _Transcriber(settings.asr, tmp_path, knowledge_dir=settings.knowledge_dir)
        asr.catalog = catalog
        return asr.transcribe(speech, language).text

    assert heard(True, "zh").startswith("澜庭国际学校一年")
    assert heard(True, "en") == "Does Okafor Lindqvist handle it?"
    assert heard(False, "zh").startswith("蓝天国际学校")  # settings.asr.name_correction = False
    assert heard(False, "en") == "Does Okafor Lindvist handle it?"
