"""The claim check: a figure must come from a source sentence about what the question asks.

The literal guard (guard.py) accepts a figure found anywhere in the sources. Asked how much salt an adult
may eat, a small model answered with the sugar figure (25克) from the same document: the number is in the
source, the claim is not. Here each figure of an answer sentence is looked up in the source sentences,
and when the sources state a figure for the asked thing (盐, "salt") the figure must come from a paragraph
that names it (for a list item: with the line introducing the list), not from one about something else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from advisor.dialogue.facts import _facts
from advisor.dialogue.guard import _Evidence, _evidence, _supported
from advisor.dialogue.sentences import split_sentences
from advisor.knowledge.terms import asked, mentions

_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)、])\s")


@dataclass(frozen=True)
class _Scoped:
    text: str  # the sentence's paragraph (a list item's with the line that introduces the list)
    evidence: _Evidence
    about: bool  # whether that paragraph names the asked thing
    has_figure: bool


class ClaimCheck:
    """One per turn, from the question and the passages; `misattributed` per answer sentence."""

    def __init__(self, question: str, sources: Sequence[str]) -> None:
        self.question = question
        self.sources = list(sources)
        self._read: tuple[tuple[str, ...], list[_Scoped]] | None = None

    @property
    def heads(self) -> tuple[str, ...]:
        return self._sources()[0]

    def _sources(self) -> tuple[tuple[str, ...], list[_Scoped]]:
        """The passages' sentences with their scope, read on the first answer sentence (so the time to
        the first token does not pay for it)."""
        if self._read is not None:
            return self._read
        heads = tuple(h for h in asked(self.question).heads if any(mentions(s, h) for s in self.sources))
        sentences: list[_Scoped] = []
        for source in self.sources if heads else []:  # no asked thing named: nothing to tell apart
            lead = ""  # the line that introduces a list ("减盐小技巧：") is part of each item's scope
            for line in source.splitlines():
                item = bool(_LIST_ITEM.match(line))
                scope = f"{lead} {line}" if item else line
                if not item and line.strip():
                    lead = line
                about = any(mentions(scope, h) for h in heads)
                for sentence in split_sentences(line):
                    evidence = _evidence([sentence])
                    sentences.append(_Scoped(scope, evidence, about, bool(evidence.numbers)))
        self._read = (heads, sentences)
        return self._read

    def misattributed(self, sentence: str) -> tuple[str, ...]:
        """The figures of `sentence` that the sources give only for something other than the asked thing."""
        heads, scoped = self._sources()
        if not heads or not any(s.about and s.has_figure for s in scoped):
            return ()
        wrong = []
        for fact in _facts(sentence):
            if fact.kind != "number" or not isinstance(fact.key, Decimal):
                continue
            holders = [s for s in scoped if _supported(fact, s.evidence)]
            if holders and not any(s.about for s in holders):
                wrong.append(fact.text)
        return tuple(wrong)
