"""Text normalised for speech, in Simplified Chinese and English. Pure functions, no models.

What a voice must not read aloud goes first (markdown symbols, citation markers like [1], URLs,
HTML tags), then numbers are written out the way a person reads them in that language: money,
percentages, dates, times, phone numbers (digit by digit), units, ranges, fractions, ordinals, years.

    normalize("¥10,000，年化2.35%", "zh")  -> "一万元，年化百分之二点三五"
    normalize("$25 on 2026-03-01", "en")    -> "twenty-five dollars on March first, twenty twenty-six"

`speech_segments` splits a mixed sentence into runs of one language each, normalised in that
language, so each run can be spoken by a voice of its language.
"""

from __future__ import annotations

import re

from advisor.knowledge.text import detect_language as detect_text_language
from advisor.tts.normalize.chinese import normalize_zh
from advisor.tts.normalize.english import normalize_en
from advisor.tts.normalize.markup import clean_markup
from advisor.tts.normalize.numbers import en_integer, en_ordinal, en_year, zh_integer
from advisor.tts.normalize.patterns import HAN


def detect_language(text: str) -> str:
    """The voice for a sentence: an English sentence quoting a Chinese term stays with the English voice
    (the term gets its own segment), so Chinese must carry more of it than for a question."""
    return detect_text_language(text, per_word=0.75)


def normalize(text: str, language: str) -> str:
    """The text as it should be spoken in `language` ('zh' or 'en'): no markup, numbers written out."""
    text = clean_markup(text)
    return normalize_zh(text) if language.startswith("zh") else normalize_en(text)


_RUN = re.compile(
    f"(?P<zh>[{HAN}](?:[{HAN}\u3000-\u303f\uff00-\uffef·“”‘’《》]*[{HAN}])?)"
    r"|(?P<en>[A-Za-z][A-Za-z0-9]*(?:[’'\-. ]+[A-Za-z][A-Za-z0-9]*)*\.?)"
)
_ZH_PUNCT_TO_EN = str.maketrans(
    {"，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "、": ",", "（": "(", "）": ")"}
)


def split_languages(text: str, language: str) -> list[tuple[str, str]]:
    """Split text into runs of Chinese and of Latin-script words: [(text, 'zh'|'en'), ...].

    Characters of neither (digits, spaces, punctuation) join the run before them, or the run after
    them when they lead straight into it without a space: '15很贵' and '5克' stay with the Chinese.
    """
    runs: list[list[str]] = []
    position = 0
    for match in _RUN.finditer(text):
        between = text[position : match.start()]
        kind = "zh" if match.group("zh") else "en"
        digits = re.search(r"[\d.,%]+$", between)
        if kind == "zh" and digits:  # '5克', '15很贵': a number leading into Chinese is read with it
            before, lead = between[: digits.start()], between[digits.start() :]
        else:
            before, lead = between, ""
        if runs:
            runs[-1][0] += before
        else:
            lead = before + lead
        if runs and runs[-1][1] == kind:
            runs[-1][0] += lead + match.group()
        else:
            runs.append([lead + match.group(), kind])
        position = match.end()
    tail = text[position:]
    if runs:
        runs[-1][0] += tail
    elif tail.strip():
        runs.append([tail, language])
    out: list[tuple[str, str]] = []
    for segment, kind in runs:
        segment = segment.strip()
        if kind == "en":
            segment = segment.translate(_ZH_PUNCT_TO_EN).strip(" ,;:-")
        if not re.search(r"[\w" + HAN + "]", segment):
            continue
        if out and out[-1][1] == kind:
            out[-1] = (out[-1][0] + " " + segment, kind)
        else:
            out.append((segment, kind))
    return out


def speech_segments(text: str, language: str = "") -> list[tuple[str, str]]:
    """A sentence as (text, language) runs to speak, each normalised in its own language.

    The sentence is normalised in its own language first, so numbers, money and units read in the
    language of the sentence; a run in the other language is then normalised in that one.
    """
    language = "zh" if (language or detect_language(text)).startswith("zh") else "en"
    spoken = normalize(text, language)
    segments = []
    for segment, kind in split_languages(spoken, language):
        if kind != language:
            segment = normalize_zh(segment) if kind == "zh" else normalize_en(segment)
        if re.search(r"[A-Za-z" + HAN + "]", segment):
            segments.append((segment, kind))
    return segments


__all__ = [
    "HAN",
    "clean_markup",
    "detect_language",
    "en_integer",
    "en_ordinal",
    "en_year",
    "normalize",
    "normalize_en",
    "normalize_zh",
    "speech_segments",
    "split_languages",
    "zh_integer",
]
