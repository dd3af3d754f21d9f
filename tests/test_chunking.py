from __future__ import annotations

from advisor.knowledge.chunking import chunk_document, estimate_tokens
from advisor.knowledge.text import clean_text, detect_language, normalise_text, tokenize


def test_chinese_chunks_end_at_sentence_boundaries_and_respect_the_budget() -> None:
    text = "# 标题\n\n" + "".join(f"这是第{i}句关于储蓄的说明，内容比较长一些。" for i in range(60))
    chunks = chunk_document("a.md", "标题", text, max_tokens=120, overlap_tokens=20)
    assert len(chunks) > 3
    for chunk in chunks:
        assert estimate_tokens(chunk.text) <= 120
        assert chunk.text.endswith("。")
        assert chunk.language == "zh"


def test_english_chunks_end_at_sentences() -> None:
    text = " ".join(f"Sentence number {i} explains compound interest in plain words." for i in range(80))
    chunks = chunk_document("b.md", "Interest", text, max_tokens=100, overlap_tokens=10)
    assert len(chunks) > 3
    assert all(c.text.endswith(".") for c in chunks)
    assert all(c.language == "en" for c in chunks)


def test_heading_path_and_stable_content_ids() -> None:
    text = "# Guide\n\n## Saving\n\nKeep cash.\n\n### Where\n\nA savings account.\n"
    first = chunk_document("g.md", "Guide", text)
    again = chunk_document("g.md", "Guide", text)
    assert [c.heading_path for c in first] == ["Guide > Saving", "Guide > Saving > Where"]
    assert [c.id for c in first] == [c.id for c in again]
    assert chunk_document("other.md", "Guide", text)[0].id != first[0].id
    assert first[0].indexed_text.startswith("Guide > Saving\n")


def test_repeated_paragraphs_get_distinct_ids() -> None:
    text = "Same line here.\n\nOther.\n\nSame line here."
    ids = [c.id for c in chunk_document("r.md", "", text, max_tokens=4, overlap_tokens=0)]
    assert len(ids) == len(set(ids))


def test_tokenizer_segments_chinese_and_drops_stopwords() -> None:
    tokens = tokenize("我的应急资金应该存多少？How much is an Emergency Fund?")
    assert "应急" in tokens and "资金" in tokens
    assert "emergency" in tokens and "fund" in tokens
    assert "的" not in tokens and "is" not in tokens


def test_language_detection_and_normalisation() -> None:
    assert detect_language("高血压的诊断标准是多少") == "zh"
    assert detect_language("What is a normal blood pressure?") == "en"
    assert normalise_text("ＡＢＣ１２３\u200b\u202e") == "ABC123"
    assert clean_text("保险（含重疾）：看条款！\u200b") == "保险（含重疾）：看条款！"
