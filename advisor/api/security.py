"""What stands in front of every endpoint: the body size, the browser's origin, the host name.

- A body larger than one picture and one recording (as base64) is refused with 413 before it is read.
- A browser request from another site (its Origin header) is refused with 403 unless that origin is in
  `[api] cors_origins`; those get CORS headers. Without configuration no CORS header is ever sent, so
  no other site's script can read an answer. SDKs and curl send no Origin and are let through.
- On a loopback bind, a Host header naming another host (DNS rebinding) is refused with 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from advisor.api.auth import is_loopback
from advisor.api.errors import APIError


async def _refuse(send: Any, error: APIError) -> None:
    response = error.response()
    await send({"type": "http.response.start", "status": error.status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class Guard:
    """ASGI middleware for the checks above (CORS itself is Starlette's middleware, inside this one)."""

    def __init__(self, app: Any, max_body: int, origins: list[str], loopback_only: bool) -> None:
        self.app = app
        self.max_body = max_body
        self.origins = {o.rstrip("/").lower() for o in origins}
        self.loopback_only = loopback_only

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host, origin = headers.get("host", ""), headers.get("origin")
        if self.loopback_only and not is_loopback(urlsplit(f"//{host}").hostname):
            await _refuse(
                send, APIError(403, "this server answers only to localhost", "此服务只接受本机地址的请求")
            )
            return
        if origin is not None and not self._allowed(origin, host):
            await _refuse(
                send,
                APIError(
                    403,
                    "requests from this web origin are not allowed ([api] cors_origins)",
                    "不允许来自该网页来源的请求（[api] cors_origins）",
                    code="origin_not_allowed",
                ),
            )
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _refuse(send, _too_big(self.max_body))
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Any) -> Any:
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _too_big(self.max_body)
            return message

        return counted

    def _allowed(self, origin: str, host: str) -> bool:
        parsed = urlsplit(origin)
        if origin.rstrip("/").lower() in self.origins or "*" in self.origins:
            return True
        return parsed.scheme in ("http", "https") and parsed.netloc.lower() == host.lower()


def _too_big(limit: int) -> APIError:
    mb = limit / 1024 / 1024
    return APIError(
        413,
        f"the request is larger than {mb:.0f} MB",
        f"请求超过 {mb:.0f} MB",
        code="request_too_large",
    )


def protect(app: FastAPI, max_body: int, cors_origins: str, bind_host: str) -> None:
    origins = [o.strip() for o in cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type"],
            expose_headers=["retry-after"],
        )
    app.add_middleware(Guard, max_body=max_body, origins=origins, loopback_only=is_loopback(bind_host))


class MountAt:
    """ASGI middleware that hands every request under `prefix` to `api` (whose routes carry the prefix),
    the rest to the wrapped app: how `advisor serve` serves the API on the page's port, ahead of the
    page's own routes and its middleware. WebSockets too (the page's voice conversation, ui.voice_socket)."""

    def __init__(self, app: Any, prefix: str, api: Any) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        self.api = api

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            await self.api(scope, receive, send)
            return
        await self.app(scope, receive, send)
