"""A scripted fake OpenAI-compatible chat server for tests (stdlib only, on 127.0.0.1, a random free port).

Each POST /v1/chat/completions takes the next scripted behaviour from a queue:

    with FakeOpenAIServer(status(429), stream(["Hel", "lo"])) as server:
        ChatOpenAI(base_url=server.url, ...)
        assert server.request_count == 2

Every response closes its connection, so no handler thread lingers on a keep-alive socket and `stop()`
(which joins the handler threads) returns promptly; a `hang` is woken by `stop()` as well.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

THREAD_PREFIX = "fake-openai"


@dataclass(frozen=True)
class Behaviour:
    kind: str  # stream | cut | hang | status
    pieces: tuple[str, ...] = ()
    seconds: float = 0.0
    code: int = 200


def stream(pieces: list[str] | tuple[str, ...]) -> Behaviour:
    """A whole answer: a role chunk, one chunk per piece, a finish_reason chunk, then `data: [DONE]`."""
    return Behaviour("stream", tuple(pieces))


def cut(pieces: list[str] | tuple[str, ...]) -> Behaviour:
    """The role chunk and the pieces, then the connection is closed: no finish_reason, no [DONE]."""
    return Behaviour("cut", tuple(pieces))


def hang(seconds: float) -> Behaviour:
    """Read the request, send nothing for `seconds` (or until the server stops), then close."""
    return Behaviour("hang", seconds=seconds)


def status(code: int) -> Behaviour:
    """An HTTP error with an OpenAI-style JSON error body."""
    return Behaviour("status", code=code)


def closed_port_url() -> str:
    """A base URL on which nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads
    fake: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up is expected here
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # socket timeout: a silent client cannot pin a handler thread forever
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        threading.current_thread().name = f"{THREAD_PREFIX}-handler"
        self.close_connection = True
        fake = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with fake._lock:
            fake.authorizations.append(self.headers.get("Authorization", ""))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        request = json.loads(body or b"{}")
        behaviour = fake._next(request)
        if behaviour is None:
            self._json(
                500, {"error": {"message": "fake server: no behaviour scripted", "type": "server_error"}}
            )
        elif behaviour.kind == "status":
            error = {
                "message": f"fake error {behaviour.code}",
                "type": "server_error",
                "code": behaviour.code,
            }
            self._json(behaviour.code, {"error": error})
        elif behaviour.kind == "hang":
            fake._stopping.wait(behaviour.seconds)
        elif not request.get("stream"):
            message = {"role": "assistant", "content": "".join(behaviour.pieces)}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            self._json(200, {**self._envelope(request, "chat.completion"), "choices": [choice]})
        else:
            self._stream(request, behaviour)

    def _envelope(self, request: dict[str, Any], obj: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": obj,
            "created": int(time.time()),
            "model": request.get("model"),
        }

    def _json(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, request: dict[str, Any], behaviour: Behaviour) -> None:
        chunked = self.server.fake.chunked
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        if chunked:  # like uvicorn (vLLM) and most HTTP/1.1 servers; otherwise the body ends when we close
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(data: str) -> None:
            raw = f"data: {data}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw) if chunked else raw)
            self.wfile.flush()

        def chunk(delta: dict[str, str], finish_reason: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
            return json.dumps({**self._envelope(request, "chat.completion.chunk"), "choices": [choice]})

        send(chunk({"role": "assistant", "content": ""}))
        for piece in behaviour.pieces:
            send(chunk({"content": piece}))
        if behaviour.kind == "cut":
            return  # closed without the final chunk, [DONE] or (when chunked) the terminating empty chunk
        send(chunk({}, finish_reason="stop"))
        send("[DONE]")
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class FakeOpenAIServer:
    """The server; a context manager. `.url` is the base URL to give the client (".../v1")."""

    def __init__(self, *behaviours: Behaviour, chunked: bool = True) -> None:
        self.chunked = chunked
        self.requests: list[dict[str, Any]] = []  # the JSON bodies received, in order
        self.authorizations: list[str] = []  # each request's Authorization header
        self._queue: deque[Behaviour] = deque(behaviours)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{THREAD_PREFIX}-serve"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def add(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def _next(self, request: dict[str, Any]) -> Behaviour | None:
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else None

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any `hang`
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
