"""Chinese numerals as numbers, shared by the grounding guard and the speech scorer."""

from __future__ import annotations

DIGITS = {
    "零": 0,
    "〇": 0,
    "幺": 1,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_SECTIONS = {"万": 10_000, "亿": 100_000_000}


def _section_value(text: str) -> int | None:
    """The value of a numeral below ten thousand written with units ("三百零五"), or None if malformed."""
    total, digit, last_unit, zero = 0, None, 10_000, False
    for ch in text:
        if ch in DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row: "一二" is a digit string, not a cardinal
            digit = DIGITS[ch]
            zero = zero or digit == 0
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit or (digit == 0):
                return None
            total += (1 if digit is None else digit) * unit  # "十五": a bare ten
            digit, last_unit, zero = None, unit, False
    if digit and not zero and last_unit < 10_000:  # "一千五" is 1500, "一千零五" 1005
        return total + digit * last_unit // 10
    return total + (digit or 0)


def cardinal(text: str) -> int | None:
    """ "一万六千" -> 16000, "三百零五" -> 305, "十" -> 10; None if `text` is not one cardinal number."""
    if not any(ch in _UNITS or ch in _SECTIONS for ch in text):
        return None
    total = 0
    for section, scale in (("亿", 100_000_000), ("万", 10_000)):
        if section in text:
            head, _, text = text.partition(section)
            value = _section_value(head) if head else None
            if not value or section in text:
                return None
            total += value * scale
            if DIGITS.get(text):  # "三万五" is 35000
                return total + DIGITS[text] * scale // 10
    if text:
        value = _section_value(text)
        if value is None:
            return None
        total += value
    return total


def chinese_number(text: str) -> int | None:
    """A cardinal ("一千五" -> 1500, "三万五千" -> 35000), or a run of digits ("五" -> 5, "二〇二六" -> 2026);
    None when `text` is neither."""
    value = cardinal(text)
    if value is None and text and all(ch in DIGITS for ch in text):
        value = int("".join(str(DIGITS[ch]) for ch in text))
    return value
