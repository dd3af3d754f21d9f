"""What every endpoint shares: the settings, the advisor (one set of models with the page), the keys,
the limits, and the voices. Built once by the app factory; endpoints reach it as `request.app.state.api`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from advisor.api.auth import Gate
from advisor.api.limits import Lease, Limiter
from advisor.config import Settings
from advisor.dialogue.advisor import Advisor


@dataclass
class APIContext:
    settings: Settings
    advisor: Advisor
    gate: Gate
    limiter: Limiter

    def speaker(self) -> Any:
        """A SentenceSpeaker for one reply, on the advisor's voices (the page's too, when mounted)."""
        from advisor.api.errors import APIError
        from advisor.tts import SentenceSpeaker, TTSError

        try:
            return SentenceSpeaker(self.advisor.stages.tts.get())
        except TTSError as exc:
            raise APIError(
                503, f"speech is unavailable here: {exc}", "此处无法合成语音", code="tts_unavailable"
            ) from None

    def asr(self) -> Any:
        """The advisor's speech recognition (the one its turns use)."""
        from advisor.api.errors import APIError
        from advisor.asr import ASRError

        try:
            return self.advisor.stages.asr.get()
        except ASRError as exc:
            raise APIError(503, exc.message_en, exc.message_zh, code="asr_unavailable") from None


def context(request: Request) -> APIContext:
    ctx: APIContext = request.app.state.api
    return ctx


def admitted(request: Request) -> str:
    """The caller's key checked (401) and one request admitted under its limits (429): the caller's id.

    The lease is kept in the request's state and released by `ReleaseLease` once the whole answer,
    stream included, has been sent, or the request failed in any way."""
    ctx = context(request)
    client = request.client.host if request.client else None
    caller = ctx.gate.caller(request.headers.get("authorization"), client)
    identity = caller if caller != "local" else f"local:{client}"
    request.state.lease = ctx.limiter.admit(identity)
    return caller


class ReleaseLease:
    """ASGI middleware: frees the request's concurrency slot when the app is done with the request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        state = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, send)
        finally:
            lease: Lease | None = state.pop("lease", None)
            if lease is not None:
                lease.release()
