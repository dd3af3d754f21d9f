"""The fallback answer: the best sentences of the best passages, quoted with their citations.

Used when the model's answer fails the grounding guard, the model is unavailable or its stream breaks,
so the user still gets an answer whose every figure is in the sources.
"""

from __future__ import annotations

import re

from advisor.dialogue.sentences import split_sentences
from advisor.events import Source
from advisor.knowledge.text import tokenize


def extractive_answer(question: str, sources: list[Source], max_sentences: int = 3) -> tuple[str, list[int]]:
    """(answer text with [n] markers, the citation numbers used)."""
    wanted = set(tokenize(question))
    scored: list[tuple[float, int, int, str]] = []
    for rank, source in enumerate(sources[:3]):
        for position, sentence in enumerate(_sentences(source.text)):
            overlap = len(wanted & set(tokenize(sentence)))
            # Earlier passages and earlier sentences break ties: retrieval ranked them higher.
            scored.append((overlap - 0.3 * rank - 0.01 * position, source.n, position, sentence))
    if not scored:
        return "", []
    best = sorted(scored, reverse=True)[:max_sentences]
    best.sort(key=lambda item: (item[1], item[2]))
    parts = [f"{sentence} [{n}]" for _, n, _, sentence in best]
    return " ".join(parts), sorted({n for _, n, _, _ in best})


def _sentences(text: str) -> list[str]:
    cleaned = re.sub(r"^\s*[-*]\s+|^\s*\d+\.\s+", "", text, flags=re.MULTILINE)
    return [s for s in split_sentences(cleaned) if len(s) >= 6 and re.search(r"\w", s)]
