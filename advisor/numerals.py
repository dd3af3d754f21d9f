"""Chinese numerals as numbers, shared by the grounding guard and the speech scorer: cn2an reads them;
here only which strings count as one number."""

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
_UNITS = set("十百千万亿")


def cardinal(text: str) -> int | None:
    """ "一万六千" -> 16000, "三百零五" -> 305, "三万五" -> 35000, "十" -> 10; None if `text` is not one
    cardinal number written with units ("一二" is a digit string, "万一" a word)."""
    if not any(ch in _UNITS for ch in text) or not all(ch in DIGITS or ch in _UNITS for ch in text):
        return None
    import cn2an  # 0.2 s to import: only when a numeral is read

    try:
        # A bare leading unit counts one of it: 百万 (a million, as in 百万医疗险), 千五.
        value = cn2an.cn2an(("一" if text[0] in "十百千" else "") + text.replace("幺", "一"), "smart")
    except (ValueError, KeyError):  # malformed ("十十")
        return None
    return int(value)


def chinese_number(text: str) -> int | None:
    """A cardinal ("一千五" -> 1500, "三万五千" -> 35000), or a run of digits ("五" -> 5, "二〇二六" -> 2026);
    None when `text` is neither."""
    value = cardinal(text)
    if value is None and text and all(ch in DIGITS for ch in text):
        value = int("".join(str(DIGITS[ch]) for ch in text))
    return value
