"""Hugging Face transformers chat model: for GPU users with a model id or a local checkpoint path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from advisor.config import LLMSettings
from advisor.llm.base import LLMUnavailable

GENERATION_THREAD_NAME = "transformers-generate"


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, ChatMessage):
        return message.role
    return message.type  # tool/function messages: let the template decide what to do with them


class TransformersChatModel(BaseChatModel):
    """Runs a causal LM in-process; torch/transformers are imported on first use, not at import time."""

    model: str
    device: str = "auto"  # "auto" = cuda when available, else cpu
    max_new_tokens: int = 512
    temperature: float = 0.2  # 0 = greedy, hence deterministic

    _tokenizer: Any = PrivateAttr(default=None)
    _model: Any = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _generate_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "transformers"

    def _load(self) -> tuple[Any, Any]:
        with self._load_lock:  # concurrent first calls must not load the weights twice
            if self._model is None:
                try:
                    import torch
                    from transformers import AutoModelForCausalLM, AutoTokenizer

                    device = self.device
                    if device == "auto":
                        device = "cuda" if torch.cuda.is_available() else "cpu"
                    # fp16 halves GPU memory; many CPU kernels lack fp16, so stay in fp32 there.
                    dtype = torch.float16 if device.startswith("cuda") else torch.float32
                    tokenizer = AutoTokenizer.from_pretrained(self.model)
                    model: Any = AutoModelForCausalLM.from_pretrained(self.model, dtype=dtype)
                    model = model.to(device).eval()
                except Exception as exc:
                    path = Path(self.model).expanduser()
                    # A missing folder otherwise surfaces as a puzzling "Repo id must be in the form ..." error.
                    looks_local = path.is_absolute() or self.model.startswith((".", "~"))
                    why = (
                        "no such folder"
                        if looks_local and not path.exists()
                        else f"{type(exc).__name__}: {exc}"
                    )
                    raise LLMUnavailable(
                        f"Could not load the transformers model {self.model!r}: {why.rstrip('. ')}. "
                        "Without network access the weights must already be on disk: pass a local path, "
                        "or download the model beforehand and set HF_HUB_OFFLINE=1."
                    ) from exc
                self._tokenizer, self._model = tokenizer, model
            return self._tokenizer, self._model

    def _prompt(self, tokenizer: Any, messages: list[BaseMessage]) -> str:
        turns = [{"role": _role(m), "content": m.text} for m in messages]
        if getattr(tokenizer, "chat_template", None):
            return str(tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True))
        # Base models ship no template; a plain transcript still lets them continue as the assistant.
        return "".join(f"{t['role']}: {t['content']}\n" for t in turns) + "assistant:"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop=stop, run_manager=run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        tokenizer, model = self._load()
        cancel = threading.Event()

        class _Cancelled(StoppingCriteria):  # checked after every token, so a cancel costs at most one step
            def __call__(self, input_ids: Any, scores: Any, **_: Any) -> bool:
                return cancel.is_set()

        inputs = tokenizer(self._prompt(tokenizer, messages), return_tensors="pt", add_special_tokens=False)
        inputs = inputs.to(model.device)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        temperature = float(kwargs.get("temperature", self.temperature))
        gen_kwargs: dict[str, Any] = {
            **inputs,
            "streamer": streamer,
            "max_new_tokens": int(kwargs.get("max_new_tokens", self.max_new_tokens)),
            "stopping_criteria": StoppingCriteriaList([_Cancelled()]),
            # Many causal LMs have no pad token; eos stops generate() warning about it.
            "pad_token_id": tokenizer.eos_token_id
            if tokenizer.pad_token_id is None
            else tokenizer.pad_token_id,
            "do_sample": temperature > 0,
        }
        if temperature > 0:
            gen_kwargs["temperature"] = temperature
        errors: list[BaseException] = []

        def work() -> None:
            # One generation per model at a time. The worker, never the consumer, waits for the lock, and
            # gives up when cancelled, so closing a stream that is still queued returns at once.
            while not self._generate_lock.acquire(timeout=0.05):
                if cancel.is_set():
                    return
            try:
                if not cancel.is_set():
                    model.generate(**gen_kwargs)
            except BaseException as exc:
                errors.append(exc)
                streamer.end()  # unblock the consumer, which re-raises below
            finally:
                self._generate_lock.release()

        thread = threading.Thread(target=work, name=GENERATION_THREAD_NAME, daemon=True)
        thread.start()
        stops = [s for s in stop or [] if s]
        # Hold back a tail that could be the start of a stop string split across two pieces.
        keep = max((len(s) for s in stops), default=1) - 1
        pending, yielded = "", False
        try:
            for piece in streamer:
                pending += piece
                cut = min((i for i in (pending.find(s) for s in stops) if i >= 0), default=-1)
                if cut >= 0:
                    pending = pending[:cut]
                    break
                if len(pending) > keep:
                    out, pending = pending[: len(pending) - keep], pending[len(pending) - keep :]
                    yield self._chunk(out, run_manager)
                    yielded = True
            if errors:
                raise errors[0]
            if pending or not yielded:  # LangChain rejects a stream with no chunk at all, even when empty
                yield self._chunk(pending, run_manager)
        finally:
            # Also runs when the consumer closes the generator early: stop the worker instead of letting it
            # burn, and wait the one step that takes so no thread is left inside torch (e.g. at exit).
            cancel.set()
            thread.join()

    @staticmethod
    def _chunk(text: str, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
        if run_manager:
            run_manager.on_llm_new_token(text, chunk=chunk)
        return chunk


def create_transformers_chat(settings: LLMSettings) -> BaseChatModel:
    if not settings.model:
        raise LLMUnavailable(
            "The transformers backend needs a Hugging Face model id or a local model folder: "
            "set ADVISOR_LLM__MODEL (or llm.model in the config file)."
        )
    return TransformersChatModel(model=settings.model)
