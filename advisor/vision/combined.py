"""OCR plus a vision-language model: ImageText.text is what OCR read, .description what the VLM saw."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from advisor.events import ImageText
from advisor.knowledge.text import detect_language
from advisor.vision.base import VisionError
from advisor.vision.ocr import OCRReader
from advisor.vision.safe_image import SafeImage

log = logging.getLogger(__name__)

MAX_DESCRIPTION_CHARS = 4000


class Describer(Protocol):
    """A vision-language model: a description of the image (answering `question` if one is given)."""

    name: str

    def describe(self, image: SafeImage, question: str | None = None, language: str = "en") -> str: ...


def question_language(question: str | None, default: str = "en") -> str:
    if question and question.strip():
        return detect_language(question)
    return "zh" if default.startswith("zh") else "en"


class CombinedReader:
    """Runs OCR and the VLM side by side (the VLM in a worker thread, useful when it is a remote server).

    If the VLM fails, `read` still returns the OCR text (with an empty description) unless `strict`;
    `read_with_notices` also returns what went wrong, for the caller to show the user.
    """

    def __init__(
        self,
        describer: Describer,
        ocr: OCRReader | None = None,
        *,
        strict: bool = False,
        language: str = "en",
    ) -> None:
        self.describer = describer
        self.ocr = ocr or OCRReader()
        self.strict = strict
        self.language = language
        self.name = f"ocr+{describer.name}"

    def read(self, image: SafeImage, question: str | None = None) -> ImageText:
        return self.read_with_notices(image, question)[0]

    def read_with_notices(
        self, image: SafeImage, question: str | None = None
    ) -> tuple[ImageText, list[VisionError]]:
        language = question_language(question, self.language)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-vlm") as pool:
            pending = pool.submit(self.describer.describe, image, question, language)
            text = self.ocr.read(image, question).text
            problems: list[VisionError] = []
            try:
                description = pending.result().strip()[:MAX_DESCRIPTION_CHARS]
            except VisionError as exc:
                if self.strict:
                    raise
                log.warning("vision-language model failed: %s", exc)
                problems.append(exc)
                description = ""
        return ImageText(text=text, description=description), problems
