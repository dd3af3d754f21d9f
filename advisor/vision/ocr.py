"""Backend "ocr", the offline default: RapidOCR with the PP-OCRv4 Chinese+English models inside its wheel.

`rapidocr-onnxruntime==1.4.4` carries the detector, the angle classifier and the recogniser as ONNX files,
so nothing is downloaded. The engine is loaded once per process, lazily, behind a lock, and calls into it
are serialised (RapidOCR keeps per-call state on the object; onnxruntime already uses both cores).

The boxes come back in detection order; `reading_order` puts them into lines, top to bottom, and each line
left to right, after undoing the page's skew, so a photo taken at a slant still reads line by line.
Long, thin pictures (scrolled screenshots) are read in overlapping tiles, since RapidOCR would shrink them
to 2000 px and lose the text. One- and two-character boxes at low confidence (photo texture) are dropped.
Multi-column layouts are read across the columns, line by line.

Also here, for ingesting into knowledge bases: `ocr_image_bytes` and `ocr_pdf_pages` (scanned PDFs, pages
rendered with pypdfium2).
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.config import VisionSettings
from advisor.events import ImageText
from advisor.vision.base import VisionError
from advisor.vision.safe_image import SafeImage, load_image

log = logging.getLogger(__name__)

MAX_PDF_OCR_PAGES = 300  # about 1-2 s a page on two cores
PDF_DPI = 200
PDF_MAX_SIDE = 2000  # RapidOCR shrinks larger inputs to 2000 px on the long side anyway
# Photos without text give the odd one- or two-character box at low confidence (a cat's eye read as "O"
# at 0.53); real short text scores far higher (0.94-1.0 in bench/ocr.py). Such boxes are dropped.
SHORT_TEXT_CHARS = 2
SHORT_TEXT_MIN_CONFIDENCE = 0.7
# RapidOCR shrinks every input to 2000 px on its long side, which makes the text of a long scrolled
# screenshot (1080 x 20000) unreadably small; such images are read in overlapping tiles instead.
ENGINE_MAX_SIDE = 2000
TILE_MIN_ASPECT = 2.0


@dataclass(frozen=True)
class OCRBox:
    """One detected piece of text: its quadrilateral (4 x [x, y], clockwise from top-left), text, score."""

    points: tuple[tuple[float, float], ...]
    text: str
    confidence: float

    @property
    def center(self) -> tuple[float, float]:
        xs, ys = zip(*self.points, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)

    @property
    def height(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.points[:4]
        return (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2

    @property
    def width(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.points[:4]
        return (math.hypot(x1 - x0, y1 - y0) + math.hypot(x2 - x3, y2 - y3)) / 2

    @property
    def angle(self) -> float:
        """Slope of the top edge, in radians (positive: the line falls to the right)."""
        (x0, y0), (x1, y1) = self.points[0], self.points[1]
        return math.atan2(y1 - y0, x1 - x0)

    def bounds(self) -> list[int]:
        xs, ys = zip(*self.points, strict=True)
        return [round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))]


@dataclass(frozen=True)
class OCRLine:
    """A line of text in reading order, made of one or more boxes."""

    text: str
    confidence: float  # the boxes' scores, weighted by their number of characters
    boxes: tuple[OCRBox, ...]

    def as_dict(self) -> dict[str, Any]:
        xs0, ys0, xs1, ys1 = zip(*(box.bounds() for box in self.boxes), strict=True)
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "box": [min(xs0), min(ys0), max(xs1), max(ys1)],
        }


@dataclass(frozen=True)
class OCRResult:
    lines: tuple[OCRLine, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        """Mean confidence per character over the whole image (0 when there is no text)."""
        chars = sum(len(line.text) for line in self.lines)
        if not chars:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / chars


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x2FA1F
    )


def _join(parts: Sequence[str]) -> str:
    """Join the boxes of one line: no space between Chinese neighbours, one space otherwise."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and not (_is_cjk(out[-1]) and _is_cjk(part[0])):
            out += " "
        out += part
    return out


