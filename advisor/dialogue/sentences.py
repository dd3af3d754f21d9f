"""Streaming sentence segmentation: feed text pieces, get each sentence as soon as it is complete."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence ends at Chinese 。！？；, at English .!? followed by a space, or at a line break. A full
# stop between digits (2.35) or after a single capital (U.S.) is not an end.
_END = re.compile(r"(?:[。！？；!?]+[”」』）)\]]*(?:\s*\[\d+\])*|(?<![0-9A-Z])\.(?:\s*\[\d+\])*(?=\s)|\n+)")


class SentenceSplitter:
    def __init__(self, min_chars: int = 2) -> None:
        self._buffer = ""
        self._min_chars = min_chars

    def feed(self, text: str) -> Iterator[str]:
        self._buffer += text
        while True:
            match = _END.search(self._buffer)
            # Wait for the character after an end mark: a citation like " [2]" may still follow it.
            if not match or match.end() >= len(self._buffer):
                return
            sentence, self._buffer = self._buffer[: match.end()], self._buffer[match.end() :]
            if len(sentence.strip()) >= self._min_chars:
                yield sentence.strip()
            elif sentence.strip():
                self._buffer = sentence + self._buffer
                return

    def flush(self) -> Iterator[str]:
        rest, self._buffer = self._buffer.strip(), ""
        if rest:
            yield rest


def split_sentences(text: str) -> list[str]:
    splitter = SentenceSplitter()
    return [*splitter.feed(text + "\n\n"), *splitter.flush()]
