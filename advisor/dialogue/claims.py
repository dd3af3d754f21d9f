"""The claim check: a figure must come from a source sentence about what the question asks.

The literal guard (guard.py) accepts a figure found anywhere in the sources. Asked how much salt an adult
may eat, a small model answered with the sugar figure (25克) from the same document: the number is in the
source, the claim is not. Here each figure of an answer sentence is looked up in the source sentences,
and when the sources state a figure for the asked thing (盐, "salt") the figure must come from such a
sentence or the one before it, not from a sentence about something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from advisor.dialogue.facts import _facts
from advisor.dialogue.guard import _Evidence, _evidence, _supported
from advisor.dialogue.sentences import split_sentences
from advisor.knowledge.terms import asked, mentions


@dataclass(frozen=True)
class _Scoped:
    text: str  # the sentence with the one before it: a list item's subject often stands just above it
    evidence: _Evidence
    about: bool  # whether the sentence or the one before names the asked thing
    has_figure: bool


class ClaimCheck:
    """Built once per turn from the question and the passages; `misattributed` per answer sentence."""

    def __init__(self, question: str, sources: Sequence[str]) -> None:
        heads = [h for h in asked(question).heads if any(mentions(s, h) for s in sources)]
        self.heads = tuple(heads)
        self._sentences: list[_Scoped] = []
        if not heads:
            return  # nothing to tell the asked thing from others by
        for source in sources:
            sentences = [s for s in split_sentences(source) if s.strip()]
            for i, sentence in enumerate(sentences):
                scope = (sentences[i - 1] + " " if i else "") + sentence
                evidence = _evidence([sentence])
                self._sentences.append(
                    _Scoped(
                        scope,
                        evidence,
                        any(mentions(scope, h) for h in heads),
                        bool(evidence.numbers),
                    )
                )

    def misattributed(self, sentence: str) -> tuple[str, ...]:
        """The figures of `sentence` that the sources give only for something other than the asked thing."""
        if not self.heads or not any(s.about and s.has_figure for s in self._sentences):
            return ()
        wrong = []
        for fact in _facts(sentence):
            if fact.kind != "number" or not isinstance(fact.key, Decimal):
                continue
            holders = [s for s in self._sentences if _supported(fact, s.evidence)]
            if holders and not any(s.about for s in holders):
                wrong.append(fact.text)
        return tuple(wrong)
