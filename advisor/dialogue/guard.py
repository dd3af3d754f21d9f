"""The grounding guard: every figure, date, phone number and name in an answer must be in its sources.

A small model invents numbers. This check is deliberately simple and literal: it takes the checkable facts
of the answer (facts.py) and looks for each in the source texts after normalisation (NFKC, thousands
separators removed, 万/亿/million scaled). A number is supported when the same value appears in any source,
in any language; with a unit, in that unit or bare (a source's "IELTS 6.5" supports "6.5分", its "9克"
does not support "9小时"). A name is supported when the word appears in any source ("California's" by
"California"). Numbers written in Chinese numerals or English words in a source (三个月, two doses) count
as support. Whether a supported figure is said of the right thing is claims.py's check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from advisor.dialogue.facts import (
    _DATES,
    _EN_NUMBER_WORD,
    _EN_NUMBER_WORDS,
    _MULT,
    _SOURCE_NUMBER,
    _UNITS_EN,
    _UNITS_ZH,
    _ZH_NUMERAL,
    _Date,
    _date_key,
    _decimal,
    _Fact,
    _facts,
    _normalize,
    _scale,
    _zh_numeral,
    extract_facts,
)

__all__ = ["GuardResult", "check_answer", "extract_facts"]


@dataclass(frozen=True)
class GuardResult:
    supported: bool
    unsupported: tuple[str, ...]  # the facts from the answer that no source contains


# ---------------------------------------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Evidence:
    text: str  # all sources, normalised, joined
    compact: str  # the same without spaces, for Chinese titles
    numbers: set[Decimal]
    dates: set[_Date]
    digit_runs: str  # digits with the separators between them removed, for phone numbers
    measured: set[tuple[Decimal, str]] = field(default_factory=set)  # (value, canonical unit) in the sources
    bare: set[Decimal] = field(default_factory=set)  # values written with no unit at all ("bands 6.5")


# A number with a unit must come with the same unit: "9小时" is not supported by "9克", which a
# value-only check let through. Only units listed here are enforced; others fall back to the value.
_UNIT_WORDS: dict[str, str] = {
    "小时": "hour",
    "个小时": "hour",
    "hours": "hour",
    "hour": "hour",
    "hrs": "hour",
    "h": "hour",
    "分钟": "minute",
    "minutes": "minute",
    "minute": "minute",
    "mins": "minute",
    "min": "minute",
    "天": "day",
    "日": "day",
    "days": "day",
    "day": "day",
    "周": "week",
    "星期": "week",
    "个星期": "week",
    "weeks": "week",
    "week": "week",
    "个月": "month",
    "月": "month",
    "months": "month",
    "month": "month",
    "年": "year",
    "years": "year",
    "year": "year",
    "岁": "age",
    "years old": "age",
    "克": "gram",
    "g": "gram",
    "grams": "gram",
    "gram": "gram",
    "毫克": "mg",
    "mg": "mg",
    "千克": "kg",
    "公斤": "kg",
    "kg": "kg",
    "毫升": "ml",
    "ml": "ml",
    "升": "litre",
    "l": "litre",
    "litres": "litre",
    "liters": "litre",
    "元": "yuan",
    "块": "yuan",
    "yuan": "yuan",
    "rmb": "yuan",
    "分": "point",
    "points": "point",
    "point": "point",
    "次": "times",
    "倍": "times",
    "times": "times",
}
_UNIT_PATTERN = re.compile(
    r"\s?(?P<unit>"
    + "|".join(sorted((re.escape(u) for u in _UNIT_WORDS), key=len, reverse=True))
    + r")(?![A-Za-z])",
    re.IGNORECASE,
)
# Any unit or percent sign right after a figure: such a figure is not bare.
_ANY_UNIT = re.compile(r"\s?(?:%|‰|" + _UNITS_ZH + r"|(?:" + _UNITS_EN + r")(?![A-Za-z]))", re.IGNORECASE)
_RANGE_TAIL = re.compile(r"\s?(?:-|~|～|到|至|to)\s?\d+(?:\.\d+)?\s?(?:" + _MULT + r")?")


def _unit_after(text: str, end: int) -> str:
    """The canonical unit written right after position `end` (also after a range: "7-9小时")."""
    tail = text[end : end + 16]
    range_match = _RANGE_TAIL.match(tail)
    if range_match:
        tail = tail[range_match.end() :]
    match = _UNIT_PATTERN.match(tail)
    return _UNIT_WORDS[match.group("unit").lower()] if match else ""


def _evidence(sources: Sequence[str]) -> _Evidence:
    text = "\n\n".join(_normalize(s) for s in sources)
    numbers: set[Decimal] = set()
    bare: set[Decimal] = set()
    # Thousands separators removed, and also kept (a list "100,200" is two numbers).
    measured: set[tuple[Decimal, str]] = set()
    for variant in (re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text), text.replace(",", " ")):
        for m in _SOURCE_NUMBER.finditer(variant):
            value = _decimal(m.group("num"))
            if value is not None:
                numbers.add(value)
                numbers.add(value * _scale(m.group("mult")))
                unit = _unit_after(variant, m.end())
                if unit:
                    measured.add((value, unit))
                    measured.add((value * _scale(m.group("mult")), unit))
                elif not _ANY_UNIT.match(variant, m.end()):
                    bare.update((value, value * _scale(m.group("mult"))))
    for m in _ZH_NUMERAL.finditer(text):
        zh = _zh_numeral(m.group("n") or m.group("n2") or "")
        if zh is not None:
            numbers.add(zh)
            end = m.end("n") if m.group("n") else m.end("n2") if m.group("n2") else m.end()
            for position in (end, m.end()):
                unit = _unit_after(text, position)
                if unit:
                    measured.add((zh, unit))
    for m in _EN_NUMBER_WORD.finditer(text):
        word_value = Decimal(_EN_NUMBER_WORDS[m.group(1).lower()])
        numbers.add(word_value)
        unit = _unit_after(text, m.end(1))
        if unit:
            measured.add((word_value, unit))
    dates = {key for pattern in _DATES for m in pattern.finditer(text) if (key := _date_key(m)) is not None}
    digit_runs = re.sub(r"(?<=\d)[\s\-().]+(?=\d)", "", text)
    return _Evidence(text, re.sub(r"\s+", "", text), numbers, dates, digit_runs, measured, bare)


def _supported(fact: _Fact, ev: _Evidence) -> bool:
    key = fact.key
    if isinstance(key, Decimal):
        if key not in ev.numbers:
            return False
        digits = re.search(r"\d[\d,.]*(?:\s?(?:" + _MULT + r"))?", fact.text)
        unit = _unit_after(fact.text, digits.end()) if digits else ""
        # A unit the source does not write is the answer's reading of a bare figure ("6.5分" for
        # "IELTS 6.5"); a figure the source gives only with other units ("9克") is not that.
        return not unit or (key, unit) in ev.measured or key in ev.bare
    if isinstance(key, tuple):
        year, month, day = key
        return any(
            (month is None or sm == month)
            and (day is None or sd == day)
            and (year is None or sy == year or (sy is None and Decimal(year) in ev.numbers))
            for sy, sm, sd in ev.dates
        )
    if fact.kind == "phone":
        return key in ev.digit_runs
    if fact.kind == "acronym":
        return (
            re.search(r"(?<![A-Za-z0-9])" + re.escape(key) + r"(?:s|'s)?(?![A-Za-z0-9&])", ev.text)
            is not None
        )
    if fact.kind == "name":
        pattern = r"(?<![A-Za-z0-9])" + re.escape(key) + r"(?![A-Za-z0-9])"
        return re.search(pattern, ev.text, re.IGNORECASE) is not None
    short = key.removeprefix("中华人民共和国")  # a title
    return key in ev.compact or (bool(short) and short in ev.compact)


def check_answer(answer: str, sources: Sequence[str]) -> GuardResult:
    """Whether every fact of the answer is in some source; the ones that are not, in order of appearance."""
    facts = list(_facts(answer))
    if not facts:
        return GuardResult(True, ())
    evidence = _evidence(sources)
    unsupported = tuple(fact.text for fact in facts if not _supported(fact, evidence))
    return GuardResult(not unsupported, unsupported)
