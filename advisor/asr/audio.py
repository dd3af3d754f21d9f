"""Decode what a browser or phone records into 16 kHz mono float32, with limits checked before the work.

PyAV (FFmpeg's libraries, bundled in its wheel) does the decoding; no `ffmpeg` program is needed. The
container is chosen from the file's first bytes out of a short allow-list and handed to FFmpeg by name,
so FFmpeg never probes an upload against every demuxer it has (playlists, concat lists and friends can
open other files). Limits, in the order they are checked:

1. size in bytes (`max_bytes`), from the file system or the buffer, before anything is opened;
2. duration from the container header (`max_seconds`), before any audio is decoded;
3. decoded samples: decoding stops as soon as more than `max_seconds` have come out, so a header that
   lies or says nothing about duration (a live WebM from MediaRecorder) cannot make us decode hours.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import av
import numpy as np

from advisor.asr.base import BadAudio

SAMPLE_RATE = 16_000
MAX_DECODE_ERRORS = 20  # packets that fail to decode before the file is called corrupt
HEAD_BYTES = 4096  # read first: enough to sniff the container and find a WAV file's data chunk
TRUNCATED_BELOW = 0.9  # decoded duration under this share of the header's duration means truncated


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, mono, SAMPLE_RATE Hz, in [-1, 1]
    container: str = "raw"  # the demuxer that read it: wav, ogg, matroska, mp3, mov, flac, ...
    codec: str = "pcm_f32le"
    source_rate: int = SAMPLE_RATE
    source_channels: int = 1
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    @classmethod
    def from_array(cls, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> DecodedAudio:
        """Wrap samples already in memory; other rates and stereo (channels last) are converted."""
        array = np.asarray(samples, dtype=np.float32)
        channels = 1 if array.ndim == 1 else array.shape[-1]
        if array.ndim == 2:
            array = array.mean(axis=-1)
        if sample_rate != SAMPLE_RATE:
            array = _resample_linear(array, sample_rate)
        return cls(np.ascontiguousarray(array, dtype=np.float32), "raw", "pcm_f32le", sample_rate, channels)


# What a transcriber accepts: a file path, an upload's bytes, or audio already decoded.
AudioInput: TypeAlias = "DecodedAudio | np.ndarray | str | Path | bytes"


def _resample_linear(array: np.ndarray, rate: int) -> np.ndarray:
    n_out = round(len(array) * SAMPLE_RATE / rate)
    positions = np.arange(n_out) * (rate / SAMPLE_RATE)
    return np.interp(positions, np.arange(len(array)), array).astype(np.float32)


def sniff_container(head: bytes) -> str | None:
    """The FFmpeg demuxer for a file starting with `head`, or None if it is not an audio format we take."""
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"  # WebM is Matroska
    if head[:4] == b"fLaC":
        return "flac"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mov"  # mp4, m4a, 3gp, mov
    if head[:5] == b"#!AMR":
        return "amr"
    if head[:4] == b"caff":
        return "caf"
    if len(head) >= 12 and head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG audio frame sync. ADTS AAC uses the same sync with layer bits 00.
        return "aac" if head[1] & 0x06 == 0 else "mp3"
    return None


def decode_audio(
    source: str | Path | bytes | bytearray | memoryview,
    *,
    max_seconds: float = 120.0,
    max_bytes: int = 25 * 1024 * 1024,
) -> DecodedAudio:
    """Decode a file path or an upload's bytes to 16 kHz mono float32; raise BadAudio with the reason."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        except FileNotFoundError:
            raise BadAudio(f"no such file: {path}", f"找不到文件：{path}", code="not_found") from None
        except OSError as exc:
            raise BadAudio(
                f"cannot read the audio file: {exc.strerror}", "无法读取音频文件", code="unreadable"
            ) from None
        opened: Any = str(path)
    else:
        data = bytes(source)
        size, head, opened = len(data), data[:HEAD_BYTES], io.BytesIO(data)

    if size == 0:
        raise BadAudio("the audio file is empty", "音频文件是空的", code="empty")
    if size > max_bytes:
        raise BadAudio(
            f"the audio file is too large ({size / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB)",
            f"音频文件太大（{size / 2**20:.1f} MiB，上限 {max_bytes / 2**20:.0f} MiB）",
            code="too_large",
        )
    container_name = sniff_container(head)
    if container_name is None:
        raise BadAudio(
            "this is not an audio format I can read (use webm, ogg, wav, mp3, m4a, flac)",
            "无法识别的音频格式（支持 webm、ogg、wav、mp3、m4a、flac）",
            code="unsupported",
        )
    if container_name == "wav":
        _check_wav_length(head, size)
    try:
        container = av.open(opened, mode="r", format=container_name, metadata_errors="ignore")
    except av.FFmpegError:
        raise _corrupt() from None
    try:
        return _decode(container, container_name, max_seconds)
    finally:
        container.close()


