"""Streaming sentence segmentation: feed text pieces, get each sentence as soon as it is complete."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence ends at Chinese 。！？；, at English .!? followed by a space, or at a line break. A full
# stop between digits (2.35) or after a single capital (U.S.) is not an end.
_END = re.compile(r"(?:[。！？；!?]+[”」』）)\]]*(?:\s*\[\d+\])*|(?<![0-9A-Z])\.(?:\s*\[\d+\])*(?=\s)|\n+)")


# A clause ends at a comma, colon or enumeration comma (not a thousands separator: 10,000).
_CLAUSE = re.compile(r"[，、：；]|[,:](?!\d)")


class SentenceSplitter:
    def __init__(self, min_chars: int = 2, first_clause_chars: int = 0) -> None:
        """`first_clause_chars`: when > 0, the first piece may end at a clause mark found at least that
        many characters in, so speech can start before the whole first sentence is written."""
        self._buffer = ""
        self._min_chars = min_chars
        self._first_clause_chars = first_clause_chars
        self._emitted = False

    def feed(self, text: str) -> Iterator[str]:
        self._buffer += text
        while True:
            match = _END.search(self._buffer)
            if not self._emitted and self._first_clause_chars:
                clause = _CLAUSE.search(self._buffer, self._first_clause_chars)
                if (
                    clause
                    and (not match or clause.end() < match.start())
                    and clause.end() < len(self._buffer)
                ):
                    match = clause
            # Wait for the character after an end mark: a citation like " [2]" may still follow it.
            if not match or match.end() >= len(self._buffer):
                return
            sentence, self._buffer = self._buffer[: match.end()], self._buffer[match.end() :]
            if len(sentence.strip()) >= self._min_chars:
                self._emitted = True
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
