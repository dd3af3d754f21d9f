"""What the model reads: the retrieved passages cut to the sentences that bear on the question.

On two CPU cores the model reads its prompt at about 300 tokens/s, so every passage sentence costs
time before the first token. The whole passages stay in the source list shown to the user and are what
the guard checks the answer against; the model sees only the sentences that share the most words with
the question (and their neighbours), within a token budget, in their original order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from advisor.dialogue.sentences import split_sentences
from advisor.knowledge.chunking import estimate_tokens
from advisor.knowledge.terms import asked, mentions
from advisor.knowledge.text import detect_language

GAP = " … "
# Chosen on the in-house question set (bench/questions): with a 250-token budget the model's context
# still holds every key fact for 63% of questions, against 75% for the three whole passages (370
# tokens at the median, 520 at p90).
RANK_PENALTY = 1.0
NEIGHBOURS = (-1, 1)  # the sentences around a match often carry its figure or its condition
NUMBER_BONUS = 0.5
HEAD_BONUS = 1.0
_QUANTITY = re.compile(
    r"多少|几|多久|多长|多大|多高|多重|哪年|何时|什么时候|比例|标准|how (many|much|long|often|old)|when|what (age|year|percentage|rate)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class _Piece:
    source: int  # index of the passage
    position: int  # index of the sentence in its passage
    text: str
    cost: int


def focus_passages(question: str, passages: list[str], budget_tokens: int) -> list[str]:
    """Each passage reduced to its most relevant sentences; together within `budget_tokens`.

    A passage that contributes nothing comes back empty. Passages that already fit are unchanged.
    """
    if sum(estimate_tokens(p) for p in passages) <= budget_tokens:
        return list(passages)
    pieces = [
        _Piece(i, j, s, estimate_tokens(s))
        for i, passage in enumerate(passages)
        for j, s in enumerate(_sentences(passage))
    ]
    ask = asked(question)
    wanted = set(ask.terms)
    if not pieces or not wanted:
        return [_cut(p, budget_tokens // max(1, len(passages))) for p in passages]
    # The question's words are matched inside the sentence's words (盐 in 食盐), and rarer words say
    # more: each is weighted by how few sentences mention it.
    said = {(p.source, p.position): {w for w in wanted if mentions(p.text, w)} for p in pieces}
    counts = {w: sum(1 for p in pieces if w in said[(p.source, p.position)]) for w in wanted}
    weight = {w: math.log(1 + len(pieces) / c) for w, c in counts.items() if c}

    quantity = ask.slot in ("quantity", "when") or bool(_QUANTITY.search(question))
    top = max(weight.values(), default=1.0)
    language = detect_language(question)
    foreign = {i for i, p in enumerate(passages) if detect_language(p) != language}
    heads = {h for h in ask.heads if h in weight}

    def score(piece: _Piece) -> float:
        # Retrieval ranked the passages: an earlier passage breaks ties, as does an earlier sentence.
        found = said[(piece.source, piece.position)]
        value = sum(weight[w] for w in found)
        if found & heads:
            value += HEAD_BONUS * top  # about the asked thing (盐), not only near it (糖 in the same text)
        if piece.source in foreign:
            # Words rarely match across languages: trust the passage's order instead.
            value = max(value, top * (1.0 - 0.15 * piece.position))
        if quantity and _DIGIT.search(piece.text):
            value += NUMBER_BONUS * top  # a question of quantity wants a figure
        return value - RANK_PENALTY * piece.source - 0.01 * piece.position

    ranked = sorted(pieces, key=score, reverse=True)
    by_place = {(p.source, p.position): p for p in pieces}
    chosen: set[tuple[int, int]] = set()
    left = budget_tokens
    for best in ranked:
        if score(best) <= 0 and chosen:
            break
        for place in [(best.source, best.position)] + [(best.source, best.position + d) for d in NEIGHBOURS]:
            piece = by_place.get(place)
            if piece is None or place in chosen or piece.cost > left:
                continue
            chosen.add(place)
            left -= piece.cost
        if left < 8:
            break
    out = []
    for i in range(len(passages)):
        positions = sorted(j for s, j in chosen if s == i)
        parts: list[str] = []
        for k, j in enumerate(positions):
            if k and j != positions[k - 1] + 1:
                parts.append(GAP.strip())
            parts.append(by_place[(i, j)].text)
        out.append(_join(parts))
    return out


def _sentences(passage: str) -> list[str]:
    return [s for s in split_sentences(passage) if re.search(r"\w", s)]


def _join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if text and not (_cjk_end(text) and _cjk_start(part)):
            text += " "
        text += part
    return text


def _cjk_end(text: str) -> bool:
    return bool(re.search(r"[\u3000-\u9fff\uff00-\uffef]$", text))


def _cjk_start(text: str) -> bool:
    return bool(re.match(r"[\u3000-\u9fff\uff00-\uffef]", text))


def _cut(passage: str, budget_tokens: int) -> str:
    """The passage's leading sentences within the budget (when nothing in it matches the question)."""
    kept: list[str] = []
    for sentence in _sentences(passage):
        budget_tokens -= estimate_tokens(sentence)
        if budget_tokens < 0:
            break
        kept.append(sentence)
    return _join(kept)
