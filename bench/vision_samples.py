"""Synthetic pictures of text, for the tests and the OCR benchmark: known text, real fonts, photo backgrounds.

Fonts come from Debian packages (`fonts-wqy-microhei` is the one the tests need; `fonts-wqy-zenhei`,
`fonts-arphic-uming`, `fonts-liberation2` and `fonts-dejavu-core` widen the benchmark when present).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

CJK_FONTS = {  # name -> file name (searched under the font folders); all draw Latin letters too
    "wqy-microhei": "wqy-microhei.ttc",
    "wqy-zenhei": "wqy-zenhei.ttc",
    "ar-pl-uming": "uming.ttc",
    "noto-sans-cjk": "NotoSansCJK-Regular.ttc",
}
LATIN_FONTS = {
    "dejavu-sans": "DejaVuSans.ttf",
    "dejavu-serif": "DejaVuSerif.ttf",
    "liberation-sans": "LiberationSans-Regular.ttf",
    "liberation-serif": "LiberationSerif-Regular.ttf",
    "liberation-sans-bold": "LiberationSans-Bold.ttf",
}


def _find(file_name: str) -> Path | None:
    for folder in _FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob(file_name):
                return path
    return None


def available_fonts(table: dict[str, str]) -> dict[str, Path]:
    found = {}
    for name, file_name in table.items():
        path = _find(file_name)
        if path is not None:
            found[name] = path
    return found


def cjk_font() -> Path | None:
    """A font that draws Chinese (WenQuanYi Micro Hei first), or None."""
    fonts = available_fonts(CJK_FONTS)
    return next(iter(fonts.values()), None)


def render_text(
    lines: Sequence[str],
    font: Path,
    size: int = 36,
    *,
    background: Image.Image | None = None,
    angle: float = 0.0,
    panel: bool = True,
    color: tuple[int, int, int] = (20, 20, 20),
    margin: int | None = None,
) -> Image.Image:
    """`lines` drawn top to bottom, rotated by `angle` degrees (counter-clockwise), over `background`.

    With `panel` the text sits on a translucent light label (like a sticker or a sign in a photo);
    without it the text is drawn straight onto the picture with a contrasting outline.
    """
    face = ImageFont.truetype(str(font), size)
    spacing = round(size * 0.7)
    boxes = [tuple(round(v) for v in face.getbbox(line)) for line in lines]
    text_w = max(box[2] - box[0] for box in boxes)
    line_h = max(box[3] - box[1] for box in boxes)
    text_h = len(lines) * line_h + (len(lines) - 1) * spacing
    margin = margin if margin is not None else size * 2
    width, height = text_w + 2 * margin, text_h + 2 * margin
    if background is None:
        canvas = Image.new("RGB", (width, height), (255, 255, 255))
    else:
        canvas = cover(background.convert("RGB"), width, height)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    pad = round(size * 0.5)
    if background is not None and panel:
        draw.rounded_rectangle(
            (margin - pad, margin - pad, margin + text_w + pad, margin + text_h + pad),
            radius=pad,
            fill=(250, 248, 240, 215),
        )
    y = margin
    for line, box in zip(lines, boxes, strict=True):
        position = (margin - box[0], y - box[1])
        if background is not None and not panel:
            outline = max(2, size // 12)
            draw.text(
                position,
                line,
                font=face,
                fill=(255, 255, 255, 255),
                stroke_width=outline,
                stroke_fill=(0, 0, 0, 255),
            )
        else:
            draw.text(position, line, font=face, fill=(*color, 255))
        y += line_h + spacing
    if angle:
        layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False)
    canvas.paste(layer, (0, 0), layer)
    return canvas


def cover(picture: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop `picture` to fill width x height."""
    scale = max(width / picture.width, height / picture.height)
    size = (max(width, round(picture.width * scale)), max(height, round(picture.height * scale)))
    scaled = picture.resize(size, Image.Resampling.BICUBIC)
    left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
    return scaled.crop((left, top, left + width, top + height))


def jpeg(picture: Image.Image, quality: int = 75) -> bytes:
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name: str) -> Image.Image:
    """A sample photo that scikit-image ships inside its wheel (astronaut, coffee, chelsea, rocket, ...)."""
    import skimage.data

    array = np.asarray(getattr(skimage.data, name)())
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    picture = Image.fromarray(array)
    return picture.convert("RGB")
