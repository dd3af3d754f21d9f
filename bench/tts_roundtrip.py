"""Checking a voice by ear, automatically: speak, transcribe with the packaged Whisper, score the words.

Used by tests/test_tts*.py and bench/tts.py, through the advisor's own speech recognition (advisor/asr)
with the packaged Whisper base model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from advisor.events import AudioChunk
from advisor.tts.base import pcm16_to_float, resample_pcm16
from advisor.tts.normalize import HAN, normalize_en, normalize_zh
from bench.asr_metrics import edit_distance


class Transcriber:
    """Our own ASR (advisor/asr: VAD, the packaged Whisper base, Chinese domain vocabulary, Simplified
    output), so a round trip measures what the advisor itself would hear. `cache_dir` is its data dir:
    the packaged model is assembled under `cache_dir/models` once."""

    def __init__(self, cache_dir: Path, backend: str = "faster-whisper", hotwords: str = "auto") -> None:
        from advisor.asr import create_asr
        from advisor.config import Settings

        settings = Settings(data_dir=cache_dir)
        settings.asr.backend = backend
        settings.asr.hotwords = hotwords
        self.asr = create_asr(settings)

    def transcribe(self, chunks: Iterable[AudioChunk], language: str) -> str:
        from advisor.asr import DecodedAudio, NoSpeech

        audio = to_16k_float(chunks)
        try:
            return self.asr.transcribe(DecodedAudio.from_array(audio), language).text
        except NoSpeech:
            return ""


def to_16k_float(chunks: Iterable[AudioChunk]) -> np.ndarray:
    parts = [pcm16_to_float(resample_pcm16(c.audio, c.sample_rate, 16000)) for c in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def rms(chunks: Sequence[AudioChunk]) -> float:
    samples = np.concatenate([pcm16_to_float(c.audio) for c in chunks]) if chunks else np.zeros(1)
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def english_words(text: str) -> list[str]:
    """Words for scoring: numbers written out, lower case, no punctuation, hyphens split."""
    text = normalize_en(text).lower().replace("-", " ")
    words = re.findall(r"[a-z0-9']+", text.replace("'", ""))
    merged: list[str] = []
    run: list[str] = []  # spelled-out letters count as one word: "c e f r" is "cefr"
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        merged.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if word:
            merged.append(word)
    return merged


def to_simplified(text: str) -> str:
    """Whisper often writes Chinese in Traditional characters; the references are Simplified."""
    try:
        import zhconv
    except ImportError:
        return text
    return str(zhconv.convert(text, "zh-cn"))


def chinese_chars(text: str) -> list[str]:
    """Characters for scoring: Simplified, numbers written out, punctuation and spaces dropped, Latin
    words kept whole."""
    text = normalize_zh(to_simplified(text)).lower()
    return re.findall(f"[{HAN}]|[a-z0-9]+", text)


def chinese_syllables(text: str) -> list[str]:
    """Toneless pinyin of the characters (Latin words kept): homophones written with other characters
    (利率 / 力率) sound the same, so this measures what was heard rather than how it was spelled."""
    from pypinyin import lazy_pinyin

    return [token if token.isascii() else lazy_pinyin(token)[0] for token in chinese_chars(text)]


def syllable_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    ref, hyp = chinese_syllables(reference), chinese_syllables(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def error_counts(reference: str, hypothesis: str, language: str) -> tuple[int, int]:
    """(edits, reference length): words for English (WER), characters for Chinese (CER)."""
    split = chinese_chars if language == "zh" else english_words
    ref, hyp = split(reference), split(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    edits, length = error_counts(reference, hypothesis, language)
    return edits / max(length, 1)
