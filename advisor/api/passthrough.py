"""`advisor-llm`: the plain language model behind the advisor, with no retrieval and no guard.

This is how one machine serves the model for another: a second advisor set to
`ADVISOR_LLM__BACKEND=openai`, `ADVISOR_LLM__BASE_URL=http://this-host:7860/v1`,
`ADVISOR_LLM__MODEL=advisor-llm` sends its own prompts (its passages, its persona) here and runs its own
guard on what comes back. The messages go to the model as they are; `max_tokens`, `temperature` and
`stop` go with them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi.responses import JSONResponse, StreamingResponse
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from advisor.api.context import APIContext
from advisor.api.errors import APIError, bad_request
from advisor.api.render import Limits
from advisor.api.schemas import ChatRequest, read_content
from advisor.api.sse import DONE, sse
from advisor.api.threads import ThreadedIterator
from advisor.knowledge.chunking import estimate_tokens
from advisor.llm import LLMUnavailable, stream_text


def as_messages(body: ChatRequest) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for m in body.messages:
        content = read_content(m.content, 0, 0) if isinstance(m.content, list) else None
        text = content.text if content is not None else str(m.content or "")
        if m.role in ("system", "developer"):
            messages.append(SystemMessage(text))
        elif m.role == "user":
            messages.append(HumanMessage(text))
        elif m.role == "assistant":
            messages.append(AIMessage(text))
    if not messages or not isinstance(messages[-1], HumanMessage):
        raise bad_request(
            "messages: the last message must be the user's", "messages：最后一条消息必须是用户的", "messages"
        )
    return messages


async def passthrough(ctx: APIContext, body: ChatRequest, limits: Limits) -> JSONResponse | StreamingResponse:
    try:
        messages = as_messages(body)
    except APIError as exc:
        if exc.status == 413:  # read_content with no room for pictures or recordings
            raise bad_request(
                "advisor-llm reads text only; send pictures and recordings to the advisor models",
                "advisor-llm 只读文字；图片和录音请发给 advisor 模型",
                "messages",
            ) from None
        raise
    try:
        model = await asyncio.to_thread(ctx.advisor.llm)
    except LLMUnavailable as exc:
        raise APIError(
            503, f"the language model is unavailable: {exc}", "语言模型不可用", code="llm_unavailable"
        ) from None
    options: dict[str, Any] = {}
    if body.temperature is not None:
        options["temperature"] = body.temperature
    if limits.max_tokens is not None:
        options["max_tokens"] = limits.max_tokens
    stops = limits.stops

    def generate() -> Iterator[str]:
        return stream_text(model, messages, stop=stops or None, **options)

    pieces = ThreadedIterator(generate, name="api-llm")
    reply_id, created = "chatcmpl-" + uuid.uuid4().hex[:24], int(time.time())
    prompt_tokens = sum(estimate_tokens(str(m.content)) - 1 for m in messages)

    def finish() -> str:
        if limits.finish_reason:
            return limits.finish_reason
        if limits.max_tokens is not None and estimate_tokens(limits.sent) - 1 >= limits.max_tokens:
            return "length"
        return "stop"

    def usage() -> dict[str, int]:
        completion = max(0, estimate_tokens(limits.sent) - 1)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
        }

    def chunk(delta: dict[str, Any], reason: str | None = None) -> str:
        return sse(
            {
                "id": reply_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}],
            }
        )

    if body.stream:

        async def stream() -> AsyncIterator[str]:
            try:
                yield chunk({"role": "assistant", "content": ""})
                async for piece in pieces:
                    out = limits.take(piece)
                    if out:
                        yield chunk({"content": out})
                    if limits.finish_reason:
                        break
                tail = limits.flush()
                if tail:
                    yield chunk({"content": tail})
                yield chunk({}, finish())
                if body.stream_options is not None and body.stream_options.include_usage:
                    yield sse(
                        {
                            "id": reply_id,
                            "object": "chat.completion.chunk",
                            "created": created,
                            "model": body.model,
                            "choices": [],
                            "usage": usage(),
                        }
                    )
            except Exception as exc:  # headers are sent: the error goes in the stream
                yield sse(
                    APIError(
                        503,
                        f"the language model failed: {type(exc).__name__}: {exc}",
                        "语言模型出错",
                        code="llm_failed",
                    ).body()
                )
            finally:
                pieces.close()
            yield DONE

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    try:
        async for piece in pieces:
            limits.take(piece)
            if limits.finish_reason:
                break
        limits.flush()
    except Exception as exc:
        raise APIError(
            503, f"the language model failed: {type(exc).__name__}: {exc}", "语言模型出错", code="llm_failed"
        ) from None
    finally:
        pieces.close()
    return JSONResponse(
        {
            "id": reply_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": limits.sent, "refusal": None},
                    "logprobs": None,
                    "finish_reason": finish(),
                }
            ],
            "usage": usage(),
        }
    )
