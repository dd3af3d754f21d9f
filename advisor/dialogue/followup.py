"""Follow-up questions ("那儿童呢？", "what about for kids?") made standalone before retrieval.

A small model rewrites unreliably and costs a second of prefill, so a follow-up is recognised by its
form and joined to the question it follows; the LLM still sees the history to phrase its answer.
"""

from __future__ import annotations

import re

_ZH_FOLLOW_UP = re.compile(r"^(那|那么|那如果|还有|另外|如果是|换成|对于)|呢[？?]?$|^(为什么|怎么办)[？?]?$")
_EN_FOLLOW_UP = re.compile(
    r"^(what about|how about|and (for|if|what|how)|what if|and\b|also\b|same for|for (kids|children|adults)\b|why\??$)",
    re.IGNORECASE,
)
_PRONOUN_ONLY = re.compile(r"\b(it|that|this|they|them|those)\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    q = question.strip()
    if not q:
        return False
    cjk = len(re.findall(r"[\u4e00-\u9fff]", q))
    if cjk:
        return bool(_ZH_FOLLOW_UP.search(q)) or cjk <= 4
    words = re.findall(r"[A-Za-z']+", q)
    return (
        bool(_EN_FOLLOW_UP.search(q))
        or len(words) <= 3
        or (len(words) <= 6 and bool(_PRONOUN_ONLY.search(q)))
    )


def standalone_query(question: str, previous_questions: list[str]) -> str:
    """The query to retrieve with: the question itself, or joined to the last standalone question."""
    if previous_questions and is_follow_up(question):
        return f"{previous_questions[-1]} {question.strip()}"
    return question.strip()
