"""Images: what people show the advisor. Backends chosen by `settings.vision.backend`:

- "ocr" (default, offline): the packaged RapidOCR PP-OCRv4 models; text in reading order.
- "transformers": OCR plus a vision-language model through transformers (`settings.vision.model`).
- "openai": OCR plus an OpenAI-compatible vision endpoint (`settings.vision.base_url`, `.model`).

Every upload passes `load_image` (safe_image.py) first.
"""

from __future__ import annotations

from advisor.config import Settings, VisionSettings
from advisor.registry import Registry
from advisor.vision.base import ImageReader, VisionError
from advisor.vision.limits import limits_message
from advisor.vision.safe_image import SafeImage, load_image, load_image_file

VISION_BACKENDS: Registry[ImageReader] = Registry("vision")


@VISION_BACKENDS.register("ocr")
def _ocr(settings: Settings) -> ImageReader:
    from advisor.vision.ocr import OCRReader

    return OCRReader()


@VISION_BACKENDS.register("transformers")
def _transformers(settings: Settings) -> ImageReader:
    from advisor.vision.combined import CombinedReader
    from advisor.vision.transformers_vlm import TransformersVLM

    return CombinedReader(TransformersVLM.from_settings(settings.vision), language=_language(settings))


@VISION_BACKENDS.register("openai")
def _openai(settings: Settings) -> ImageReader:
    from advisor.vision.combined import CombinedReader
    from advisor.vision.openai_vision import OpenAIVision

    return CombinedReader(OpenAIVision.from_settings(settings.vision), language=_language(settings))


def _language(settings: Settings) -> str:
    """The language of a VLM's answer when no question is asked: the page's, else English."""
    return "zh" if settings.ui.language == "zh" else "en"


def create_vision(settings: Settings) -> ImageReader:
    """The configured reader (`settings.vision.backend`)."""
    return VISION_BACKENDS.create(settings.vision.backend, settings)


def ocr_image_bytes(data: bytes, settings: VisionSettings | None = None) -> str:
    from advisor.vision.ocr import ocr_image_bytes as run

    return run(data, settings)


def ocr_pdf_pages(data: bytes, pages: list[int] | None = None) -> str:
    from advisor.vision.ocr import ocr_pdf_pages as run

    return run(data, pages)


__all__ = [
    "VISION_BACKENDS",
    "ImageReader",
    "SafeImage",
    "VisionError",
    "create_vision",
    "limits_message",
    "load_image",
    "load_image_file",
    "ocr_image_bytes",
    "ocr_pdf_pages",
]