def _check_wav_length(head: bytes, size: int) -> None:
    """FFmpeg quietly shortens a WAV whose data chunk runs past the end of the file: call that truncated."""
    pos = 12
    while pos + 8 <= len(head):
        chunk_id, chunk_size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk_id == b"data":
            streaming = chunk_size in (0, 0xFFFFFFFF) or head[:4] == b"RF64"  # length written later, or never
            missing = chunk_size - (size - pos - 8)
            if not streaming and missing > 0.02 * chunk_size + 64:
                raise BadAudio(
                    f"the audio file is truncated: {missing} bytes of its sound are missing",
                    "音频文件不完整：部分声音数据缺失",
                    code="truncated",
                )
            return
        pos += 8 + chunk_size + (chunk_size & 1)


def _too_long(seconds: float | None, max_seconds: float) -> BadAudio:
    said = f" ({seconds:.0f} s)" if seconds is not None else ""
    said_zh = f"（{seconds:.0f} 秒）" if seconds is not None else ""
    return BadAudio(
        f"the recording is too long{said}; the limit is {max_seconds:.0f} s",
        f"录音太长{said_zh}，上限为 {max_seconds:.0f} 秒",
        code="too_long",
    )


def _corrupt() -> BadAudio:
    return BadAudio(
        "the audio file is damaged or incomplete and cannot be decoded",
        "音频文件已损坏或不完整，无法解码",
        code="corrupt",
    )


def _header_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return None


def _decode(container: Any, container_name: str, max_seconds: float) -> DecodedAudio:
    if not container.streams.audio:
        raise BadAudio("the file has no audio track", "文件中没有音轨", code="no_audio")
    stream = container.streams.audio[0]
    declared = _header_seconds(container, stream)
    if declared is not None and declared > max_seconds + 0.5:
        raise _too_long(declared, max_seconds)

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    limit = int(max_seconds * SAMPLE_RATE) + SAMPLE_RATE // 2
    pieces: list[np.ndarray] = []
    total = errors = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                errors += 1
                if errors > MAX_DECODE_ERRORS:
                    raise _corrupt() from None
                continue
            for frame in frames:
                for out in resampler.resample(frame):
                    piece = out.to_ndarray().reshape(-1)
                    pieces.append(piece)
                    total += len(piece)
            if total > limit:
                raise _too_long(declared if declared and declared > max_seconds else None, max_seconds)
        for out in resampler.resample(None):
            pieces.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError:
        errors += 1  # the demuxer gave up part way: judged below by what was decoded
    samples = np.concatenate(pieces).astype(np.float32, copy=False) if pieces else np.zeros(0, np.float32)
    if len(samples) == 0:
        if errors:
            raise _corrupt()
        raise BadAudio(
            "the audio file holds no sound (header only?)", "音频文件中没有声音数据", code="no_samples"
        )
    decoded_s = len(samples) / SAMPLE_RATE
    if declared is not None and decoded_s < declared * TRUNCATED_BELOW - 0.25:
        raise BadAudio(
            f"the audio file is truncated: it promises {declared:.1f} s but holds {decoded_s:.1f} s",
            f"音频文件不完整：应有 {declared:.1f} 秒，实际只有 {decoded_s:.1f} 秒",
            code="truncated",
        )
    samples = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    ctx = stream.codec_context
    return DecodedAudio(
        samples=samples,
        container=container_name,
        codec=str(ctx.name),
        source_rate=int(ctx.sample_rate or 0),
        source_channels=int(getattr(ctx, "channels", 0) or len(ctx.layout.channels)),
    )


def load_audio(source: AudioInput, *, max_seconds: float, max_bytes: int) -> DecodedAudio:
    """Decode a path or bytes; take a 16 kHz mono float32 array or DecodedAudio as it is (still bounded)."""
    if isinstance(source, np.ndarray):
        source = DecodedAudio.from_array(source)
    if isinstance(source, DecodedAudio):
        if source.duration_s > max_seconds + 0.5:
            raise _too_long(source.duration_s, max_seconds)
        if len(source.samples) == 0:
            raise BadAudio("the audio is empty", "音频是空的", code="empty")
        return source
    if isinstance(source, os.PathLike | str):
        return decode_audio(Path(source), max_seconds=max_seconds, max_bytes=max_bytes)
    return decode_audio(source, max_seconds=max_seconds, max_bytes=max_bytes)