def reading_order(boxes: Iterable[OCRBox]) -> list[OCRLine]:
    """Group boxes into lines (top to bottom) and order each line left to right, after undoing skew."""
    items = [box for box in boxes if box.text.strip()]
    if not items:
        return []
    # The page's skew: the median slope of boxes long enough to measure it (short ones are noisy).
    slopes = [box.angle for box in items if box.width >= 2 * box.height]
    skew = statistics.median(slopes) if slopes else 0.0
    skew = max(-math.pi / 4, min(math.pi / 4, skew))
    cos, sin = math.cos(skew), math.sin(skew)

    def straightened(box: OCRBox) -> tuple[float, float]:
        cx, cy = box.center
        return cx * cos + cy * sin, -cx * sin + cy * cos

    placed = sorted(((*straightened(box), box) for box in items), key=lambda item: item[1])
    lines: list[list[tuple[float, float, OCRBox]]] = []
    line_y: list[float] = []
    for x, y, box in placed:
        if lines:
            current = lines[-1]
            height = statistics.median([b.height for _, _, b in current] + [box.height])
            if abs(y - line_y[-1]) <= 0.5 * height:
                current.append((x, y, box))
                line_y[-1] = sum(item[1] for item in current) / len(current)
                continue
        lines.append([(x, y, box)])
        line_y.append(y)
    result = []
    for line in lines:
        ordered = [box for _, _, box in sorted(line, key=lambda item: item[0])]
        chars = [max(len(box.text.strip()), 1) for box in ordered]
        confidence = sum(box.confidence * n for box, n in zip(ordered, chars, strict=True)) / sum(chars)
        text = _join([box.text for box in ordered])
        if text:
            result.append(OCRLine(text=text, confidence=confidence, boxes=tuple(ordered)))
    return result


class RapidOCREngine:
    """The packaged PP-OCRv4 models through RapidOCR: loaded on first use, one call at a time."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._engine: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    def _get(self) -> Any:
        if self._engine is None:
            with self._load_lock:
                if self._engine is None:
                    try:
                        from rapidocr_onnxruntime import RapidOCR
                    except ImportError as exc:
                        raise VisionError(
                            "OCR is not installed (pip install rapidocr-onnxruntime==1.4.4)",
                            "未安装文字识别组件（pip install rapidocr-onnxruntime==1.4.4）",
                        ) from exc
                    self._engine = RapidOCR(intra_op_num_threads=self.threads, inter_op_num_threads=1)
        return self._engine

    def load(self) -> None:
        self._get()

    def detect(self, bgr: np.ndarray) -> list[OCRBox]:
        """Boxes for an H x W x 3 uint8 BGR array; long, thin images are read in overlapping tiles."""
        height, width = bgr.shape[:2]
        long_side, short_side = max(height, width), max(min(height, width), 1)
        if long_side <= ENGINE_MAX_SIDE or long_side / short_side < TILE_MIN_ASPECT:
            return self._detect(bgr)
        tall = height >= width
        tile = max(round(short_side * 1.5), 256)
        overlap = max(96, tile // 8)  # larger than a line of text, so each line lies whole in some tile
        step = tile - overlap
        boxes: list[OCRBox] = []
        start = 0
        while True:
            end = min(start + tile, long_side)
            part = bgr[start:end] if tall else bgr[:, start:end]
            # Keep a box only from the tile whose core (the tile less half the overlap at inner edges)
            # holds its centre, so a line in an overlap is not read twice.
            core_start = start + (overlap // 2 if start > 0 else 0)
            core_end = end - (overlap // 2 if end < long_side else 0)
            for found in self._detect(np.ascontiguousarray(part)):
                points = tuple((x, y + start) if tall else (x + start, y) for x, y in found.points)
                moved = OCRBox(points=points, text=found.text, confidence=found.confidence)
                centre = moved.center[1] if tall else moved.center[0]
                if core_start <= centre < core_end:
                    boxes.append(moved)
            if end >= long_side:
                return boxes
            start += step

    def _detect(self, bgr: np.ndarray) -> list[OCRBox]:
        engine = self._get()
        with self._run_lock:
            try:
                found, _ = engine(bgr)
            except Exception as exc:  # onnxruntime / OpenCV errors on odd inputs
                raise VisionError(
                    f"text recognition failed on this image ({type(exc).__name__})",
                    f"图片文字识别失败（{type(exc).__name__}）",
                ) from exc
        boxes = []
        for points, text, score in found or []:
            text, score = str(text).strip(), float(score)
            if len(text) <= SHORT_TEXT_CHARS and score < SHORT_TEXT_MIN_CONFIDENCE:
                continue
            boxes.append(
                OCRBox(points=tuple((float(x), float(y)) for x, y in points), text=text, confidence=score)
            )
        return boxes

    def recognise(self, bgr: np.ndarray) -> OCRResult:
        return OCRResult(tuple(reading_order(self.detect(bgr))))


_ENGINE: RapidOCREngine | None = None
_ENGINE_LOCK = threading.Lock()


def get_engine() -> RapidOCREngine:
    """The process-wide engine (the models take about 15 MB and a fraction of a second to load)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = RapidOCREngine()
    return _ENGINE


