"""The files each decoder reads, by name suffix: one home, so what the page accepts is what the decoders
take (the decoders still check the content itself: a suffix only routes an upload)."""

from __future__ import annotations

# advisor.asr.audio.sniff_container's containers -> their usual suffixes.
AUDIO_CONTAINERS: dict[str, tuple[str, ...]] = {
    "wav": (".wav",),
    "ogg": (".ogg", ".oga", ".opus"),
    "matroska": (".webm", ".mka"),
    "flac": (".flac",),
    "mov": (".m4a", ".mp4", ".3gp", ".mov"),
    "amr": (".amr",),
    "caf": (".caf",),
    "aiff": (".aif", ".aiff", ".aifc"),
    "mp3": (".mp3",),
    "aac": (".aac",),
}
# advisor.vision.safe_image's formats -> their usual suffixes (TIFF is refused there: not here either).
IMAGE_FORMATS: dict[str, tuple[str, ...]] = {
    "PNG": (".png",),
    "JPEG": (".jpg", ".jpeg", ".jfif"),
    "WEBP": (".webp",),
    "BMP": (".bmp",),
    "GIF": (".gif",),
}
AUDIO_SUFFIXES = frozenset(s for suffixes in AUDIO_CONTAINERS.values() for s in suffixes)
IMAGE_SUFFIXES = frozenset(s for suffixes in IMAGE_FORMATS.values() for s in suffixes)
