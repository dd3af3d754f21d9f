"""The packaged OCR (RapidOCR, PP-OCRv4 zh+en) on generated pictures, reading order, and the ingest helpers."""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from advisor.config import Settings, VisionSettings
from advisor.events import ImageText
from advisor.registry import UnknownBackend
from advisor.vision import VISION_BACKENDS, VisionError, create_vision, limits_message, load_image
from advisor.vision.ocr import (
    OCRBox,
    OCRReader,
    get_engine,
    ocr_image_bytes,
    ocr_pdf_page_texts,
    ocr_pdf_pages,
    reading_order,
)
from bench.vision_samples import cjk_font, jpeg, photo, png, render_text

pytest.importorskip("rapidocr_onnxruntime")
FONT = cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font: apt-get install fonts-wqy-microhei")

NOTICE = ["每日食盐摄入量不超过5克", "Return within 30 days of purchase", "营养成分表 Nutrition Facts"]


def normalised(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def lines_of(text: str) -> list[str]:
    return [normalised(line) for line in text.splitlines()]


# --- reading order (no model) ----------------------------------------------------------------------------


def box(
    x: float, y: float, w: float, h: float, text: str, angle_deg: float = 0.0, score: float = 0.9
) -> OCRBox:
    a = math.radians(angle_deg)
    dx, dy = (math.cos(a), math.sin(a)), (-math.sin(a), math.cos(a))
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    points = tuple((x + u * dx[0] + v * dy[0], y + u * dx[1] + v * dy[1]) for u, v in corners)
    return OCRBox(points=points, text=text, confidence=score)


def test_boxes_are_read_top_to_bottom_then_left_to_right() -> None:
    found = [
        box(300, 10, 100, 30, "Qty 2"),
        box(10, 60, 200, 30, "第二行"),
        box(10, 12, 250, 30, "名称 Salt"),
        box(10, 110, 120, 30, "合计"),
        box(150, 108, 60, 30, "¥12"),
    ]
    lines = reading_order(found)
    assert [line.text for line in lines] == ["名称 Salt Qty 2", "第二行", "合计 ¥12"]


def test_chinese_neighbours_join_without_a_space() -> None:
    lines = reading_order([box(120, 0, 100, 30, "摄入量"), box(0, 0, 100, 30, "每日食盐")])
    assert [line.text for line in lines] == ["每日食盐摄入量"]


def test_a_skewed_page_still_reads_line_by_line() -> None:
    # Three lines of two boxes each, the whole page turned by 9 degrees: the right-hand box of a line sits
    # lower than the left-hand box of the next line would if skew were ignored.
    found = []
    for row in range(3):
        for col, word in enumerate(["left", "right"]):
            u, v = col * 520, row * 45
            a = math.radians(9)
            found.append(box(u * math.cos(a) - v * math.sin(a), u * math.sin(a) + v * math.cos(a),
                             480, 32, f"{word}{row}", 9))  # fmt: skip
    assert [line.text for line in reading_order(found)] == ["left0 right0", "left1 right1", "left2 right2"]


def test_confidence_is_weighted_by_characters() -> None:
    [line] = reading_order([box(0, 0, 100, 30, "abcd", score=1.0), box(120, 0, 30, 30, "x", score=0.5)])
    assert line.confidence == pytest.approx((4 * 1.0 + 0.5) / 5)
    assert line.as_dict()["box"] == [0, 0, 150, 30]
    assert reading_order([]) == [] and reading_order([box(0, 0, 10, 10, "  ")]) == []


# --- the real model --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader() -> OCRReader:
    return OCRReader()


@pytest.mark.slow
@needs_font
def test_reads_a_chinese_and_english_notice(reader: OCRReader) -> None:
    assert FONT is not None
    image = load_image(png(render_text(NOTICE, FONT, 36)))
    result = reader.recognise(image)
    assert lines_of(result.text) == [normalised(line) for line in NOTICE]
    assert all(0.5 <= line.confidence <= 1.0 for line in result.lines)
    assert 0.9 < result.confidence <= 1.0
    assert reader.read(image) == ImageText(text=result.text)


@pytest.mark.slow
@needs_font
@pytest.mark.parametrize(("angle", "quality", "background"), [(8.0, 50, "coffee"), (-10.0, 70, "astronaut")])
def test_reads_rotated_jpeg_text_on_a_photo(
    reader: OCRReader, angle: float, quality: int, background: str
) -> None:
    assert FONT is not None
    picture = render_text(NOTICE[:2], FONT, 40, background=photo(background), angle=angle)
    result = reader.recognise(load_image(jpeg(picture, quality)))
    assert lines_of(result.text) == [normalised(line) for line in NOTICE[:2]]


@pytest.mark.slow
@needs_font
def test_an_exif_rotated_photo_is_turned_upright_before_reading(reader: OCRReader) -> None:
    assert FONT is not None
    upright = render_text(["退货政策", "Return policy"], FONT, 40)
    stored = upright.rotate(90, expand=True)  # as a phone stores a portrait shot: sideways, plus a tag
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90 degrees clockwise to display
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=90, exif=exif.tobytes())
    assert lines_of(reader.read(load_image(buffer.getvalue())).text) == ["退货政策", "Returnpolicy"]


