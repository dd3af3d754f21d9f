"""Citation markers: the one place that says what `[n]` in an answer looks like.

The advisor writes and checks `[n]` (n = a passage's number). A model also writes other forms
(`[1, 2]`, `[1-3]`, `【1】`, `[^1]`); those are only ever taken out, before figures are compared or
text is read aloud, so they match `ANY_MARKER`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MARKER = re.compile(r"\[(\d{1,2})\]")
_NUMBERS = r"\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*"
ANY_MARKER = re.compile(rf"\[\s*{_NUMBERS}\s*\]|【\s*{_NUMBERS}\s*】|\[\^\d+\]")


def numbers(text: str) -> list[int]:
    """Every `[n]` in `text`, in order, whether or not such a passage exists."""
    return [int(n) for n in MARKER.findall(text)]


def cited(text: str, count: int) -> list[int]:
    """The passages `text` cites that exist (1..count), each once, in order."""
    return sorted({n for n in numbers(text) if 1 <= n <= count})


def strip(text: str) -> str:
    """`text` without its `[n]` markers."""
    return MARKER.sub("", text)


def markers(cited: Iterable[int]) -> str:
    """`[1][3]` for passages 1 and 3."""
    return "".join(f"[{n}]" for n in cited)
