"""One transcription, the same for every Whisper engine: decode -> VAD -> language -> Whisper -> tidy text
-> names corrected by sound.

An engine (faster-whisper, openai-whisper) only detects the language and decodes speech. Engines are
loaded lazily, once per process for each (backend, model, options), and shared by every transcriber
built from the same settings; a lock makes concurrent first requests load once, and a second lock per
engine runs one decode at a time (the machine has two cores; openai-whisper's decoder also installs
per-call hooks on the shared model, so concurrent decodes on it are not safe).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from advisor.asr.audio import SAMPLE_RATE, AudioInput, load_audio
from advisor.asr.base import ASRError, ASRUnavailable, NoSpeech, Transcription
from advisor.asr.budget import draft_tokens, reading_tokens
from advisor.asr.correction import corrector
from advisor.asr.text import ZH_PROMPT, choose_language, looks_hallucinated, normalise_language, tidy
from advisor.asr.vad import VadSettings, find_speech
from advisor.asr.vocabulary import hotwords, known_names, token_counter
from advisor.config import ASRSettings
from advisor.events import Transcript


@dataclass(frozen=True)
class Segment:
    text: str
    no_speech_prob: float
    avg_logprob: float


class Engine(Protocol):
    model_name: str  # for reports: a model name or path

    def detect(self, audio: object) -> dict[str, float]:
        """Language probabilities for 16 kHz mono float32 speech (its first 30 s)."""
        ...

    def decode(
        self,
        audio: object,
        language: str,
        prompt: str | None,
        hotwords: str | None = None,
        beams: int = 5,
        max_tokens: int | None = None,
        retries: bool = True,
    ) -> list[Segment]:
        """Whisper's segments; `hotwords` are words to favour (domain vocabulary), kept for every window;
        `beams`: the beam search's width (1: greedy); `max_tokens`: where each window's reading stops;
        `retries`: read again at higher temperatures when the text looks wrong (repeats, low confidence)."""
        ...


_engines: dict[tuple[object, ...], Engine] = {}
_decode_locks: dict[int, threading.Lock] = {}
_loading: dict[tuple[object, ...], threading.Lock] = {}
_registry_lock = threading.Lock()
loads: Counter[tuple[object, ...]] = Counter()  # how many times each engine was loaded in this process


def shared_engine(key: tuple[object, ...], load: Callable[[], Engine]) -> tuple[Engine, float]:
    """The engine for `key`, loaded by `load` the first time; and the milliseconds spent loading now."""
    with _registry_lock:
        if key in _engines:
            return _engines[key], 0.0
        key_lock = _loading.setdefault(key, threading.Lock())
    with key_lock:
        if key in _engines:  # another thread loaded it while we waited
            return _engines[key], 0.0
        started = time.perf_counter()
        try:
            engine = load()
        except ASRError:
            raise
        except ImportError as exc:
            raise ASRUnavailable(f"speech recognition is not installed: {exc}", "语音识别组件未安装") from exc
        except Exception as exc:  # a missing or broken model file, an unknown model name offline, ...
            raise ASRUnavailable(
                f"the speech recognition model could not be loaded: {exc}", "语音识别模型无法加载"
            ) from exc
        with _registry_lock:
            _engines[key] = engine
            _decode_locks[id(engine)] = threading.Lock()
            loads[key] += 1
        return engine, (time.perf_counter() - started) * 1000


class WhisperTranscriber:
    """A Transcriber over a Whisper engine. Subclasses say how to find and load their engine."""

    name = "whisper"

    def __init__(
        self,
        settings: ASRSettings,
        models_dir: Path,
        vad: VadSettings | None = None,
        knowledge_dir: Path | None = None,
        catalog: Path | None = None,
    ) -> None:
        self.settings = settings
        self.models_dir = models_dir
        self.vad = vad or VadSettings()
        self.knowledge_dir = knowledge_dir
        self.catalog = catalog  # the knowledge library's catalog: documents the user ingested

    def hotwords(self, language: str) -> str | None:
        """The knowledge bases' names and terms for `language` (advisor/asr/vocabulary.py), or None.

        Cheap after the first call: rebuilt only when the library or the shipped folder changes."""
        return hotwords(
            self.settings.hotwords,
            self.knowledge_dir,
            self.settings.hotword_limit,
            language,
            self.catalog,
            token_counter(),
        )

    def correct(self, text: str, language: str) -> str:
        """`text` with near-miss spellings of the knowledge bases' names rewritten to the names."""
        if not self.settings.name_correction:
            return text
        lexicon = known_names(
            self.knowledge_dir, self.catalog, language, self.settings.hotword_limit, token_counter()
        )
        return corrector(lexicon)(text)

    # -- what a backend provides -----------------------------------------------------------------
    def engine_key(self) -> tuple[object, ...]:
        raise NotImplementedError

    def load_engine(self) -> Engine:
        raise NotImplementedError

    # -- the pipeline ------------------------------------------------------------------------------
    def engine(self) -> tuple[Engine, float]:
        return shared_engine(self.engine_key(), self.load_engine)

    def transcribe(self, audio: AudioInput, language: str | None = None) -> Transcript:
        return self.transcribe_timed(audio, language).transcript

    def transcribe_timed(
        self, audio: AudioInput, language: str | None = None, draft: bool = False
    ) -> Transcription:
        """`draft`: greedy decoding, about half the time of the beam search, for words shown while the
        user is still speaking; what is answered is always read with the full search."""
        timings: dict[str, float] = {}
        started = mark = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            timings[name] = (now - mark) * 1000
            mark = now

        decoded = load_audio(audio, max_seconds=self.settings.max_seconds, max_bytes=self.settings.max_bytes)
        lap("decode")
        speech = find_speech(decoded, self.vad)
        lap("vad")
        engine, timings["load"] = self.engine()
        mark = time.perf_counter()
        chosen = normalise_language(language)
        with _decode_locks[id(engine)]:
            probability = 1.0
            if chosen is None:
                chosen, probability = choose_language(engine.detect(speech.audio))
                lap("detect")
            prompt = ZH_PROMPT if chosen == "zh" else None
            # A draft is greedy, read once and tightly budgeted; the reading that is answered keeps the
            # full search and its retries, within a budget that only a runaway reading reaches.
            seconds = len(speech.audio) / SAMPLE_RATE
            options: dict[str, Any] = (
                {"beams": 1, "max_tokens": draft_tokens(seconds), "retries": False}
                if draft
                else {"max_tokens": reading_tokens(seconds)}
            )
            segments = engine.decode(speech.audio, chosen, prompt, self.hotwords(chosen), **options)
            lap("asr")
        kept = [s for s in segments if not (s.no_speech_prob > 0.6 and s.avg_logprob < -1.0)]
        text = tidy((s.text for s in kept), chosen)
        if not text or (looks_hallucinated(text) and max(s.no_speech_prob for s in kept) > 0.3):
            raise NoSpeech()
        text = self.correct(text, chosen)
        lap("text")
        timings["total"] = (time.perf_counter() - started) * 1000
        return Transcription(
            transcript=Transcript(text=text, language=chosen, duration_s=decoded.duration_s),
            backend=self.name,
            model=engine.model_name,
            language_probability=probability,
            speech_s=speech.seconds,
            timings_ms=timings,
        )
