"""What every image reader shares: the ImageReader protocol and VisionError, whose message is for the user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from advisor.events import ImageText

if TYPE_CHECKING:
    from advisor.vision.safe_image import SafeImage


class VisionError(Exception):
    """An image that cannot be read, or a vision backend that failed. The message says why in plain words.

    `str(error)` is the English message; `error.message("zh")` the Simplified Chinese one.
    """

    def __init__(self, en: str, zh: str = "") -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def message(self, language: str = "en") -> str:
        return self.zh if language.startswith("zh") else self.en


@runtime_checkable
class ImageReader(Protocol):
    """Reads an image that has already passed `load_image` (so it is safe, RGB and metadata-free)."""

    def read(self, image: SafeImage, question: str | None = None) -> ImageText: ...


__all__ = ["ImageReader", "ImageText", "VisionError"]
