"""Answerability: do the passages answer the question, or only share its topic?

Retrieval decides whether the knowledge base covers the topic. This decides, separately, whether a
passage fills the slot the question asks for: the thing asked about (董事长 in "星澜银行的董事长是谁",
"chair" in "who chairs the bank") must be named by a passage, a year or a Latin name the question
gives must appear, and a question of quantity or time needs a figure next to the thing asked about.
When a passage is in another language, words cannot be compared and the question counts as answerable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.dialogue.facts import _facts
from advisor.dialogue.sentences import split_sentences
from advisor.knowledge.terms import Asked, asked, mentions
from advisor.knowledge.text import detect_language

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_QUESTION_WORD = re.compile(
    r"[?？]|谁|哪|什么|多少|几|吗|呢|怎么|如何|何时|\b(?:who|whom|whose|what|when|which|where|how|why)\b",
    re.IGNORECASE,
)
_UNIT_ASKED = re.compile(
    r"(?:多少|几)个?(小时|分钟|天|日|周|星期|个月|月|年|岁|人|个|次|克|毫克|毫升|公斤|千克|斤|公里)"
    r"|\bhow many (hours|minutes|days|weeks|months|years|people|times|grams|milligrams)\b",
    re.IGNORECASE,
)
# One unit's spellings in both languages, for the figure a passage gives.
_UNIT_SPELLINGS = (
    r"小时|hours?|hrs?",
    r"分钟|minutes?|mins?",
    r"天|日|days?",
    r"周|星期|weeks?",
    r"个月|月|months?",
    r"年|years?",
    r"人|people|persons?",
    r"次|times",
    r"克|grams?|g",
    r"毫克|milligrams?|mg",
)
_FIGURE = re.compile(
    r"(?:\d|[一二两三四五六七八九十百千万半]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
    r"hundred|thousand|half|January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Passage:
    title: str
    text: str


@dataclass(frozen=True)
class Answerability:
    answerable: bool
    missing: tuple[str, ...] = ()  # what the question names that no passage does (董事长, 2027)
    covered: tuple[str, ...] = ()  # the titles of the passages, for "the documents cover ..."
    reason: str = ""  # "missing" (a word of the question is in no passage) or "no_value" (no figure)


_COUNTED = re.compile(r"[一二两三四五六七八九十几每单][杯个次件张瓶份碗盒包袋支只台套双对条本顿片粒]")


def judge(question: str, passages: Sequence[Passage]) -> Answerability:
    """Whether the passages can answer `question`; when not, what is missing and what they do cover."""
    if not passages:
        return Answerability(False, reason="missing")
    titles = tuple(dict.fromkeys(p.title for p in passages if p.title))
    texts = [f"{p.title}\n{p.text}" for p in passages]
    language = detect_language(question)
    # A year reads the same in both languages; a Latin name only compares with passages in the
    # question's language ("China" is 中国 in a Chinese passage).
    same = all(detect_language(p.text) == language for p in passages)
    asking = _asking_sentence(question)
    specifics = _YEAR.findall(asking) + (_names(asking) if same else [])
    missing = tuple(s for s in dict.fromkeys(specifics) if not any(s.lower() in t.lower() for t in texts))
    if missing:
        return Answerability(False, missing, titles[:2], "missing")
    if not same:
        return Answerability(True)  # words do not compare across languages
    ask = asked(question)
    required = _required(ask)
    if not required:
        return Answerability(True)
    if not any(all(mentions(t, h) for h in required) for t in texts):
        return Answerability(False, required, titles[:2], "missing")
    if ask.slot in ("quantity", "when") and not _figure_near(ask, question, passages):
        return Answerability(False, required, titles[:2], "no_value")
    return Answerability(True)


def _asking_sentence(question: str) -> str:
    """The sentence that asks (the others often say who the user is: "I ordered from a German shop")."""
    sentences = split_sentences(question)
    asking = [s for s in sentences if _QUESTION_WORD.search(s)]
    return " ".join(asking) or question


def _names(text: str) -> list[str]:
    """Latin names the sentence gives (not capitalised sentence starts): an answer names them too."""
    return [fact.text for fact in _facts(text) if fact.kind in ("name", "acronym")]


def _required(ask: Asked) -> tuple[str, ...]:
    """The heads a passage must name."""
    if ask.slot not in ("who", "when", "quantity"):
        return ()  # "what is the best way to ..." names no one thing an answer must name
    # A one-character Chinese head (拿, 回) is too common or too loosely worded to judge by: it must
    # be a word of two characters or more, or an English word.
    # A numeral with its measure word (一杯, 每次, 两个) says how the amount is counted, not what about:
    # the passage may count it another way (每杯售价42元 answers 多少钱一杯).
    return tuple(h for h in ask.heads if len(h) > 1 and not _COUNTED.fullmatch(h))


def _figure_near(ask: Asked, question: str, passages: Sequence[Passage]) -> bool:
    """A figure in a sentence that names the asked thing, or in the sentence after it; with the unit
    the question asks in ("多少人", "几个小时", "how many hours"), when it names one."""
    unit = _asked_unit(question)
    figure = re.compile(_FIGURE.pattern + (r"\s*(?:" + unit + ")" if unit else ""), re.IGNORECASE)
    for passage in passages:
        sentences = [passage.title, *split_sentences(passage.text)]
        for i, sentence in enumerate(sentences):
            named = any(mentions(sentence, h) for h in ask.heads)
            if named and any(figure.search(s) for s in sentences[i : i + 2]):
                return True
    return False


def _asked_unit(question: str) -> str:
    """The unit a question of quantity asks in, as a pattern of its spellings; '' when it names none."""
    match = _UNIT_ASKED.search(question)
    if not match:
        return ""
    said = (match.group(1) or match.group(2)).lower()
    return next(
        (spellings for spellings in _UNIT_SPELLINGS if re.fullmatch(spellings, said)), re.escape(said)
    )
