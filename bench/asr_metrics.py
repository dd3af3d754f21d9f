"""Word and character error rates, with the normalisation used to score them (tests and bench/asr.py).

English: lower case, punctuation dropped, hyphens split, numbers spelled out ("10" -> "ten"), and
"Mr."/"Mrs."/"Dr." written out, so "Mr. Dashwood, ill-disposed" matches "mister dashwood ill disposed".
(Whisper's EnglishTextNormalizer goes the other way and joins "one two three" into "123", which scores
a correct "1, 2, 3" as wrong.) Chinese: Simplified, half-width
characters, no punctuation or spaces, and every number in Arabic digits ("七天" -> "7天", "一万六千" ->
"16000"), since Whisper writes digits where a reference spells the number and the reverse.
"""

from __future__ import annotations

import re
import unicodedata

from advisor.asr.correction import edit_distance
from advisor.asr.text import to_simplified
from advisor.numerals import DIGITS, cardinal

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


_NUMERAL_RUN = re.compile(r"[零〇幺一二两三四五六七八九十百千万亿]+(?:点[零〇幺一二三四五六七八九]+)?")


def _arabic(match: re.Match[str]) -> str:
    """A run of Chinese numerals in Arabic digits: a cardinal by value, anything else digit by digit."""
    whole, _, decimals = match.group().partition("点")
    value = cardinal(whole)
    if value is not None:
        digits = str(value)
    else:  # a digit string ("一二零"), a count ("一二三四五六七八九十") or a word ("万一")
        digits = "".join(str(DIGITS[ch]) if ch in DIGITS else "10" if ch == "十" else ch for ch in whole)
    return digits + ("." + "".join(str(DIGITS[ch]) for ch in decimals) if decimals else "")


def chinese_characters(text: str) -> list[str]:
    """Scoring units: Simplified, half-width, punctuation and spaces dropped, numbers in Arabic digits.

    Both sides are normalised the same way, so "16,000元", "16000元" and "一万六千元" all become
    "16000元", "百分之五" and "5%" agree, and a digit counts as one unit. Chinese numerals inside words
    ("一下", "统一") become digits too, on both sides alike, which changes no score.
    """
    text = unicodedata.normalize("NFKC", to_simplified(text))
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # thousands separators
    text = re.sub(r"百分之([零〇一二两三四五六七八九十百千万亿点\d.]+)", r"\1%", text)
    text = _NUMERAL_RUN.sub(_arabic, text)
    return [ch for ch in text.lower() if ch.isalnum()]


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
