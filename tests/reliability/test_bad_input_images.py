"""Bad and odd images through advisor.vision loading and the whole turn (real packaged OCR)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from faultkit import SALT_REPLY, has_cjk, run_turn, still_answers
from PIL import Image, ImageDraw, ImageFile, ImageFont

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import ImageText
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel
from advisor.vision import VisionError, load_image_file

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, *, full: bool) -> bytes:
    """A 1-bit PNG of zeros: a few KB on disk, width x height pixels once decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    data = zlib.compress(row * height if full else row * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _save(picture: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _label(text: str = "SALT 5 g") -> Image.Image:
    picture = Image.new("RGB", (420, 120), "white")
    ImageDraw.Draw(picture).text((20, 25), text, fill="black", font=ImageFont.truetype(FONT, 56))
    return picture


BOMBS = {
    "10000 x 10000 PNG bomb (12 KB)": _png(10_000, 10_000, full=True),
    "50000 x 50000 PNG bomb (header)": _png(50_000, 50_000, full=False),
    "1 x 1,000,000 strip": _png(1, 1_000_000, full=True),
    "65535 x 65535 GIF": b"GIF89a"
    + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    + b","
    + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0)
    + b"\x02\x02\x44\x01\x00;",
}


def _refused() -> dict[str, bytes]:
    photo = _save(_label(), "JPEG", quality=90)
    png = _save(_label(), "PNG")
    rng = np.random.default_rng(5)
    return {
        **BOMBS,
        "empty file": b"",
        "truncated PNG": png[: len(png) // 2],
        "truncated JPEG": photo[: len(photo) // 3],
        "PNG signature then garbage": b"\x89PNG\r\n\x1a\n" + rng.bytes(3000),
        "garbage bytes": rng.bytes(5000),
        "SVG renamed .png": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "HTML renamed .png": b"<!doctype html><html><script>alert(1)</script></html>",
        "PDF renamed .png": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
        "zip renamed .png": b"PK\x03\x04" + rng.bytes(200),
    }


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding pixels fails the test: bombs must be refused from their header alone."""

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_bombs_are_refused_from_the_header(tmp_path: Path, no_decoding: None, reliability) -> None:
    for name, data in BOMBS.items():
        path = tmp_path / "upload.png"
        path.write_bytes(data)
        with pytest.raises(VisionError) as error:
            load_image_file(path)
        assert "pixels" in str(error.value) and "像素" in error.value.message("zh"), (name, error.value)
    reliability(
        "Bad input",
        f"Images: {', '.join(BOMBS)}",
        cases=len(BOMBS),
        result="each refused from its header alone (no pixel decoded), naming the pixel limit in zh and en",
    )


def test_bad_images_get_a_clear_error_and_the_turn_goes_on(
    shipped: KnowledgeLibrary, tmp_path: Path, reliability
) -> None:
    llm = ScriptedChatModel(replies=[SALT_REPLY])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    cases = _refused()
    for name, data in cases.items():
        path = tmp_path / "upload.png"
        path.write_bytes(data)
        with pytest.raises(VisionError):
            load_image_file(path)
        # A picture alone: the error is the whole reply, in the asker's language, and no model call.
        asked = len(llm.seen)
        for language in ("zh", "en"):
            turn = run_turn(advisor, image=path, language_hint=language)
            assert len(turn.errors) == 1 and turn.end.answer == turn.errors[0], (name, turn.events)
            assert not turn.of(ImageText) and len(llm.seen) == asked, name
        # A picture with a question: the error is shown and the question still answered from the sources.
        turn = run_turn(advisor, "成年人每天吃多少盐合适？", image=data)
        assert len(turn.errors) == 1 and has_cjk(turn.errors[0]), (name, turn.errors)
        assert turn.end.grounded and "5克" in turn.end.answer, (name, turn.end)
    still_answers(advisor)
    reliability(
        "Bad input",
        f"Images through the turn: {', '.join(cases)}",
        cases=len(cases) * 3,
        result=(
            "alone (zh and en): one clear error as the reply, no model call; with a question: the error "
            "shown and the question still answered, grounded; the next turn answered"
        ),
    )


def test_odd_but_valid_images_are_read(shipped: KnowledgeLibrary, tmp_path: Path, reliability) -> None:
    label = _label()
    grey16 = Image.fromarray(np.asarray(label.convert("L"), dtype=np.uint16) * 257)
    assert grey16.mode == "I;16"
    clear = label.convert("RGBA")
    clear.putalpha(Image.eval(label.convert("L"), lambda v: 255 - v))  # black text on a see-through page
    second = Image.new("RGB", label.size, "black")
    cases = {
        "CMYK JPEG": _save(label.convert("CMYK"), "JPEG", quality=95),
        "16-bit greyscale PNG": _save(grey16, "PNG"),
        "animated GIF (first frame read)": _save(
            label.convert("P"), "GIF", save_all=True, append_images=[second.convert("P")], duration=100
        ),
        "transparent RGBA PNG": _save(clear, "PNG"),
    }
    llm = ScriptedChatModel(replies=["Adults should eat less than 5 g of salt a day. [1]"])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    for name, data in cases.items():
        turn = run_turn(advisor, "How much salt is too much?", image=data)
        assert not turn.errors, (name, turn.errors)
        read = turn.of(ImageText)
        assert read and "SALT" in read[0].text.upper(), (name, read)
    reliability(
        "Bad input",
        f"Images, odd but valid: {', '.join(cases)}",
        cases=len(cases),
        result="each loaded as 8-bit RGB and its printed text read by OCR in the turn; no error",
    )
