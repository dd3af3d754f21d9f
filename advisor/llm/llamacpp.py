"""llama.cpp (llama-cpp-python) as a LangChain chat model: the embedded default, a local GGUF file.

One Llama instance per process, loaded on first use. Requests take turns on it (a lock): two cores
cannot run two generations faster than one after the other, and llama.cpp reuses the cached state of
the longest unchanged prompt prefix, which a shared instance keeps warm.
"""

from __future__ import annotations

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

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
PREFIX_KEY_CHARS = 40  # prompts whose first message starts with the same text share a context


class LlamaCppChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 512
    temperature: float = 0.2
    contexts: int = 2  # llama.cpp contexts kept warm, each with its own prompt cache (e.g. zh and en)
    _llama: Any = PrivateAttr(default=None)
    _contexts: list[tuple[str, Any]] = PrivateAttr(default_factory=list)  # (prompt key, Llama), LRU first
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama.cpp"

    def load(self) -> Any:
        """The first llama.cpp context (the model loads here, once)."""
        with self._load_lock:
            if self._llama is None:
                self._llama = self._open()
                self._contexts.append(("", self._llama))
            return self._llama

    def _open(self) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable("llama-cpp-python is not installed: pip install llama-cpp-python") from exc
        if not Path(self.model_path).is_file():
            raise LLMUnavailable(f"no GGUF model file at {self.model_path}")
        try:
            # The weights are memory-mapped: a second context shares them and adds only its own cache.
            return Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_batch=512,
                verbose=False,
            )
        except Exception as exc:  # llama.cpp raises ValueError/RuntimeError on bad files
            raise LLMUnavailable(f"could not load {self.model_path}: {exc}") from exc

    def _context(self, messages: list[dict[str, str]]) -> Any:
        """The context to answer in. Each keeps the state of the last prompt it read, and llama.cpp
        reuses its longest unchanged prefix: prompts that start alike (the same system prompt, e.g. one
        per language) go to the same context, up to `contexts` of them, least recently used replaced."""
        self.load()
        key = messages[0]["content"][:PREFIX_KEY_CHARS] if messages else ""
        with self._load_lock:
            found = next((i for i, (k, _) in enumerate(self._contexts) if k == key), None)
            if found is None:
                unclaimed = self._contexts[0][0] == ""  # the first context has served no prompt yet
                if not unclaimed and len(self._contexts) < self.contexts:
                    self._contexts.append((key, self._open()))
                    found = len(self._contexts) - 1
                else:
                    found = 0  # unclaimed, or the least recently used: this prompt overwrites its cache
                self._contexts[found] = (key, self._contexts[found][1])
            entry = self._contexts.pop(found)
            self._contexts.append(entry)  # most recently used last
            return entry[1]

    def count_tokens(self, text: str) -> int:
        return len(self.load().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prefill(self, messages: list[BaseMessage]) -> None:
        """Evaluate the prompt of `messages` (e.g. the system prompt) without generating, so a later
        prompt that starts the same way reuses the cached state instead of reading it again."""
        payload = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        llama = self._context(payload)
        with self._lock:
            llama.create_chat_completion(messages=payload, max_tokens=1, temperature=0.0)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        payload = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        llama = self._context(payload)
        with self._lock:
            stream = llama.create_chat_completion(
                messages=payload,
                stream=True,
                stop=stop or None,
                max_tokens=int(kwargs.get("max_tokens", self.max_tokens)),
                temperature=float(kwargs.get("temperature", self.temperature)),
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
