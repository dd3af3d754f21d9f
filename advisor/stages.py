"""The stages a turn runs on, each built once from its registry, loaded on first use or at warm-up.

The advisor owns one `Stages`: the language model, speech recognition, image reading and the voices
(the embedder and the vector store belong to its knowledge library). Every backend comes from its
registry through one factory signature, `create_<stage>(settings)`. A stage that cannot be built or
loaded here (a missing package, a model that fails to load) is remembered as off with its reason and
not retried per turn, so the other stages keep working and the status panel can say why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.llm import LLMCrashed, LLMUnavailable, create_llm

if TYPE_CHECKING:
    from advisor.knowledge.library import KnowledgeLibrary

log = logging.getLogger(__name__)
T = TypeVar("T")
_LOADERS = ("load", "warm_up", "warm", "engine")  # what an engine may offer to load its model now


@dataclass(frozen=True)
class StageStatus:
    name: str  # llm | embeddings | store | asr | tts | vision
    backend: str
    model: str  # "" = the packaged default
    state: str  # ready | lazy | off
    detail: str = ""  # why it is off, or (ready) what happened to it
    build: str = ""  # the instruction sets a native engine was built for


class Stage(Generic[T]):
    """One engine: built once; loaded on first use when `load_on_use`, else at warm-up (or by itself on
    its first call). A failure is kept and raised again as the stage's own error, `unavailable(reason)`."""

    def __init__(
        self,
        name: str,
        build: Callable[[], T],
        unavailable: Callable[[str], Exception],
        engine: T | None = None,
        load_on_use: bool = False,
        loaders: tuple[str, ...] = _LOADERS,
    ) -> None:
        self.name, self._build, self._unavailable, self._load_on_use = name, build, unavailable, load_on_use
        self._loaders = loaders
        self._engine, self._loaded = engine, engine is not None
        self.error = ""
        self._failure: Exception | None = None  # the stage's own error, raised again in both languages
        self._lock = threading.Lock()

    @property
    def engine(self) -> T | None:
        """The engine if it has been built (None until first use)."""
        return self._engine

    @property
    def loaded(self) -> bool:
        return self._loaded

    def get(self, load: bool = False) -> T:
        with self._lock:
            if self.error:
                raise self._failure or self._unavailable(self.error)
            if self._engine is None:
                try:
                    self._engine = self._build()
                except Exception as exc:
                    self._raise(exc)
            if (load or self._load_on_use) and not self._loaded:
                loader = next(
                    (
                        getattr(self._engine, n)
                        for n in self._loaders
                        if callable(getattr(self._engine, n, None))
                    ),
                    None,
                )
                try:
                    if loader is not None:
                        loader()
                except LLMCrashed:
                    raise  # its supervisor starts the worker again: not a lasting failure
                except Exception as exc:
                    self._engine = None
                    self._raise(exc)
                self._loaded = True
            return self._engine

    def warm(self) -> None:
        """Build and load now, so the first use is not the slow one; a failure is only logged."""
        try:
            self.get(load=True)
        except Exception as exc:
            log.warning("%s unavailable: %s", self.name, exc)

    def fail(self, reason: str | Exception) -> None:
        """The engine cannot work here (found out in use): stop offering it. Given the stage's own error,
        later calls raise that again (its message in both languages), not a rebuilt English one."""
        with self._lock:
            self.error, self._engine = _reason(reason) if isinstance(reason, Exception) else reason, None
            self._failure = reason if isinstance(reason, Exception) and self._own(reason) else None

    def _own(self, error: object) -> bool:
        return isinstance(self._unavailable, type) and isinstance(error, self._unavailable)

    def state(self) -> str:
        return "off" if self.error else "ready" if self._loaded else "lazy"

    def _raise(self, exc: Exception) -> NoReturn:
        self.error = _reason(exc)
        if self._own(exc):
            self._failure = exc
            raise exc  # already the stage's own error, with its messages in both languages
        if not isinstance(exc, ImportError):
            log.error("building %s failed", self.name, exc_info=exc)
        raise self._unavailable(self.error) from exc


def _reason(exc: Exception) -> str:
    """The plain-words reason: a stage error's English message, else the exception's type and text."""
    if isinstance(exc, ImportError):
        return f"a package is not installed ({exc})"
    message = getattr(exc, "message", None)
    if callable(message):
        return str(message("en"))
    if isinstance(exc, LLMUnavailable) or type(exc).__module__.startswith("advisor."):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class Stages:
    def __init__(self, settings: Settings, library: KnowledgeLibrary, llm: BaseChatModel | None = None):
        from advisor.asr.base import ASRUnavailable
        from advisor.tts.base import TTSError
        from advisor.vision.base import VisionError

        self.settings, self.library = settings, library
        self.llm: Stage[BaseChatModel] = Stage(
            "llm", lambda: create_llm(settings), LLMUnavailable, llm, load_on_use=True, loaders=("load",)
        )
        self.asr: Stage[Any] = Stage("asr", self._asr, ASRUnavailable)
        self.vision: Stage[Any] = Stage("vision", self._vision, VisionError)
        self.tts: Stage[Any] = Stage("tts", self._tts, TTSError)

    def _asr(self) -> Any:
        from advisor.asr import create_asr

        return create_asr(self.settings)

    def _vision(self) -> Any:
        from advisor.vision import create_vision

        return create_vision(self.settings)

    def _tts(self) -> Any:
        from advisor.tts import create_tts

        return create_tts(self.settings)

    def warm_up(self) -> None:
        """Build and load the speech and image stages (the advisor warms the model and the search)."""
        for stage in (self.asr, self.tts, self.vision):
            stage.warm()

    def status(self) -> list[StageStatus]:
        s = self.settings
        llm = self.llm.engine
        backend = s.llm.backend
        model = s.llm.model or ("Qwen2.5-0.5B-Instruct GGUF (packaged)" if backend == "llamacpp" else "")
        if backend == "openai" and s.llm.base_url:
            model = f"{s.llm.model or '?'} @ {s.llm.base_url}"
        if llm is not None:  # what actually runs, which a caller may have passed in
            backend = str(getattr(llm, "_llm_type", "") or type(llm).__name__)
            path = str(getattr(llm, "model_path", "") or "")
            model = Path(path).name if path else str(getattr(llm, "model_name", "") or model)
        state, detail, build = (
            ("off" if self.llm.error else "ready" if llm is not None else "lazy"),
            self.llm.error,
            "",
        )
        health = getattr(llm, "health", None)
        if callable(health):  # a supervised worker: crashes, restarts and the build's instruction sets
            state, build, detail = health()
        embedder = "ready" if self.library.embedder_loaded else "lazy"
        voices = " / ".join(v for v in (s.tts.english_voice, s.tts.chinese_voice) if v)
        return [
            StageStatus("llm", backend, model, state, detail, build),
            StageStatus(
                "embeddings",
                s.embeddings.backend,
                s.embeddings.model or "multilingual-e5-small (packaged)",
                embedder,
            ),
            StageStatus("store", "chroma", s.store.url or "", "ready"),
            StageStatus("asr", s.asr.backend, s.asr.model, self.asr.state(), self.asr.error),
            StageStatus("tts", s.tts.backend, voices, self.tts.state(), self.tts.error),
            StageStatus("vision", s.vision.backend, s.vision.model, self.vision.state(), self.vision.error),
        ]
