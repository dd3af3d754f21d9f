"""Speech in, speech out and images, through one thin adapter that survives their absence.

Each modality lives in its own package (`advisor.asr`, `advisor.tts`, `advisor.vision`) and is imported
only when first used. A package that is missing, a backend that fails to build or a model that fails to
load makes that modality *unavailable*: `status()` says why, the page greys it out, and the rest of the
advisor keeps working. Errors meant for the user (no speech heard, an unreadable image) come out as
`ModalityError`, in both languages; anything unexpected becomes a short generic message.

The packages' entry points are named in one place each (`_build_*`, `transcribe`, `vision_reader`,
`speaker`), so a change there is a change here only.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from advisor.config import Settings
from advisor.events import AudioChunk, Notice, Sentence, Transcript

log = logging.getLogger(__name__)

MODALITIES = ("asr", "tts", "vision")
_LOADERS = ("load", "warm_up", "warm", "engine")  # what a backend may offer to load its model now


class ModalityUnavailable(RuntimeError):
    """The modality cannot be used here at all (package missing, model failed to load)."""


class ModalityError(RuntimeError):
    """This input could not be handled; the message is for the user, in English and Chinese."""

    def __init__(self, en: str, zh: str = "") -> None:
        super().__init__(en)
        self.en, self.zh = en, zh or en

    def message(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


class Speaker(Protocol):
    """Speaks a turn's sentences in the background, in order (advisor.tts.SentenceSpeaker)."""

    def say(self, text: str | Sentence, language: str = "") -> None: ...
    def ready(self) -> list[AudioChunk | Notice]: ...
    def close(self) -> None: ...
    def stop(self) -> None: ...
    def join(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class ModalityStatus:
    name: str  # asr | tts | vision
    backend: str  # from config
    model: str  # from config; "" = the packaged default
    available: bool  # installed, and building it has not failed
    ready: bool  # built and its model loaded
    detail: str = ""  # why it is unavailable


def _user_error(exc: Exception) -> ModalityError | None:
    """A package's user-facing error (it has `message(lang)`), as a ModalityError."""
    message = getattr(exc, "message", None)
    if callable(message):
        try:
            return ModalityError(str(message("en")), str(message("zh")))
        except Exception:
            return None
    return None


class _Slot:
    """One modality's engine: built once, on first use or warm-up; a failure is remembered."""

    def __init__(self, name: str, module: str, build: Callable[[Any, Settings], Any], settings: Settings):
        self.name, self.module, self._build, self._settings = name, module, build, settings
        self._engine: Any = None
        self._loaded = False
        self._error = ""
        self._lock = threading.Lock()

    def installed(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):
            return False

    def package(self) -> Any:
        return importlib.import_module(self.module)

    def engine(self, load: bool = False) -> Any:
        with self._lock:
            if self._error:
                raise ModalityUnavailable(self._error)
            if self._engine is None:
                try:
                    self._engine = self._build(self.package(), self._settings)
                except ImportError as exc:
                    self._error = f"{self.module} is not installed ({exc})"
                    raise ModalityUnavailable(self._error) from exc
                except Exception as exc:
                    self._error = str(_user_error(exc) or f"{type(exc).__name__}: {exc}")
                    log.exception("building %s failed", self.name)
                    raise ModalityUnavailable(self._error) from exc
            if load and not self._loaded:
                loader = next(
                    (getattr(self._engine, n) for n in _LOADERS if callable(getattr(self._engine, n, None))),
                    None,
                )
                try:
                    if loader is not None:
                        loader()
                except Exception as exc:
                    self._error = str(_user_error(exc) or f"{type(exc).__name__}: {exc}")
                    self._engine = None
                    log.exception("loading %s failed", self.name)
                    raise ModalityUnavailable(self._error) from exc
                self._loaded = True
            return self._engine

    def used(self) -> None:
        """A call through the engine succeeded, so its model is loaded."""
        self._loaded = True

    def fail(self, reason: str) -> None:
        """The engine cannot work here (its model is missing): stop offering it."""
        with self._lock:
            self._error, self._engine = reason, None

    def status(self, backend: str, model: str) -> ModalityStatus:
        if self._error:
            return ModalityStatus(self.name, backend, model, False, False, self._error)
        if self._engine is None and not self.installed():
            return ModalityStatus(self.name, backend, model, False, False, f"{self.module} is not installed")
        return ModalityStatus(self.name, backend, model, True, self._engine is not None and self._loaded)


def _either(build: Callable[[Any], Any], section: Any, settings: Settings) -> Any:
    """Call a factory with its settings section, or with the whole Settings if that is what it takes."""
    try:
        return build(section)
    except (AttributeError, TypeError):
        return build(settings)


def _build_asr(package: Any, settings: Settings) -> Any:
    return package.create_asr(settings)


def _build_vision(package: Any, settings: Settings) -> Any:
    return _either(package.create_vision, settings.vision, settings)


def _build_tts(package: Any, settings: Settings) -> Any:
    return _either(lambda section: package.create_tts(section, settings.data_dir), settings.tts, settings)


class Modalities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._slots = {
            "asr": _Slot("asr", "advisor.asr", _build_asr, settings),
            "tts": _Slot("tts", "advisor.tts", _build_tts, settings),
            "vision": _Slot("vision", "advisor.vision", _build_vision, settings),
        }

    # -- availability ----------------------------------------------------------------------------------
    def status(self) -> list[ModalityStatus]:
        s = self.settings
        config = {
            "asr": (s.asr.backend, s.asr.model),
            "tts": (s.tts.backend, " / ".join(v for v in (s.tts.english_voice, s.tts.chinese_voice) if v)),
            "vision": (s.vision.backend, s.vision.model),
        }
        return [self._slots[name].status(*config[name]) for name in MODALITIES]

    def available(self, name: str) -> bool:
        return next(st.available for st in self.status() if st.name == name)

    def can_speak(self) -> bool:
        """Spoken replies need a voice, and ffmpeg: Gradio's streaming audio player encodes with it."""
        return self.available("tts") and shutil.which("ffmpeg") is not None

    def warm_up(self) -> None:
        """Build and load every modality, so status shows what works and the first use is not slow."""
        for slot in self._slots.values():
            try:
                slot.engine(load=True)
            except ModalityUnavailable as exc:
                log.warning("%s unavailable: %s", slot.name, exc)

    # -- use ---------------------------------------------------------------------------------------------
    def transcribe(self, path: Path) -> Transcript:
        slot = self._slots["asr"]
        engine = slot.engine()
        try:
            transcript: Transcript = engine.transcribe(path)
        except Exception as exc:
            raise self._failed(slot, exc, "ASRUnavailable") from exc
        slot.used()
        return transcript

    def vision_reader(self) -> Any:
        """The image reader, built if need be; ModalityUnavailable when images cannot be read here.

        The chat hands images to `Advisor.turn`, which reads them itself: see `share_vision`."""
        return self._slots["vision"].engine()

    def share_vision(self, reader: Callable[[str], Any]) -> None:
        """Build the image reader with the advisor's own factory (`Advisor.vision`), so the reader that
        warm-up loads and the Status tab reports is the one the turns use, and it is loaded once."""
        self._slots["vision"]._build = lambda package, settings: reader(
            "zh" if settings.ui.language == "zh" else "en"
        )

    def speaker(self) -> Speaker:
        """A speaker for one turn: `say` each sentence, collect `ready()` audio, `stop` to interrupt."""
        slot = self._slots["tts"]
        voices = slot.engine()
        speaker: Speaker = slot.package().SentenceSpeaker(voices)
        slot.used()
        return speaker

    @staticmethod
    def _failed(slot: _Slot, exc: Exception, unavailable: str = "") -> Exception:
        kind = getattr(slot.package(), unavailable, None) if unavailable else None
        error = _user_error(exc)
        if isinstance(kind, type) and isinstance(exc, kind):
            slot.fail(str(error or exc))
            return ModalityUnavailable(str(error or exc))
        if error is not None:
            return error
        log.error("%s failed", slot.name, exc_info=exc)
        return ModalityError(f"unexpected error ({type(exc).__name__})", f"意外错误（{type(exc).__name__}）")
