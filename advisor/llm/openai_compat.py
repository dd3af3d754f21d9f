"""Backend "openai": an OpenAI-compatible chat server (vLLM, Ollama, llama.cpp server, OpenAI), via langchain-openai."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from typing import Any

import openai
from langchain_core.exceptions import ModelConnectionError
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from advisor.config import LLMSettings
from advisor.llm.base import LLMUnavailable

RETRIES = 2


def _retryable(exc: Exception) -> bool:
    # Overload, server error, nobody listening yet. Not a read timeout: the server took the request and may
    # still be working on it, and retrying would make the user wait several read timeouts.
    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(exc, openai.RateLimitError | openai.InternalServerError | openai.APIConnectionError)


class _ChatOpenAI(ChatOpenAI):
    """Retries only until the first chunk arrives, and never lets a stream end short without an error."""

    def _get_request_payload(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(*args, **kwargs)
        # ChatOpenAI sends only max_completion_tokens, which Ollama and llama-cpp-python silently ignore.
        if "max_completion_tokens" in payload and "api.openai.com" not in (self.openai_api_base or ""):
            payload["max_tokens"] = payload["max_completion_tokens"]
        return payload

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for attempt in range(RETRIES + 1):
            chunks = super()._stream(*args, **kwargs)
            try:
                chunk = next(chunks, None)
                break
            except Exception as exc:
                if attempt == RETRIES or not _retryable(exc):
                    raise
                time.sleep(0.5 * 2**attempt)
        # From here on text reaches the caller: a failure must raise, never restart and repeat the text.
        finished = False
        try:
            while chunk is not None:
                finished = finished or bool((chunk.generation_info or {}).get("finish_reason"))
                yield chunk
                chunk = next(chunks, None)
        finally:
            if isinstance(chunks, Generator):  # let the SDK close the response now if the caller stops early
                chunks.close()
        if not finished:
            # A body without Content-Length or chunking that stops early looks like a clean end to the SDK.
            raise ModelConnectionError("the LLM server closed the stream before the answer was finished")


def explain(exc: BaseException, settings: LLMSettings) -> str:
    """A plain sentence for the user about a failed call to this backend."""
    where = f"the LLM server at {settings.base_url}"
    causes, cause = set(), exc.__cause__  # httpx or httpx2 (by SDK version): match by class name
    while cause is not None:
        causes.add(type(cause).__name__)
        cause = cause.__cause__
    if isinstance(exc, openai.APITimeoutError):
        if "ConnectTimeout" in causes:
            return f"{where} did not accept a connection within {settings.connect_timeout_s:g} s"
        return f"{where} sent nothing for {settings.read_timeout_s:g} s (overloaded, or still loading the model?)"
    if isinstance(exc, openai.APIConnectionError):
        if "ConnectError" in causes:
            return f"could not connect to {where}: is it running? (ADVISOR_LLM__BASE_URL)"
        return f"the connection to {where} broke off"
    if isinstance(exc, openai.APIStatusError):
        detail = exc.body.get("message") if isinstance(exc.body, dict) else None
        hint = " (check ADVISOR_LLM__API_KEY)" if exc.status_code in (401, 403) else ""
        if exc.status_code == 404:
            hint = f" (does it serve the model {settings.model!r}? ADVISOR_LLM__MODEL)"
        return f"{where} answered {exc.status_code}: {detail or exc.message}{hint}"
    if isinstance(exc, LLMUnavailable | ModelConnectionError):
        return str(exc)
    return f"the LLM call failed: {exc}"


def create_openai_chat(
    settings: LLMSettings, max_tokens: int = 512, temperature: float = 0.2
) -> BaseChatModel:
    if not settings.base_url:
        raise LLMUnavailable("Set ADVISOR_LLM__BASE_URL to the server's URL, e.g. http://127.0.0.1:8000/v1.")
    if not settings.model:
        raise LLMUnavailable("Set ADVISOR_LLM__MODEL to the name of the model the server serves.")
    return _ChatOpenAI(
        base_url=settings.base_url,
        api_key=SecretStr(settings.api_key or "not-needed"),  # local servers take any key; the SDK wants one
        model=settings.model,
        max_completion_tokens=max_tokens,  # the field's alias; sent as both names, see above
        temperature=temperature,
        streaming=True,
        use_responses_api=False,  # local servers speak /chat/completions, whatever the model is called
        # openai.Timeout is the class of the HTTP library the SDK runs on (httpx2 for openai>=3; an
        # httpx.Timeout is only converted per request). The SDK default, 10 minutes, is far too long for chat.
        timeout=openai.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
        max_retries=0,  # retried in _stream instead, and only before the first chunk
    )