class OCRReader:
    """ImageReader: the text in the image, in reading order. Describes nothing: see `limits_message`."""

    name = "ocr"

    def __init__(self, engine: RapidOCREngine | None = None) -> None:
        self._engine = engine

    @property
    def engine(self) -> RapidOCREngine:
        return self._engine or get_engine()

    def recognise(self, image: SafeImage) -> OCRResult:
        return self.engine.recognise(image.to_bgr())

    def read(self, image: SafeImage, question: str | None = None) -> ImageText:
        return ImageText(text=self.recognise(image).text)


def ocr_image_bytes(data: bytes, settings: VisionSettings | None = None) -> str:
    """The text of an image file's bytes (any allowed format), lines in reading order; "" if none.

    Raises VisionError (message for the user) for files that are not a safe, allowed image.
    """
    return get_engine().recognise(load_image(data, settings).to_bgr()).text


_PDF_LOCK = threading.Lock()  # PDFium is not thread-safe


def ocr_pdf_page_texts(
    data: bytes, pages: Iterable[int] | None = None, max_pages: int = MAX_PDF_OCR_PAGES
) -> list[str]:
    """OCR of a PDF's pages (0-based `pages`, default all), one string per page, in the order asked.

    Pages are rendered at up to 200 DPI (and at most 2000 px on the long side) with pypdfium2.
    """
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise VisionError(
            "reading scanned PDFs needs pypdfium2 (pip install pypdfium2)",
            "读取扫描版 PDF 需要 pypdfium2（pip install pypdfium2）",
        ) from exc
    engine = get_engine()
    texts: list[str] = []
    with _PDF_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise VisionError(
                    "the PDF is encrypted with a password; remove the password and try again",
                    "该 PDF 有密码保护；请去除密码后重试",
                ) from exc
            raise VisionError("the PDF is damaged and cannot be read", "该 PDF 已损坏，无法读取") from exc
        try:
            count = len(document)
            wanted = list(range(count)) if pages is None else list(pages)
            if len(wanted) > max_pages:
                raise VisionError(
                    f"the PDF has {len(wanted)} pages to read by OCR, over the limit of {max_pages}",
                    f"该 PDF 有 {len(wanted)} 页需要文字识别，超过了 {max_pages} 页的上限",
                )
            for index in wanted:
                if not 0 <= index < count:
                    raise VisionError(f"the PDF has no page {index + 1}", f"该 PDF 没有第 {index + 1} 页")
                page = document[index]
                try:
                    width, height = page.get_size()
                    scale = min(PDF_DPI / 72, PDF_MAX_SIDE / max(width, height, 1.0))
                    bitmap = page.render(scale=scale)
                    picture = bitmap.to_pil().convert("RGB")
                finally:
                    page.close()
                bgr = np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])
                texts.append(engine.recognise(bgr).text)
        finally:
            document.close()
    return texts


def ocr_pdf_pages(data: bytes, pages: Iterable[int] | None = None, max_pages: int = MAX_PDF_OCR_PAGES) -> str:
    """The OCR text of a (scanned) PDF: pages separated by blank lines; "" if nothing was readable."""
    return "\n\n".join(text for text in ocr_pdf_page_texts(data, pages, max_pages) if text.strip())


__all__ = [
    "OCRBox",
    "OCRLine",
    "OCRReader",
    "OCRResult",
    "RapidOCREngine",
    "get_engine",
    "ocr_image_bytes",
    "ocr_pdf_page_texts",
    "ocr_pdf_pages",
    "reading_order",
]
