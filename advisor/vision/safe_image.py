"""Untrusted uploads in, one clean RGB picture out.

Every image a user sends passes `load_image` before any model sees it:

- the kind is decided by the content (magic bytes, then Pillow restricted to that one format), never by
  the file name: PNG, JPEG, WebP, BMP and the first frame of a GIF are accepted, nothing else;
- the byte size is checked before the file is read, and width x height from the header before any pixel
  is decoded, against a pixel limit below Pillow's own bomb limit, a longest-side limit and an aspect
  limit (a 1 x 1,000,000 strip is refused as well as a 10,000 x 10,000 bomb);
- truncated and malformed files are refused (Pillow's LOAD_TRUNCATED_IMAGES is not relied on);
- EXIF orientation is applied, then the picture is copied into a fresh image, which drops EXIF, GPS, ICC,
  text chunks and comments;
- palette, alpha (composited on white), CMYK, 16-bit and float images become 8-bit RGB.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from advisor.config import VisionSettings
from advisor.formats import IMAGE_FORMATS
from advisor.vision.base import VisionError

log = logging.getLogger(__name__)

ALLOWED_FORMATS = tuple(IMAGE_FORMATS)
ALLOWED_NAMES = ", ".join(name.replace("WEBP", "WebP") for name in ALLOWED_FORMATS)
MAX_SIDE = 30_000  # a long scrolled screenshot fits; a 1 x 1,000,000 strip does not
MAX_ASPECT = 60  # longest side / shortest side
# Pillow's own check warns at MAX_IMAGE_PIXELS (about 89 M) and refuses at twice that: ours must be lower.
PILLOW_PIXEL_LIMIT = Image.MAX_IMAGE_PIXELS or 89_478_485

_PIL_FORMATS = {  # our name -> the Pillow plugins allowed to open it
    "PNG": ["PNG"],
    "JPEG": ["JPEG", "MPO"],  # phone cameras write MPO: a JPEG with a second, smaller picture inside
    "WEBP": ["WEBP"],
    "BMP": ["BMP"],
    "GIF": ["GIF"],
}


@dataclass(frozen=True, eq=False)
class SafeImage:
    """A decoded, oriented, metadata-free 8-bit RGB picture that passed every check."""

    image: Image.Image  # mode RGB, no info/EXIF/ICC
    format: str  # the detected format: PNG | JPEG | WEBP | BMP | GIF
    byte_size: int  # of the upload
    frames: int = 1  # frames in the file; only the first is used

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    def resized(self, max_side: int) -> Image.Image:
        """A copy no larger than `max_side` on its longest side (the original if it already fits)."""
        if max(self.image.size) <= max_side:
            return self.image
        scale = max_side / max(self.image.size)
        size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
        return self.image.resize(size, Image.Resampling.LANCZOS)

    def encode(self, fmt: str = "PNG", max_side: int | None = None, quality: int = 90) -> bytes:
        """Re-encode (optionally downscaled) for a model or an API; the output carries no metadata."""
        picture = self.resized(max_side) if max_side else self.image
        buffer = io.BytesIO()
        if fmt.upper() in ("JPEG", "JPG"):
            picture.save(buffer, format="JPEG", quality=quality, optimize=True)
        else:
            picture.save(buffer, format=fmt.upper())
        return buffer.getvalue()

    def to_bgr(self) -> np.ndarray:
        """An OpenCV-style H x W x 3 uint8 array in BGR order."""
        return np.ascontiguousarray(np.asarray(self.image)[:, :, ::-1])

    def describe(self) -> dict[str, object]:
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "bytes": self.byte_size,
            "frames": self.frames,
        }


def sniff_format(data: bytes) -> str | None:
    """The image format by magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:2] == b"BM" and len(data) >= 26:
        return "BMP"
    return None