@pytest.mark.slow
def test_a_photo_without_text_gives_empty_text_and_an_honest_limit(reader: OCRReader) -> None:
    found = reader.read(load_image(jpeg(photo("chelsea"), 85)), "这是什么猫？")
    assert found == ImageText(text="", description="")
    zh, en = limits_message("zh", no_text=True), limits_message("en", no_text=True)
    assert zh.startswith("这张图片中没有找到可识别的文字")
    assert "不能识别物体、植物、动物" in zh and "ADVISOR_VISION__BACKEND=transformers" in zh
    assert "cannot recognise objects, plants, animals" in en
    for setting in ("ADVISOR_VISION__BACKEND=openai", "ADVISOR_VISION__BASE_URL", "ADVISOR_VISION__MODEL"):
        assert setting in en
    assert not limits_message("en").startswith("I found no readable text")


@pytest.mark.slow
@needs_font
def test_the_engine_is_loaded_once_and_safe_to_share_between_threads() -> None:
    assert FONT is not None
    assert get_engine() is get_engine()
    image = load_image(png(render_text(["线程安全 thread safe"], FONT, 36)))
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(OCRReader().read(image).text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 3 and len(set(results)) == 1
    assert normalised(results[0]) == "线程安全threadsafe"


def test_the_registry() -> None:
    assert VISION_BACKENDS.names() == ["ocr", "openai", "transformers"]
    assert isinstance(create_vision(Settings(vision=VisionSettings())), OCRReader)
    with pytest.raises(UnknownBackend):
        create_vision(Settings(vision=VisionSettings(backend="nope")))
    with pytest.raises(VisionError, match="ADVISOR_VISION__BASE_URL"):
        create_vision(Settings(vision=VisionSettings(backend="openai")))


# --- ingest helpers --------------------------------------------------------------------------------------


@pytest.mark.slow
@needs_font
def test_ocr_image_bytes_for_ingest() -> None:
    assert FONT is not None
    data = png(render_text(["退货须知", "Returns within 30 days"], FONT, 36))
    assert lines_of(ocr_image_bytes(data)) == ["退货须知", "Returnswithin30days"]
    with pytest.raises(VisionError, match="SVG"):
        ocr_image_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(VisionError, match="over the limit"):
        ocr_image_bytes(data, VisionSettings(max_bytes=100))


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages are only pictures (no text layer), like a scan."""
    assert FONT is not None
    pictures = [render_text(lines, FONT, 40, margin=120) for lines in pages]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="PDF", save_all=True, append_images=pictures[1:], resolution=150)
    return buffer.getvalue()


@pytest.mark.slow
@needs_font
def test_ocr_of_a_scanned_pdf() -> None:
    from pypdf import PdfReader

    data = scanned_pdf([["第一页 食盐指南"], ["Page two: return policy"]])
    assert not any((page.extract_text() or "").strip() for page in PdfReader(io.BytesIO(data)).pages)
    text = ocr_pdf_pages(data)
    assert [normalised(part) for part in text.split("\n\n")] == ["第一页食盐指南", "Pagetwo:returnpolicy"]
    assert [normalised(t) for t in ocr_pdf_page_texts(data, pages=[1])] == ["Pagetwo:returnpolicy"]
    with pytest.raises(VisionError, match="no page 5"):
        ocr_pdf_page_texts(data, pages=[4])
    with pytest.raises(VisionError, match="over the limit of 1"):
        ocr_pdf_pages(data, max_pages=1)


@pytest.mark.slow
def test_bad_pdfs_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(VisionError, match="password"):
        ocr_pdf_pages(buffer.getvalue())
    with pytest.raises(VisionError, match="damaged"):
        ocr_pdf_pages(b"%PDF-1.4\nthis is not really a pdf")
    blank = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(blank, format="PDF")
    assert ocr_pdf_pages(blank.getvalue()) == ""


def test_low_confidence_specks_are_dropped_but_short_real_text_is_kept() -> None:
    from advisor.vision.ocr import RapidOCREngine

    class Fake:
        def __call__(self, bgr: object) -> tuple[list[object], list[float]]:
            square = [[0, 0], [40, 0], [40, 30], [0, 30]]
            return [
                [square, "O", 0.53],
                [[[100, 0], [140, 0], [140, 30], [100, 30]], "5g", 0.97],
                [[[0, 50], [300, 50], [300, 80], [0, 80]], "a long line, unsure", 0.6],
            ], [0.0]

    engine = RapidOCREngine()
    engine._engine = Fake()
    import numpy as np

    assert engine.recognise(np.zeros((100, 400, 3), dtype=np.uint8)).text == "5g\na long line, unsure"


@pytest.mark.slow
@needs_font
def test_a_long_scrolled_screenshot_is_read_in_tiles(reader: OCRReader) -> None:
    # Shrunk whole to 2000 px tall (RapidOCR's own limit) this text would be 8 px high and unreadable.
    from PIL import ImageDraw, ImageFont

    assert FONT is not None
    face = ImageFont.truetype(str(FONT), 26)
    screenshot = Image.new("RGB", (700, 6400), "white")
    draw = ImageDraw.Draw(screenshot)
    lines = [f"第{i}笔 支出{i * 37}.50元 Payment {i}" for i in range(1, 13)]
    for i, line in enumerate(lines):
        draw.text((30, 60 + i * 520), line, font=face, fill="black")
    assert lines_of(reader.read(load_image(png(screenshot))).text) == [normalised(line) for line in lines]


def test_tiles_keep_each_line_once() -> None:
    import numpy as np

    from advisor.vision.ocr import RapidOCREngine

    class Bands:
        """A fake engine: every white band lying whole inside the tile is a line, named by its pixel value."""

        def __call__(self, tile: np.ndarray) -> tuple[list[object] | None, list[float]]:
            rows = np.flatnonzero(tile[:, 0, 0] > 0)
            found: list[object] = []
            for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1) if rows.size else []:
                top, bottom = int(run[0]), int(run[-1])
                if top == 0 or bottom == tile.shape[0] - 1:
                    continue  # cut by the tile's edge: not readable here
                square = [[0, top], [400, top], [400, bottom], [0, bottom]]
                found.append([square, f"band {tile[top, 1, 0]}", 0.99])
            return found or None, [0.0]

    page = np.zeros((4000, 500, 3), dtype=np.uint8)
    starts = [100, 660, 700, 1320, 1360, 2000, 3950]  # several lie in the overlaps between tiles
    for index, top in enumerate(starts, 1):
        page[top : top + 30] = 255
        page[top : top + 30, 1] = index
    engine = RapidOCREngine()
    engine._engine = Bands()
    assert engine.recognise(page).text.splitlines() == [f"band {i}" for i in range(1, len(starts) + 1)]
