"""Word and character error rates, with the normalisation used to score them (tests and bench/asr.py).

English: lower case, punctuation dropped, hyphens split, numbers spelled out ("10" -> "ten"), and
"Mr."/"Mrs."/"Dr." written out, so "Mr. Dashwood, ill-disposed" matches "mister dashwood ill disposed".
(Whisper's EnglishTextNormalizer goes the other way and joins "one two three" into "123", which scores
a correct "1, 2, 3" as wrong.) Chinese: Simplified characters,
no punctuation or spaces, and Arabic numbers read out in Chinese ("7天" -> "七天"), since Whisper writes
digits where a reference spells the number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from advisor.asr.text import to_simplified


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]

_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "ms": "miss", "dr": "doctor", "st": "saint", "ok": "okay"}


def _english_number(number: int) -> str:
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {_english_number(rest)}" if rest else "")
    if number < 1_000_000:
        thousands, rest = divmod(number, 1000)
        return f"{_english_number(thousands)} thousand" + (f" {_english_number(rest)}" if rest else "")
    return " ".join(_ONES[int(d)] for d in str(number))


def english_words(text: str) -> list[str]:
    """Lower case, no punctuation, hyphens split, numbers spelled out, common abbreviations expanded."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())
    text = re.sub(r"\d+", lambda m: f" {_english_number(int(m.group()))} ", text)
    words = re.sub(r"[^\w\s']|_|(?<!\w)'|'(?!\w)", " ", text.replace("-", " ")).split()
    return [_ABBREVIATIONS.get(w, w) for w in words]


_DIGITS = "零一二三四五六七八九"


def _chinese_number(number: int) -> str:
    if number < 10:
        return _DIGITS[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return "".join(_DIGITS[int(d)] for d in str(number))  # years, phone numbers: read digit by digit


def chinese_characters(text: str) -> list[str]:
    text = re.sub(r"\d+", lambda m: _chinese_number(int(m.group())), to_simplified(text))
    return [ch for ch in text if ch.isalnum()]


def wer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) for English."""
    ref = english_words(reference)
    return edit_distance(ref, english_words(hypothesis)), len(ref)


def cer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference characters) for Chinese."""
    ref = chinese_characters(reference)
    return edit_distance(ref, chinese_characters(hypothesis)), len(ref)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    edits, total = cer(reference, hypothesis) if language == "zh" else wer(reference, hypothesis)
    return edits / max(total, 1)
