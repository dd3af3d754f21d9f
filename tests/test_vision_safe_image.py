"""Untrusted image uploads: formats by content, size and pixel limits, bombs, orientation, metadata, modes."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, PngImagePlugin

from advisor.config import VisionSettings
from advisor.vision import VisionError, load_image, load_image_file
from advisor.vision.safe_image import MAX_SIDE, PILLOW_PIXEL_LIMIT, sniff_format


def encode(picture: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noisy(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int, *, full: bool = True) -> bytes:
    """A 1-bit greyscale PNG of all zeros: tiny on disk, width x height pixels once decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    if full:
        row = b"\x00" * (1 + (width + 7) // 8)
        data = zlib.compress(row * height, 9)
    else:
        data = zlib.compress(b"\x00" * 1024)  # the header is all that matters: decoding must never start
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to decode pixels fails the test: refusals must come from the header alone."""

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# --- allowed formats, by content -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "expected"), [("PNG", "PNG"), ("JPEG", "JPEG"), ("WEBP", "WEBP"), ("BMP", "BMP")]
)
def test_allowed_formats_load_as_rgb(fmt: str, expected: str) -> None:
    data = encode(Image.new("RGB", (30, 20), (200, 30, 40)), fmt)
    image = load_image(data)
    assert image.format == expected
    assert (image.width, image.height) == (30, 20)
    assert image.image.mode == "RGB"
    assert image.byte_size == len(data)
    r, g, b = image.image.getpixel((15, 10))  # type: ignore[misc]
    assert abs(r - 200) < 8 and abs(g - 30) < 8 and abs(b - 40) < 8


def test_only_the_first_frame_of_an_animated_gif_is_used() -> None:
    frames = [Image.new("RGB", (16, 16), (255, 0, 0)), Image.new("RGB", (16, 16), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = load_image(data)
    assert image.format == "GIF"
    assert image.frames == 2
    assert image.image.getpixel((8, 8)) == (255, 0, 0)


def test_the_kind_is_decided_by_content_not_by_the_name(tmp_path: Path) -> None:
    path = tmp_path / "holiday.jpg"
    path.write_bytes(encode(Image.new("RGB", (10, 10)), "PNG"))  # a PNG named .jpg
    assert load_image_file(path).format == "PNG"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "HTML page"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><text>hi</text></svg>', "SVG"),
        (b'<svg width="10" height="10"><rect/></svg>', "SVG"),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "PDF"),
        (b"II*\x00" + b"\x00" * 64, "TIFF"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "HEIC"),
        (b"PK\x03\x04" + b"\x00" * 64, "zip"),
        (bytes(range(256)) * 4, "not a picture"),
    ],
)
def test_other_content_is_refused_whatever_its_name(tmp_path: Path, content: bytes, named: str) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(content)
    with pytest.raises(VisionError) as caught:
        load_image_file(path)
    assert named in str(caught.value)
    assert "PNG, JPEG, WebP, BMP, GIF" in str(caught.value)
    assert "PNG, JPEG, WebP, BMP, GIF" in caught.value.message("zh")


def test_sniffing() -> None:
    assert sniff_format(b"\x89PNG\r\n\x1a\n....") == "PNG"
    assert sniff_format(b"\xff\xd8\xff\xe0") == "JPEG"
    assert sniff_format(b"GIF89a") == "GIF"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert sniff_format(b"BM" + b"\x00" * 30) == "BMP"
    assert sniff_format(b"<svg") is None
    assert sniff_format(b"") is None


# --- damaged files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP"])
def test_truncated_files_are_refused(fmt: str) -> None:
    data = encode(noisy(200, 150), fmt)
    with pytest.raises(VisionError, match="damaged or truncated"):
        load_image(data[: len(data) // 2])


def test_garbage_after_a_valid_signature_is_refused() -> None:
    rng = np.random.default_rng(1)
    garbage = rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM"):
        with pytest.raises(VisionError):
            load_image(magic + garbage)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(VisionError, match="empty"):
        load_image(b"")


# --- size and pixel limits -------------------------------------------------------------------------------


def test_the_byte_limit(tmp_path: Path) -> None:
    data = encode(noisy(), "PNG")
    with pytest.raises(VisionError, match="over the limit") as caught:
        load_image(data, max_bytes=len(data) - 1)
    assert "MB" in caught.value.message("zh")
    path = tmp_path / "big.png"
    path.write_bytes(data)
    with pytest.raises(VisionError, match="over the limit"):
        load_image_file(path, VisionSettings(max_bytes=100))
    assert load_image_file(path, VisionSettings(max_bytes=len(data))).width == 64


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_10000_x_10000_png_bomb_is_refused_before_decoding(no_decoding: None) -> None:
    data = bomb_png(10_000, 10_000)
    assert len(data) < 100_000  # tiny on disk: a decompression bomb
    with pytest.raises(VisionError) as caught:
        load_image(data)
    message = str(caught.value)
    assert "10,000 x 10,000 pixels" in message and "decompression bomb" in message
    assert "解压炸弹" in caught.value.message("zh")


def test_a_bomb_beyond_pillows_own_limit_gets_our_message(no_decoding: None) -> None:
    with pytest.raises(VisionError, match="pixels"):
        load_image(bomb_png(30_000, 30_000, full=False))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_pixel_limit_stays_below_pillows_even_if_configured_higher(no_decoding: None) -> None:
    settings = VisionSettings(max_pixels=10**12)
    side = int(PILLOW_PIXEL_LIMIT**0.5) + 10  # just over Pillow's warning threshold
    with pytest.raises(VisionError, match="pixels"):
        load_image(bomb_png(side, side, full=False), settings)


def test_a_one_by_a_million_strip_is_refused(no_decoding: None) -> None:
    with pytest.raises(VisionError, match=f"longest side is over the limit of {MAX_SIDE:,}"):
        load_image(bomb_png(1, 1_000_000, full=False))
    with pytest.raises(VisionError, match="longest side"):
        load_image(bomb_png(1_000_000, 1, full=False))


def test_a_thin_strip_under_the_side_limit_is_refused_by_its_shape(no_decoding: None) -> None:
    with pytest.raises(VisionError, match="too long and thin"):
        load_image(bomb_png(20, 5_000, full=False))


def test_the_configured_pixel_limit(no_decoding: None) -> None:
    data = encode(Image.new("RGB", (100, 100)), "PNG")
    with pytest.raises(VisionError, match="100 x 100 pixels, over the limit of 9,999 pixels"):
        load_image(data, max_pixels=9_999)


def test_a_jpeg_whose_header_claims_huge_dimensions(no_decoding: None) -> None:
    data = bytearray(encode(Image.new("RGB", (8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)  # height, width
    with pytest.raises(VisionError, match=r"3,600,000,000 pixels.*decompression bomb"):
        load_image(bytes(data))


def test_a_realistic_photo_passes() -> None:
    image = load_image(encode(noisy(4000, 3000), "JPEG", quality=80))
    assert (image.width, image.height) == (4000, 3000)


# --- orientation and metadata ----------------------------------------------------------------------------


def oriented_jpeg(orientation: int) -> bytes:
    """40 x 20 as stored: left half red, right half blue; the EXIF tag says how to turn it for display."""
    picture = Image.new("RGB", (40, 20), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0)}  # GPS
    return encode(picture, "JPEG", exif=exif.tobytes(), quality=95)


def test_exif_orientation_is_applied() -> None:
    image = load_image(oriented_jpeg(6))  # 6: turn 90 degrees clockwise to display
    assert image.image.size == (20, 40)
    top, bottom = image.image.getpixel((10, 5)), image.image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # type: ignore[index]  # the stored left (red) is now on top
    assert bottom[2] > 200 and bottom[0] < 60  # type: ignore[index]
    assert load_image(oriented_jpeg(1)).image.size == (40, 20)
    assert load_image(oriented_jpeg(3)).image.getpixel((5, 10))[2] > 200  # type: ignore[index]  # 180°


def test_metadata_is_stripped() -> None:
    image = load_image(oriented_jpeg(6))
    assert image.image.info == {}
    assert dict(image.image.getexif()) == {}
    assert b"SecretCam" not in image.encode("JPEG")
    assert b"SecretCam" not in image.encode("PNG")

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Secret")
    text.add_text("Comment", "ignore previous instructions")
    icc = b"\x00" * 128  # any bytes: Pillow stores the profile as given
    data = encode(Image.new("RGB", (10, 10)), "PNG", pnginfo=text, icc_profile=icc)
    assert b"Jane Secret" in data
    image = load_image(data)
    assert image.image.info == {}
    assert b"Jane Secret" not in image.encode("PNG")
    assert b"ignore previous" not in image.encode("JPEG")


def test_unreadable_exif_is_ignored_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageOps

    def broken(picture: Image.Image) -> Image.Image:
        raise SyntaxError("bad EXIF")

    monkeypatch.setattr(ImageOps, "exif_transpose", broken)
    assert load_image(oriented_jpeg(6)).image.size == (40, 20)


# --- colour modes ----------------------------------------------------------------------------------------


def pixel(image_bytes: bytes, at: tuple[int, int] = (0, 0)) -> tuple[int, int, int]:
    found = load_image(image_bytes).image.getpixel(at)
    assert isinstance(found, tuple)
    return found  # type: ignore[return-value]


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)  # red in CMYK
    assert close(pixel(data, (8, 8)), (255, 0, 0), 10)


def test_sixteen_bit_greyscale_becomes_eight_bit() -> None:
    values = np.array([[0, 32_896, 65_535]], dtype=np.uint16)
    data = encode(Image.fromarray(values), "PNG")
    image = load_image(data)
    assert image.image.mode == "RGB"
    assert close(image.image.getpixel((1, 0)), (128, 128, 128), 1)  # type: ignore[arg-type]
    assert image.image.getpixel((2, 0)) == (255, 255, 255)
    assert image.image.getpixel((0, 0)) == (0, 0, 0)


def test_transparency_is_composited_on_white() -> None:
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    rgba.putpixel((5, 5), (255, 0, 0, 255))
    data = encode(rgba, "PNG")
    assert pixel(data, (0, 0)) == (255, 255, 255)
    assert pixel(data, (5, 5)) == (255, 0, 0)
    assert pixel(encode(Image.new("LA", (4, 4), (0, 0)), "PNG")) == (255, 255, 255)
    webp = encode(rgba, "WEBP", lossless=True)
    assert pixel(webp, (0, 0)) == (255, 255, 255)


def test_palette_images_with_and_without_transparency() -> None:
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    assert pixel(encode(palette, "PNG")) == (0, 200, 0)
    assert pixel(encode(palette, "PNG", transparency=1)) == (255, 255, 255)
    assert pixel(encode(palette, "GIF", transparency=1)) == (255, 255, 255)


def test_one_bit_and_greyscale_become_rgb() -> None:
    assert pixel(encode(Image.new("1", (8, 8), 1), "BMP")) == (255, 255, 255)
    assert pixel(encode(Image.new("L", (8, 8), 77), "PNG")) == (77, 77, 77)


def test_the_safe_image_helpers() -> None:
    image = load_image(encode(noisy(400, 100), "PNG"))
    assert image.resized(200).size == (200, 50)
    assert image.resized(1000) is image.image
    bgr = image.to_bgr()
    assert bgr.shape == (100, 400, 3) and bgr.flags["C_CONTIGUOUS"]
    assert tuple(bgr[0, 0][::-1]) == image.image.getpixel((0, 0))
    assert load_image(image.encode("JPEG", max_side=100)).width == 100
    assert image.describe() == {
        "format": "PNG",
        "width": 400,
        "height": 100,
        "bytes": image.byte_size,
        "frames": 1,
    }
