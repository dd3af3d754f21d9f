"""The page's limits on what is sent, applied before any model runs: a refusal is an HTTP error here.

Sizes come from the same settings the page uses (`[asr] max_bytes`, `max_seconds`; `[vision]
max_bytes`, `max_pixels`), and the same checks: a picture passes `load_image` (format, pixels,
decompression bombs), a recording `load_audio` (format, size, duration). Over a limit is 413, a file
that is not what it claims or is damaged 400, with the checks' own words in both languages.
"""

from __future__ import annotations

from advisor.api.errors import APIError
from advisor.config import Settings

_OVER_LIMIT = ("over the limit", "MB, over")
AUDIO_TOO_BIG = frozenset({"too_large", "too_long"})


def check_image(data: bytes, settings: Settings, param: str = "image") -> None:
    from advisor.vision import VisionError, load_image

    try:
        load_image(data, settings.vision)
    except VisionError as exc:
        status = 413 if any(s in exc.en for s in _OVER_LIMIT) else 400
        raise APIError(
            status, exc.en, exc.zh, code="image_too_large" if status == 413 else "bad_image", param=param
        ) from None


def check_audio(data: bytes, settings: Settings, param: str = "audio") -> float:
    """The recording's duration in seconds, or APIError."""
    from advisor.asr import ASRError
    from advisor.asr.audio import load_audio

    try:
        decoded = load_audio(data, max_seconds=settings.asr.max_seconds, max_bytes=settings.asr.max_bytes)
    except ASRError as exc:
        status = 413 if exc.code in AUDIO_TOO_BIG else 400
        raise APIError(
            status, exc.message_en, exc.message_zh, code=f"audio_{exc.code}", param=param
        ) from None
    return float(decoded.duration_s)


def body_limit(settings: Settings) -> int:
    """The largest request body: one picture and one recording as base64 in JSON, or as a form upload."""
    return (settings.vision.max_bytes + settings.asr.max_bytes) * 4 // 3 + 1024 * 1024
