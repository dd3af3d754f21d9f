"""A chat model that replays scripted replies word by word: fast, deterministic, for tests and faults."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    replies: list[str] = Field(default_factory=list)  # consumed in order; the last one repeats
    fail_after: int | None = None  # raise after this many chunks, to test broken streams
    seen: list[list[BaseMessage]] = Field(default_factory=list)  # every prompt it was given

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next_reply(self) -> str:
        if not self.replies:
            return ""
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.seen.append(list(messages))
        for i, piece in enumerate(re.findall(r"\S+\s*|\s+", self._next_reply())):
            if self.fail_after is not None and i >= self.fail_after:
                raise ConnectionError("the stream was cut")
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
