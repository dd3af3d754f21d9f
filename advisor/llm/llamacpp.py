"""llama.cpp (llama-cpp-python) as a LangChain chat model: the embedded default, a local GGUF file.

One Llama instance per process, loaded on first use. Requests take turns on it (a lock): two cores
cannot run two generations faster than one after the other, and llama.cpp reuses the cached state of
the longest unchanged prompt prefix, which a shared instance keeps warm; the prefixes of other system
prompts (the other language, other advisors) are saved and swapped in (prompt_states.py).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from advisor.llm.base import LLMUnavailable
from advisor.llm.cpu import BuildCheck, check_build
from advisor.llm.prompt_states import PromptStates

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def as_payload(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp's chat messages (and the worker protocol's)."""
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


class LlamaCppChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 320  # an advisor's answer is a few sentences; a longer one is usually a loop
    temperature: float = 0.2
    # Small models fall into loops at low temperature; Qwen2.5's own generation config uses 1.05-1.1.
    repeat_penalty: float = 1.1
    flash_attn: bool = True  # reads prompts a few percent faster on CPU, same answers
    prompt_states: int = 16  # saved prompt prefixes: every advisor's system prompt in both languages (14)
    # llama.cpp's extra weight buffer types (repacked / AMX layouts); None = on unless the build has AMX
    # that this OS does not grant, where they would place weights in tiles the process may not use.
    extra_buffers: bool | None = None
    _llama: Any = PrivateAttr(default=None)
    _states: PromptStates = PrivateAttr(default_factory=PromptStates)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama.cpp"

    def load(self) -> Any:
        """The llama.cpp model and its one context (loaded here, once)."""
        with self._load_lock:
            if self._llama is None:
                self._llama = self._open()
                self._states.capacity = self.prompt_states
            return self._llama

    def _open(self) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable("llama-cpp-python is not installed: pip install llama-cpp-python") from exc
        if not Path(self.model_path).is_file():
            raise LLMUnavailable(f"no GGUF model file at {self.model_path}")
        check = build_check()
        if not check.runs_here:
            raise LLMUnavailable(check.problem())
        extra = not check.plain_buffers_only if self.extra_buffers is None else self.extra_buffers
        try:
            with contextlib.nullcontext() if extra else _plain_buffers():
                return Llama(
                    model_path=self.model_path,
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_batch=512,
                    flash_attn=self.flash_attn,
                    verbose=False,
                )
        except Exception as exc:  # llama.cpp raises ValueError/RuntimeError on bad files
            raise LLMUnavailable(f"could not load {self.model_path}: {exc}") from exc

    def _ready(self, messages: list[dict[str, str]]) -> Any:
        """The model, holding the saved state that shares most with this prompt. Call under `_lock`."""
        llama = self.load()
        shared = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
        self._states.activate(llama, shared)
        return llama

    def count_tokens(self, text: str) -> int:
        return len(self.load().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prefill(self, messages: list[BaseMessage]) -> None:
        """Evaluate the prompt of `messages` (e.g. the system prompt) without generating, so a later
        prompt that starts the same way reuses the cached state instead of reading it again."""
        payload = as_payload(messages)
        with self._lock:
            llama = self._ready(payload)
            llama.create_chat_completion(messages=payload, max_tokens=1, temperature=0.0)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        payload = as_payload(messages)
        with self._lock:
            llama = self._ready(payload)
            stream = llama.create_chat_completion(
                messages=payload,
                stream=True,
                stop=stop or None,
                max_tokens=int(kwargs.get("max_tokens", self.max_tokens)),
                temperature=float(kwargs.get("temperature", self.temperature)),
                repeat_penalty=self.repeat_penalty,
            )
            try:
                for part in stream:
                    text = part["choices"][0]["delta"].get("content") or ""
                    if text:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
            finally:
                stream.close()  # a consumer that stops early stops the generation too

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))


@functools.cache
def build_check() -> BuildCheck:
    """The installed llama.cpp build's instruction sets against this CPU and OS."""
    import llama_cpp

    return check_build(llama_cpp.llama_print_system_info().decode("utf-8", "replace"))


@contextlib.contextmanager
def _plain_buffers() -> Iterator[None]:
    """Load models with `use_extra_bufts = False` (llama-cpp-python has no argument for it)."""
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def params() -> Any:
        value = original()
        value.use_extra_bufts = False
        return value

    lib.llama_model_default_params = params
    try:
        yield
    finally:
        lib.llama_model_default_params = original