def _what_it_is(data: bytes) -> tuple[str, str]:
    """A plain name (en, zh) for refused content, so the user knows what they sent."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "a PDF document", "PDF 文档"
    if b"<svg" in head or (head.startswith(b"<?xml") and b"svg" in data[:4096].lower()):
        return "an SVG drawing", "SVG 矢量图"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<script" in head:
        return "an HTML page", "HTML 网页"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1", b"ftyphevc"):
        return "a HEIC/HEIF photo (convert it to JPEG)", "HEIC/HEIF 照片（请先转换为 JPEG）"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "an AVIF image", "AVIF 图片"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "a TIFF image", "TIFF 图片"
    if data[:4] == b"PK\x03\x04":
        return "a zip archive", "压缩包"
    return "not a picture in a format this advisor accepts", "未知格式的文件"


def _limits(
    settings: VisionSettings | None, max_bytes: int | None, max_pixels: int | None
) -> tuple[int, int]:
    settings = settings or VisionSettings()
    byte_limit = max_bytes if max_bytes is not None else settings.max_bytes
    pixel_limit = max_pixels if max_pixels is not None else settings.max_pixels
    return byte_limit, min(pixel_limit, PILLOW_PIXEL_LIMIT - 1)


def load_image_file(
    path: str | Path,
    settings: VisionSettings | None = None,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> SafeImage:
    """`load_image` for a file: the size is checked before the file is read."""
    byte_limit, _ = _limits(settings, max_bytes, max_pixels)
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise VisionError(f"{path.name} is not a file", f"{path.name} 不是文件")
        if size > byte_limit:
            raise _too_big(size, byte_limit)
        data = path.read_bytes()
    except OSError as exc:
        raise VisionError(
            f"could not open the image {path.name} ({exc.strerror or type(exc).__name__})",
            f"无法打开图片 {path.name}（{exc.strerror or type(exc).__name__}）",
        ) from exc
    return load_image(data, settings, max_bytes=max_bytes, max_pixels=max_pixels)


def _too_big(size: int, limit: int) -> VisionError:
    return VisionError(
        f"the image is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:.1f} MB",
        f"图片大小为 {size / 1e6:.1f} MB，超过了 {limit / 1e6:.1f} MB 的上限",
    )


def load_image(
    data: bytes,
    settings: VisionSettings | None = None,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> SafeImage:
    """Check and decode an untrusted upload. Raises VisionError with a message for the user."""
    byte_limit, pixel_limit = _limits(settings, max_bytes, max_pixels)
    if not data:
        raise VisionError("the image file is empty", "图片文件是空的")
    if len(data) > byte_limit:
        raise _too_big(len(data), byte_limit)
    kind = sniff_format(data)
    if kind is None:
        what_en, what_zh = _what_it_is(data)
        raise VisionError(
            f"this file is {what_en}; send a picture in one of: {ALLOWED_NAMES}",
            f"该文件是{what_zh}，不是可接受的图片；请发送以下格式之一：{ALLOWED_NAMES}",
        )
    damaged = VisionError(
        f"the {kind} image is damaged or truncated and cannot be read",
        f"这张 {kind} 图片已损坏或不完整，无法读取",
    )
    try:
        # Pillow warns (DecompressionBombWarning) above about 89 M pixels, which is above our limit, and
        # refuses above twice that while reading the header.
        with warnings.catch_warnings():
            # Our own pixel limit (below Pillow's) refuses the image next, with a message for the user.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=_PIL_FORMATS[kind])
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(found.group(1)):,}" if found else "too many"
        raise VisionError(
            f"the image has {count} pixels, over the limit of {pixel_limit:,} pixels; it may be a "
            "decompression bomb. Send a smaller picture",
            f"图片像素数（{count}）超过了 {pixel_limit:,} 像素的上限（可能是解压炸弹）；请发送较小的图片",
        ) from exc
    except Exception as exc:  # UnidentifiedImageError, SyntaxError, struct.error, ... on malformed headers
        raise damaged from exc
    with picture:
        _check_dimensions(picture.width, picture.height, pixel_limit)
        frames = int(getattr(picture, "n_frames", 1) or 1)
        try:
            if frames > 1:
                picture.seek(0)
            picture.load()
            oriented = _orient(picture)
            rgb = _to_rgb(oriented)
        except VisionError:
            raise
        except Exception as exc:  # OSError (truncated), ValueError, EOFError, SyntaxError, MemoryError, ...
            raise damaged from exc
    _check_dimensions(rgb.width, rgb.height, pixel_limit)
    clean = Image.new("RGB", rgb.size)  # a fresh image: nothing of the file's metadata comes along
    clean.paste(rgb)
    return SafeImage(image=clean, format=kind, byte_size=len(data), frames=frames)


def _check_dimensions(width: int, height: int, pixel_limit: int) -> None:
    if width <= 0 or height <= 0:
        raise VisionError("the image has no pixels", "图片没有像素")
    if width * height > pixel_limit:
        raise VisionError(
            f"the image is {width:,} x {height:,} pixels, over the limit of {pixel_limit:,} pixels; "
            "it may be a decompression bomb. Send a smaller picture",
            f"图片为 {width:,} x {height:,} 像素，超过了 {pixel_limit:,} 像素的上限（可能是解压炸弹）；请发送较小的图片",
        )
    if max(width, height) > MAX_SIDE:
        raise VisionError(
            f"the image is {width:,} x {height:,} pixels; its longest side is over the limit of {MAX_SIDE:,}",
            f"图片为 {width:,} x {height:,} 像素，最长边超过了 {MAX_SIDE:,} 的上限",
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise VisionError(
            f"the image is {width:,} x {height:,} pixels: too long and thin to be a photo or a page "
            f"(more than {MAX_ASPECT}:1)",
            f"图片为 {width:,} x {height:,} 像素，过于细长（超过 {MAX_ASPECT}:1），不像照片或页面",
        )


def _orient(picture: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag; a malformed EXIF block is ignored rather than refused."""
    try:
        return ImageOps.exif_transpose(picture) or picture
    except Exception:  # bad EXIF: the pixels are still fine
        log.info("ignoring an unreadable EXIF block")
        return picture


def _to_rgb(picture: Image.Image) -> Image.Image:
    mode = picture.mode
    if mode.startswith("I") or mode == "F":  # 16-bit and 32-bit greyscale
        values = np.asarray(picture, dtype=np.float64)
        if mode.startswith("I;16"):
            values = values / 257.0
        else:
            low, high = float(values.min()), float(values.max())
            if low >= 0 and high > 255 and high <= 65535:
                values = values / 257.0
            elif low < 0 or high > 255:
                values = (values - low) / max(high - low, 1e-9) * 255.0
            elif mode == "F" and high <= 1.0:
                values = values * 255.0
        grey = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
        return grey.convert("RGB")
    if mode == "P":
        picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
        mode = picture.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if mode != "RGB":
        return picture.convert("RGB")  # L, 1, CMYK (Adobe's inverted CMYK is undone by the JPEG reader), ...
    return picture


__all__ = [
    "ALLOWED_FORMATS",
    "MAX_ASPECT",
    "MAX_SIDE",
    "SafeImage",
    "load_image",
    "load_image_file",
    "sniff_format",
]
