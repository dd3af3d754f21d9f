"""Streaming sentence segmentation, fed one character at a time as a model streams."""

from __future__ import annotations

from advisor.dialogue.sentences import SentenceSplitter, split_sentences


def streamed(text: str, **options: int) -> list[str]:
    splitter = SentenceSplitter(**options)
    out = [piece for ch in text for piece in splitter.feed(ch)]
    return out + list(splitter.flush())


def test_sentences_end_at_chinese_and_english_marks_not_inside_numbers() -> None:
    assert streamed("每天不超过5克。利率是2.35%。Costs $10.50 a day. U.S. rules differ! 好") == [
        "每天不超过5克。",
        "利率是2.35%。",
        "Costs $10.50 a day.",
        "U.S. rules differ!",
        "好",
    ]


def test_a_citation_stays_with_its_sentence() -> None:
    assert split_sentences("Adults need 7-9 hours. [1] Children need more.") == [
        "Adults need 7-9 hours. [1]",
        "Children need more.",
    ]


def test_only_the_first_piece_may_end_at_a_clause_far_enough_in() -> None:
    text = "根据资料，成年人每天食盐不超过5克，大约一个啤酒瓶盖。少吃咸菜，多吃蔬菜。"
    assert streamed(text, first_clause_chars=8) == [
        "根据资料，成年人每天食盐不超过5克，",
        "大约一个啤酒瓶盖。",
        "少吃咸菜，多吃蔬菜。",
    ]


def test_a_thousands_separator_is_not_a_clause() -> None:
    assert streamed("It costs 10,000 dollars a year, or less.", first_clause_chars=8) == [
        "It costs 10,000 dollars a year,",
        "or less.",
    ]
