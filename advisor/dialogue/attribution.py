"""Which passages an answer without [n] markers came from, so it can be cited instead of replaced.

Small models often forget the markers. A sentence is drawn from a passage when most of its words are
in it, when its figures are (and a fair share of its words), or when it says things beyond the question
that the passage says: restating the question is not drawing on a source, "分数优先、遵循志愿" or
"spaced repetition" is.
"""

from __future__ import annotations

from advisor.dialogue.guard import check_answer, extract_facts
from advisor.dialogue.sentences import split_sentences
from advisor.knowledge.terms import key_terms, mentions
from advisor.knowledge.text import tokenize

NEW_TERMS = 2  # words beyond the question that a passage must share with the sentence


def attribute(answer: str, sources: list[str], question: str = "", min_overlap: float = 0.5) -> list[int]:
    """Source numbers (1-based) that some answer sentence was drawn from."""
    source_tokens = [set(tokenize(text)) for text in sources]
    asked = set(key_terms(question))
    cited: set[int] = set()
    for sentence in split_sentences(answer):
        words = set(tokenize(sentence))
        if len(words) < 2 or not sources:
            continue
        overlap, best = max(
            (len(words & tokens) / len(words), n) for n, tokens in enumerate(source_tokens, 1)
        )
        if overlap >= min_overlap:
            cited.add(best)
            continue
        if overlap >= min_overlap / 2 and extract_facts(sentence):
            # Fewer shared words, but its figures are in a source: that source is where it came from.
            holders = [n for n, text in enumerate(sources, 1) if check_answer(sentence, [text]).supported]
            if holders:
                cited.add(best if best in holders else holders[0])
                continue
        new = [t for t in key_terms(sentence) if t not in asked and len(t) > 1]
        shared, n = max((sum(mentions(text, t) for t in new), n) for n, text in enumerate(sources, 1))
        if shared >= NEW_TERMS:
            cited.add(n)
    return sorted(cited)
