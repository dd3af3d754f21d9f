"""Local agreement: which words of a growing utterance's transcript are settled.

Whisper re-decodes the utterance so far every few hundred milliseconds; its last words change as more
audio arrives ("保险" becomes "保险公司"). A word is settled once two decodes in a row agree on it and on
everything before it (the policy of whisper_streaming, Macháček et al. 2023), so what is shown as heard
never jumps back; the rest is shown as tentative.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\s\u3400-\u9fff]+")  # a Chinese character, or a run of anything else


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        cjk = len(part) == 1 and "\u3400" <= part <= "\u9fff"
        joined = out and not cjk and not ("\u3400" <= out[-1] <= "\u9fff")
        out += (" " if joined else "") + part
    return out


def join_text(settled: str, tentative: str) -> str:
    """The settled words and the tentative ones as one line."""
    return join([*tokens(settled), *tokens(tentative)])


class LocalAgreement:
    def __init__(self) -> None:
        self._previous: list[str] = []
        self.committed: list[str] = []

    def update(self, hypothesis: str) -> tuple[str, str]:
        """(settled, tentative) after a new decode of the whole utterance so far."""
        current = tokens(hypothesis)
        agreed = 0
        for a, b in zip(self._previous, current, strict=False):
            if a != b:
                break
            agreed += 1
        # Settled words never move back, even when a later decode disagrees with them.
        if agreed > len(self.committed):
            self.committed = current[:agreed]
        self._previous = current
        rest = current[len(self.committed) :]
        return join(self.committed), join(rest)
