"""Voice activity detection: keep the speech, drop the silence, refuse clips that hold no speech at all.

Whisper, given silence or noise, invents text ("Thank you.", "谢谢观看"). So before it runs, Silero VAD
(the ONNX model that ships inside faster-whisper, run by onnxruntime: no torch, nothing downloaded)
finds the speech; a clip with less than `min_speech_s` of it raises NoSpeech.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from advisor.asr.audio import SAMPLE_RATE, DecodedAudio
from advisor.asr.base import ASRUnavailable, NoSpeech


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5  # speech probability per 32 ms window
    min_speech_ms: int = 250  # shorter bursts (a cough, a click) are dropped
    min_silence_ms: int = 600  # a pause must last this long to split the speech
    pad_ms: int = 300  # kept around each stretch of speech, so word edges are not clipped
    min_speech_s: float = 0.3  # less speech than this in the whole clip: NoSpeech
    min_rms: float = 1e-4  # quieter than this (about -80 dBFS) is digital silence: no model run


@dataclass(frozen=True)
class Speech:
    audio: np.ndarray  # the speech stretches joined, silence between them removed
    spans: tuple[tuple[float, float], ...]  # (start_s, end_s) of each stretch in the original clip, padded
    heard_s: float  # seconds the model judged to be speech, before padding

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def silero_vad() -> ModuleType:
    """faster-whisper's Silero module (the model ships inside it), or why it cannot be used."""
    try:
        import faster_whisper.vad
    except ImportError as exc:
        raise ASRUnavailable(
            "voice activity detection needs faster-whisper: pip install 'faster-whisper==1.2.1'",
            "语音检测需要安装 faster-whisper",
        ) from exc
    return faster_whisper.vad


def find_speech(audio: DecodedAudio, settings: VadSettings | None = None) -> Speech:
    """The speech in `audio`, silence trimmed; NoSpeech when there is none."""
    settings = settings or VadSettings()
    samples = audio.samples
    if len(samples) < SAMPLE_RATE * settings.min_speech_s:
        raise NoSpeech("the recording is too short to hold speech", "录音太短，没有听到说话")
    if float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) < settings.min_rms:
        raise NoSpeech()
    silero = silero_vad()
    options = silero.VadOptions(
        threshold=settings.threshold,
        min_speech_duration_ms=settings.min_speech_ms,
        min_silence_duration_ms=settings.min_silence_ms,
        speech_pad_ms=0,
    )
    chunks = silero.get_speech_timestamps(samples, options, sampling_rate=SAMPLE_RATE)
    heard = sum(c["end"] - c["start"] for c in chunks) / SAMPLE_RATE
    if heard < settings.min_speech_s:
        raise NoSpeech()
    pad = settings.pad_ms * SAMPLE_RATE // 1000
    merged: list[list[int]] = []
    for chunk in chunks:
        start, end = max(0, chunk["start"] - pad), min(len(samples), chunk["end"] + pad)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    kept = np.concatenate([samples[start:end] for start, end in merged]).astype(np.float32, copy=False)
    spans = tuple((start / SAMPLE_RATE, end / SAMPLE_RATE) for start, end in merged)
    return Speech(audio=kept, spans=spans, heard_s=heard)
