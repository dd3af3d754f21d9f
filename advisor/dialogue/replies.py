"""The turn's fixed replies and notices: what is said instead of (or before) a model's answer."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.dialogue.answerable import Answerability
from advisor.dialogue.prompts import PromptBook
from advisor.dialogue.sentences import split_sentences
from advisor.events import Event, Notice, Sentence, TextDelta

MAX_QUESTION_CHARS = 2000


def whole(text: str, language: str) -> Iterator[Event]:
    """A reply known in full: shown at once, and its sentences (to be spoken)."""
    yield TextDelta(text)
    yield from (Sentence(s, language) for s in split_sentences(text))


def bilingual(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def image_question(language: str) -> str:
    """The question a picture sent without one is taken to ask."""
    return bilingual(language, "图片上写的是什么意思？", "What does this image say?")


def too_long(language: str) -> Notice:
    return Notice(
        "warning",
        bilingual(
            language,
            "问题太长，只读取了前2000个字。",
            "The question was long; only its first 2,000 characters were read.",
        ),
    )


def no_knowledge(language: str) -> Notice:
    return Notice(
        "error",
        bilingual(
            language,
            "还没有知识库：请先运行 advisor kb init。",
            "There are no knowledge bases yet: run advisor kb init.",
        ),
    )


def not_covered(prompts: PromptBook, language: str) -> str:
    """'I can help with ...': no passage is on the question's topic, so name the topics there are."""
    covered = "、".join(prompts.persona(d, "zh").description.split("：")[0] for d in prompts.domains)
    if language == "en":
        covered = "; ".join(prompts.persona(d, "en").description.split(":")[0] for d in prompts.domains)
    return prompts.text(language, "not_covered", domains=covered)


def not_answerable(prompts: PromptBook, verdict: Answerability, language: str) -> str:
    """'The documents cover X but do not say Y', in the user's language."""
    if language == "zh":
        covered = "、".join(f"《{t}》" for t in verdict.covered) or "相关内容"
        missing = "、".join(f"“{m}”" for m in verdict.missing)
    else:
        covered = ", ".join(f"“{t}”" for t in verdict.covered) or "related topics"
        missing = ", ".join(f"“{m}”" for m in verdict.missing)
    template = "no_value" if verdict.reason == "no_value" else "not_answerable"
    return prompts.text(language, template, covered=covered, missing=missing)


def image_said(prompts: PromptBook, image_text: str, language: str) -> str:
    """'The picture says ...', before the answer that draws on it."""
    return prompts.text(language, "image_said", text=_excerpt(image_text)) + "\n\n"


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
