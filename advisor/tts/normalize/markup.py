"""What is never read aloud: markdown symbols, citation markers like [1], URLs, HTML tags."""

from __future__ import annotations

import re

from advisor import citations
from advisor.tts.normalize.patterns import _FULLWIDTH, _HAN, HAN

_CODE_FENCE = re.compile(r"```[^\n]*\n?|~~~[^\n]*\n?")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'，。；！？、）)\]】]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HTML = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_CITATION = re.compile(rf"\s*(?:{citations.ANY_MARKER.pattern})")  # with the space before it
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*+•·]|\d{1,2}[.)、])\s+", re.MULTILINE)
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$", re.MULTILINE)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~)(?=\S)(.+?)(?<=\S)\1")
_INLINE_CODE = re.compile(r"`+([^`]*)`+")


def clean_markup(text: str) -> str:
    """Drop markdown symbols, citation markers, URLs, e-mail addresses and HTML tags; keep the words."""
    text = text.translate(_FULLWIDTH)
    text = _CODE_FENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _EMAIL.sub("", text)
    text = _HTML.sub(" ", text)
    text = _CITATION.sub("", text)
    text = _RULE.sub("", text)
    text = _TABLE_SEP.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub("", text)
    text = _INLINE_CODE.sub(r"\1", text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^[ \t]*\|[ \t]*|[ \t]*\|[ \t]*$", "", text, flags=re.MULTILINE)  # table edges
    text = re.sub(r"[ \t]*\|[ \t]*", "，" if _HAN.search(text) else ", ", text)
    text = re.sub(r"(?<![\w*])[*_]{2,3}(?![\w*])", "", text)  # stray emphasis marks
    text = text.replace("\\", "")
    return _tidy(text)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text)
    text = re.sub(f"(?<=[{HAN}]) (?=[{HAN}])", "", text)
    text = re.sub(r" +([,.;:!?，。；：！？、])", r"\1", text)
    text = re.sub(r"([，。；：！？、])\1+", r"\1", text)
    text = re.sub(r"\(\s*\)|（\s*）", "", text)
    return text.strip()
