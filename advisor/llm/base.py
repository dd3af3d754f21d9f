"""The LLM stage: a LangChain chat model that streams text; chosen by name from `settings.llm.backend`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage


class LLMUnavailable(RuntimeError):
    """The model could not be loaded or reached; the message says what to do."""


class LLMCrashed(LLMUnavailable):
    """The model's worker process died (a native crash); it is being started again."""

    def __init__(self, message: str, how: str = "") -> None:
        super().__init__(message)
        self.how = how


def stream_text(model: BaseChatModel, messages: Sequence[BaseMessage], **kwargs: Any) -> Iterator[str]:
    """Only the text of each streamed chunk."""
    for chunk in model.stream(list(messages), **kwargs):
        content = chunk.content
        if isinstance(content, str):
            if content:
                yield content
        else:
            for part in content:
                text = part if isinstance(part, str) else part.get("text", "")
                if text:
                    yield str(text)
