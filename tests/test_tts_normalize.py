"""Text normalised for speech: pure functions, both languages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.tts.normalize import (
    clean_markup,
    detect_language,
    en_integer,
    en_ordinal,
    en_year,
    normalize,
    speech_segments,
    split_languages,
    zh_integer,
)


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # the cases named in the issue
        ("5克", "五克"),
        ("2.35%", "百分之二点三五"),
        ("¥10,000", "一万元"),
        ("$25", "二十五美元"),
        ("2026-03-01", "二零二六年三月一日"),
        ("400-123-4567", "四零零，幺二三，四五六七"),
        # numbers
        ("10005", "一万零五"),
        ("2000", "两千"),
        ("15", "十五"),
        ("115", "一百一十五"),
        ("1,000,000", "一百万"),
        ("100001000", "一亿零一千"),
        ("3.14", "三点一四"),
        ("第2名", "第二名"),
        ("每天2杯水", "每天两杯水"),
        ("共有2个选项，20年后", "共有两个选项，二十年后"),
        ("18岁以上", "十八岁以上"),
        # money, percent, units
        ("￥1.5万", "一点五万元"),
        ("1.5万元", "一点五万元"),
        ("RMB 500", "五百元"),
        ("3%-5%", "百分之三到百分之五"),
        ("0.5‰", "千分之零点五"),
        ("摄入5g盐", "摄入五克盐"),
        ("3-5kg", "三到五千克"),
        ("体温37.5°C", "体温三十七点五摄氏度"),
        ("气温为-5℃", "气温为负五摄氏度"),
        ("血压140/90 mmHg", "血压一百四十、九十毫米汞柱"),
        ("血糖7.0 mmol/L", "血糖七点零毫摩尔每升"),
        # dates and times
        ("2026年3月1日", "二零二六年三月一日"),
        ("2020-2025年", "二零二零年到二零二五年"),
        ("1990年代", "一九九零年代"),
        ("14:30开会", "十四点三十分开会"),
        ("9:05", "九点零五分"),
        # phones
        ("13800138000", "幺三八，零零幺三，八零零零"),
        ("010-12345678", "零幺零，幺二三四五六七八"),
        ("拨打12315投诉", "拨打幺二三幺五投诉"),
        # ranges, fractions, slashes
        ("建议准备3-6个月的生活开支", "建议准备三到六个月的生活开支"),
        ("1/3的人", "三分之一的人"),
        ("50/30/20法则", "五十、三十、二十法则"),
        ("500元/月", "五百元每月"),
        # hotlines, years in citations, codes left to the English voice
        ("急救120、火警119", "急救幺二零、火警幺幺九"),
        ("120元", "一百二十元"),
        ("《膳食指南（2022）》", "《膳食指南（二零二二）》"),
        ("R1（PR1）谨慎型", "R1（PR1）谨慎型"),
        ("单位是毫米汞柱（mmHg）", "单位是毫米汞柱"),  # the same word is not said twice
    ],
)
def test_chinese(text: str, spoken: str) -> None:
    assert normalize(text, "zh") == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # the cases named in the issue
        ("5 g", "five grams"),
        ("2.35%", "two point three five percent"),
        ("¥10,000", "ten thousand yuan"),
        ("$25", "twenty-five dollars"),
        ("2026-03-01", "March first, twenty twenty-six"),
        ("400-123-4567", "four zero zero, one two three, four five six seven"),
        # money
        ("$1,200.50", "one thousand two hundred dollars and fifty cents"),
        ("$0.99", "ninety-nine cents"),
        ("$1", "one dollar"),
        ("$1.5 million", "one point five million dollars"),
        ("$25k", "twenty-five thousand dollars"),
        ("£5", "five pounds"),
        ("€20", "twenty euros"),
        # numbers and units
        ("10,000", "ten thousand"),
        ("3.14", "three point one four"),
        ("-5", "minus five"),
        ("1 kg", "one kilogram"),
        ("2.5 kg", "two point five kilograms"),
        ("3-5 kg", "three to five kilograms"),
        ("-5 °C", "minus five degrees Celsius"),
        ("140/90 mmHg", "one hundred forty over ninety millimeters of mercury"),
        ("7.0 mmol/L", "seven point zero millimoles per liter"),
        ("a 3-5% return", "a three to five percent return"),
        ("5%-10%", "five to ten percent"),
        # dates, years, times, ordinals
        ("on March 1, 2026", "on March first, twenty twenty-six"),
        ("1 March 2026", "the first of March, twenty twenty-six"),
        ("in 1990", "in nineteen ninety"),
        ("in 2005", "in two thousand five"),
        ("2020-2025", "twenty twenty to twenty twenty-five"),
        ("9:30", "nine thirty"),
        ("9:00 am", "nine A M"),
        ("the 22nd", "the twenty-second"),
        # phones
        ("(555) 123-4567", "five five five, one two three, four five six seven"),
        ("Call 911 now", "Call nine one one now"),
        # fractions, ranges, abbreviations
        ("3-6 months", "three to six months"),
        ("18.5-24.9", "eighteen point five to twenty-four point nine"),
        ("the 50/30/20 rule", "the fifty thirty twenty rule"),
        ("1/2 cup", "one half cup"),
        ("2/3", "two thirds"),
        ("a 401(k)", "a four oh one K"),
        ("e.g. bonds", "for example bonds"),
        ("#1 choice", "number one choice"),
        ("stocks & bonds", "stocks and bonds"),
        ("2 * 3", "two times three"),
        # acronyms are spelled unless said as words; letter-digit codes split
        ("The APR on U.S. cards", "The A.P.R. on U.S. cards"),
        ("the CEFR scale from A1 to C2", "the C.E.F.R. scale from A one to C two"),
        ("PISA and MOOC and ETFs", "PISA and MOOC and ETFs"),
        ("I AM NOT SHOUTING AT ALL HERE", "I A M NOT SHOUTING AT ALL HERE"),
        ("written in mmHg", "written in millimeters of mercury"),
    ],
)
def test_english(text: str, spoken: str) -> None:
    assert normalize(text, "en") == spoken


@pytest.mark.parametrize(
    ("text", "language", "spoken"),
    [
        ("**注意**：请访问 https://example.com 了解详情[2]。", "zh", "注意：请访问了解详情。"),
        ("年化利率2.35%，存10,000元[1][3]。", "zh", "年化利率百分之二点三五，存一万元。"),
        ("See [the guide](https://investor.gov/x) [1].", "en", "See the guide."),
        (
            "## Budget\n- **Needs**: 50%\n- *Wants*: 30%",
            "en",
            "Budget\nNeeds: fifty percent\nWants: thirty percent",
        ),
        ("Use `pip` or visit www.example.org today.", "en", "Use pip or visit today."),
        ("| 项目 | 金额 |\n|---|---|\n| 房租 | 3000元 |", "zh", "项目，金额\n房租，三千元"),
        ("Write to help@example.com <b>now</b>", "en", "Write to now"),
    ],
)
def test_markup_is_not_read(text: str, language: str, spoken: str) -> None:
    assert normalize(text, language) == spoken


def test_markup_keeps_words_and_full_width_punctuation() -> None:
    assert clean_markup("＃不是标题，这是１２３。") == "#不是标题，这是123。"
    assert clean_markup("a_b and 2 * 3") == "a_b and 2 * 3"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (21, "twenty-one"),
        (100, "one hundred"),
        (1001, "one thousand one"),
        (1234567, "one million two hundred thirty-four thousand five hundred sixty-seven"),
    ],
)
def test_english_integers(value: int, words: str) -> None:
    assert en_integer(value) == words


def test_english_ordinals_and_years() -> None:
    assert [en_ordinal(n) for n in (1, 2, 3, 5, 12, 20, 21, 100)] == [
        "first",
        "second",
        "third",
        "fifth",
        "twelfth",
        "twentieth",
        "twenty-first",
        "one hundredth",
    ]
    assert [en_year(y) for y in (1905, 1990, 2000, 2009, 2026, 1800)] == [
        "nineteen oh five",
        "nineteen ninety",
        "two thousand",
        "two thousand nine",
        "twenty twenty-six",
        "eighteen hundred",
    ]


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_chinese_integers_are_all_characters(value: int) -> None:
    spoken = zh_integer(value)
    assert spoken and re.fullmatch("[零一二两三四五六七八九十百千万亿]+", spoken)
    assert ("零零" not in spoken and not spoken.endswith("零")) or value == 0


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_english_integers_use_number_words(value: int) -> None:
    assert re.fullmatch(r"[a-z -]+", en_integer(value))


@given(st.text(alphabet="0123456789.,%$¥-/: 年月日元克", max_size=30))
def test_no_digit_is_left_for_a_voice_to_guess(text: str) -> None:
    for language in ("zh", "en"):
        for segment, _ in speech_segments(text, language):
            assert not re.search(r"\d", segment), (text, language, segment)


def test_detect_language() -> None:
    assert detect_language("ETF是什么？") == "zh"
    assert detect_language("The word 你好 means hello") == "en"
    assert detect_language("12345") == "en"


def test_mixed_text_splits_into_runs_of_each_language() -> None:
    assert split_languages("我买了ETF，费率很低。", "zh") == [
        ("我买了", "zh"),
        ("ETF", "en"),
        ("费率很低。", "zh"),
    ]
    assert speech_segments("我买了ETF，费率是0.5%。", "zh") == [
        ("我买了", "zh"),
        ("ETF", "en"),
        ("费率是百分之零点五。", "zh"),
    ]
    # a number leading into Chinese is read in Chinese, even inside an English sentence
    assert speech_segments("The word 你好 costs 5克 here.", "en") == [
        ("The word", "en"),
        ("你好", "zh"),
        ("costs", "en"),
        ("五克", "zh"),
        ("here.", "en"),
    ]
    assert speech_segments("Roth IRA 是一种退休账户。", "zh") == [
        ("Roth IRA", "en"),
        ("是一种退休账户。", "zh"),
    ]


def test_letter_digit_codes_in_chinese_go_to_the_english_voice() -> None:
    assert speech_segments("R1（PR1）谨慎型、低风险。", "zh") == [
        ("R one(P.R. one)", "en"),
        ("谨慎型、低风险。", "zh"),
    ]


def test_segments_drop_what_cannot_be_spoken() -> None:
    assert speech_segments("[1] https://example.com", "en") == []
    assert speech_segments("——", "zh") == []
