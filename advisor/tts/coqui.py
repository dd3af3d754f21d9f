"""Coqui TTS (the `coqui-tts` package) for users who have its voices, e.g. XTTS v2 for many languages.

A voice is either a Coqui model name, which Coqui downloads on first use (needs internet):

    coqui:tts_models/multilingual/multi-dataset/xtts_v2|speaker=Ana Florence
    coqui:tts_models/en/ljspeech/vits

or a local folder holding `config.json` and the model checkpoint (`model.pth`, `best_model.pth`,
`checkpoint_*.pth`; for XTTS the folder itself), or a checkpoint file with `config.json` beside it.
Options after `|`: `speaker=NAME`, `speaker_wav=PATH` (voice cloning), `language=ID` (e.g. zh-cn).
No Coqui voice ships in a package, so here it is proven on a model built from its config with
random weights (tests/test_tts.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from advisor.events import AudioChunk
from advisor.tts.base import TTSError, float_to_pcm16

_LANGUAGE_IDS = {"zh": ["zh-cn", "zh", "zh-CN", "cmn"], "en": ["en", "en-us", "en_US"]}


def parse_voice(spec: str) -> tuple[str, dict[str, str]]:
    """'MODEL|speaker=X|language=zh-cn' -> ('MODEL', {'speaker': 'X', 'language': 'zh-cn'})."""
    model, *options = spec.split("|")
    parsed = {}
    for option in options:
        key, _, value = option.partition("=")
        if key.strip() not in {"speaker", "speaker_wav", "language"}:
            raise TTSError(f"unknown Coqui voice option {key!r} (speaker, speaker_wav, language)")
        parsed[key.strip()] = value.strip()
    return model.strip(), parsed


def _local_model(model: str) -> tuple[Path, Path] | None:
    path = Path(model).expanduser()
    if path.is_dir():
        config = path / "config.json"
        if not config.is_file():
            raise TTSError(f"Coqui model folder {path} has no config.json")
        for name in ("model.pth", "best_model.pth", "model_file.pth", "model.pt"):
            if (path / name).is_file():
                return path / name, config
        checkpoints = sorted(path.glob("checkpoint_*.pth"))
        if checkpoints:
            return checkpoints[-1], config
        return path, config  # XTTS and other models that load a whole folder
    if path.is_file():
        config = path.with_name("config.json")
        if not config.is_file():
            raise TTSError(f"no config.json beside the Coqui checkpoint {path}")
        return path, config
    if "/" in model and not model.startswith("tts_models/") and not model.startswith("vocoder_models/"):
        raise TTSError(f"Coqui model {model!r} is neither a folder, a checkpoint nor a Coqui model name")
    return None


class CoquiSynthesizer:
    def __init__(self, voice: str, device: str = "cpu") -> None:
        if not voice:
            raise TTSError(
                "a Coqui voice needs a model: a Coqui model name "
                "(e.g. tts_models/multilingual/multi-dataset/xtts_v2) or a folder with config.json"
            )
        self.model, self.options = parse_voice(voice)
        self.device = device
        self.name = f"coqui:{Path(self.model).name if Path(self.model).exists() else self.model}"
        self._tts: Any = None
        self._lock = threading.Lock()
        self.sample_rate = 0

    def load(self) -> Any:
        with self._lock:
            if self._tts is not None:
                return self._tts
            try:
                from TTS.api import TTS
            except (ImportError, OSError) as exc:
                raise TTSError(f"Coqui TTS is not usable here: {exc}") from exc
            local = _local_model(self.model)
            try:
                if local is None:
                    tts = TTS(self.model, progress_bar=False)
                else:
                    tts = TTS(model_path=str(local[0]), config_path=str(local[1]), progress_bar=False)
                tts = tts.to(self.device)
            except Exception as exc:
                raise TTSError(f"cannot load Coqui model {self.model!r}: {exc}") from exc
            self.sample_rate = int(tts.synthesizer.output_sample_rate)
            self._tts = tts
            return tts

    def _arguments(self, tts: Any, language: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if getattr(tts, "is_multi_lingual", False):
            wanted = self.options.get("language")
            if not wanted:
                known = list(getattr(tts, "languages", None) or [])
                wanted = next(
                    (c for c in _LANGUAGE_IDS.get(language[:2], [language]) if c in known), language
                )
            kwargs["language"] = wanted
        if self.options.get("speaker_wav"):
            kwargs["speaker_wav"] = self.options["speaker_wav"]
        elif getattr(tts, "is_multi_speaker", False):
            speakers = list(getattr(tts, "speakers", None) or [])
            speaker = self.options.get("speaker") or (speakers[0] if speakers else None)
            if speaker is not None:
                kwargs["speaker"] = speaker
        return kwargs

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        tts = self.load()
        try:
            with self._lock:
                samples = tts.tts(text, split_sentences=False, **self._arguments(tts, language))
        except Exception as exc:
            raise TTSError(f"Coqui synthesis failed: {exc}") from exc
        import numpy as np

        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        if not np.all(np.isfinite(audio)):
            raise TTSError("Coqui returned invalid audio (NaN or infinity)")
        yield AudioChunk(float_to_pcm16(audio), self.sample_rate, text)
