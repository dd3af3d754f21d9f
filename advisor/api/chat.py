"""`POST /v1/chat/completions`: one turn of the advisor, streamed as server-sent events or answered whole.

The request's messages are the conversation (advisor/api/history.py); the last user message is the
question, with an `image_url` part (a data URL) for the vision stage and an `input_audio` part for
speech recognition. The turn is `Advisor.turn`, the one the page and the CLI run; this module only
renders its events (advisor/api/render.py). The reply's text carries its [n] citations; the `advisor`
field of the response (and of the stream's last chunk) carries the sources, `grounded`, the language
and the stage timings. `advisor-llm` is the plain model (advisor/api/passthrough.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from advisor.api.context import admitted, context
from advisor.api.errors import APIError, bad_request
from advisor.api.history import conversation
from advisor.api.models import chat_model
from advisor.api.passthrough import passthrough
from advisor.api.render import CheckedText, Extension, Limits
from advisor.api.schemas import ChatRequest, Conversation, conversation_of
from advisor.api.sse import DONE, sse
from advisor.api.threads import ThreadedIterator
from advisor.api.uploads import check_audio, check_image
from advisor.events import Event, TurnEnd
from advisor.knowledge.chunking import estimate_tokens

router = APIRouter()


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatRequest, request: Request, caller: str = Depends(admitted)
) -> JSONResponse | StreamingResponse:
    ctx = context(request)
    model = chat_model(ctx, body.model)
    if body.n != 1:
        raise bad_request("n: only one choice is made (n=1)", "n：只生成一个回答（n=1）", "n")
    limits = Limits(body.token_limit(), body.stops())
    if model.raw:
        return await passthrough(ctx, body, limits)
    settings = ctx.settings
    asked = conversation_of(body.messages, settings.vision.max_bytes, settings.asr.max_bytes)
    if asked.image is not None:
        check_image(asked.image, settings, "messages.image_url")
    if asked.audio is not None:
        check_audio(asked.audio, settings, "messages.input_audio")
    if not asked.question.strip() and asked.image is None and asked.audio is None:
        raise bad_request("messages: the question is empty", "messages：问题是空的", "messages")

    def turn() -> Iterator[Event]:
        with conversation(
            ctx.advisor.conversations, asked.exchanges, caller, model.domain or "general"
        ) as sid:
            yield from ctx.advisor.turn(
                asked.question, sid, None, model.domain, image=asked.image, audio=asked.audio
            )

    events = ThreadedIterator(turn, name="api-turn")
    reply = Reply(body, limits, _prompt_tokens(asked))
    if body.stream:
        return StreamingResponse(
            reply.stream(events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    try:
        async for event in events:
            if reply.feed(event):
                break
    finally:
        await events.aclose()
    return JSONResponse(reply.whole())


class Reply:
    """One completion's state: the checked text, the limits, the extension; its JSON and its chunks."""

    def __init__(self, body: ChatRequest, limits: Limits, prompt_tokens: int) -> None:
        self.body = body
        self.limits = limits
        self.checked = CheckedText()
        self.extension = Extension()
        self.id = "chatcmpl-" + uuid.uuid4().hex[:24]
        self.created = int(time.time())
        self.prompt_tokens = prompt_tokens
        self.pieces: list[str] = []

    def feed(self, event: Event) -> bool:
        """Take one event; True when the answer must end here (the turn ended, or a limit was reached)."""
        self.extension.feed(event)
        text = self.checked.finish(event.answer) if isinstance(event, TurnEnd) else self.checked.feed(event)
        piece = self.limits.take(text)
        if isinstance(event, TurnEnd):
            piece += self.limits.flush()
        if piece:
            self.pieces.append(piece)
        return isinstance(event, TurnEnd) or self.limits.finish_reason is not None

    def new_pieces(self) -> list[str]:
        pieces, self.pieces = self.pieces, []
        return pieces

    def finish_reason(self) -> str:
        return self.limits.finish_reason or "stop"

    def usage(self) -> dict[str, int]:
        completion = max(0, estimate_tokens(self.limits.sent) - 1)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }

    def whole(self) -> dict[str, Any]:
        text = self.limits.sent
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": self.finish_reason(),
                }
            ],
            "usage": self.usage(),
            "advisor": self.extension.as_dict(self.checked.replaced),
        }

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.body.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            **extra,
        }
        return sse(payload)

    async def stream(self, events: ThreadedIterator[Event]) -> AsyncIterator[str]:
        try:
            yield self.chunk({"role": "assistant", "content": ""})
            async for event in events:
                done = self.feed(event)
                for piece in self.new_pieces():
                    yield self.chunk({"content": piece})
                if done:
                    break
            yield self.chunk({}, self.finish_reason(), advisor=self.extension.as_dict(self.checked.replaced))
            options = self.body.stream_options
            if options is not None and options.include_usage:
                yield sse(
                    {
                        "id": self.id,
                        "object": "chat.completion.chunk",
                        "created": self.created,
                        "model": self.body.model,
                        "choices": [],
                        "usage": self.usage(),
                    }
                )
        except APIError as exc:
            yield sse(exc.body())
        except Exception as exc:  # headers are sent: the error goes in the stream, as OpenAI does
            yield sse(
                APIError(
                    500,
                    f"the answer failed ({type(exc).__name__})",
                    f"回答失败（{type(exc).__name__}）",
                    code="internal_error",
                ).body()
            )
        finally:
            await events.aclose()
        yield DONE


def _prompt_tokens(asked: Conversation) -> int:
    text = asked.question + "".join(q + a for q, a in asked.exchanges)
    return max(0, estimate_tokens(text) - 1)
