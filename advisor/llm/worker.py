"""The llama.cpp worker process: `python -m advisor.llm.worker LOG`, driven by advisor/llm/supervised.py.

llama.cpp is native code: one bad instruction or one bug in it would kill whatever process hosts it. It
runs here, alone, so a crash ends this process and the supervisor's turn, not the web page. The protocol
is one JSON object per line: requests on stdin, replies on the original stdout. Everything native
code prints (the converter's log, ggml's messages) goes to LOG, never to the user's terminal.

Requests carry an `id`; `{"op": "cancel", "id": N}` stops request N's generation between two tokens.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from typing import IO, Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

_MESSAGES = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


def to_messages(payload: list[dict[str, str]]) -> list[BaseMessage]:
    return [_MESSAGES.get(m["role"], HumanMessage)(content=m["content"]) for m in payload]


class Worker:
    def __init__(self, channel: IO[str]) -> None:
        self.channel = channel
        self.model: Any = None
        self.requests: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.cancelled: set[int] = set()
        self.orphaned = False  # the supervisor is gone: stop what is running, then exit
        self._write_lock = threading.Lock()

    def send(self, **reply: Any) -> None:
        with self._write_lock:
            self.channel.write(json.dumps(reply, ensure_ascii=False) + "\n")
            self.channel.flush()

    def read(self, stdin: IO[str]) -> None:
        """Requests into the queue; a cancel takes effect at once, between two tokens."""
        for line in stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("op") == "cancel":
                self.cancelled.add(int(request["id"]))
            else:
                self.requests.put(request)
        self.orphaned = True
        self.requests.put(None)

    def serve(self) -> None:
        while (request := self.requests.get()) is not None:
            rid = int(request["id"])
            try:
                getattr(self, "op_" + str(request["op"]))(rid, request)
            except Exception as exc:  # a Python-level failure is that request's, the process goes on
                from advisor.llm.base import LLMUnavailable

                kind = "unavailable" if isinstance(exc, LLMUnavailable) else "error"
                self.send(
                    id=rid, error=f"{type(exc).__name__}: {exc}" if kind == "error" else str(exc), kind=kind
                )
            finally:
                self.cancelled.discard(rid)

    # -- operations -----------------------------------------------------------------------------------
    def op_load(self, rid: int, request: dict[str, Any]) -> None:
        from advisor.llm.llamacpp import LlamaCppChatModel, build_check
        from advisor.models import needs_requantizing, requantized

        spec = dict(request["spec"])
        path, ftype = spec.pop("model_path"), spec.pop("requantize", "")
        if ftype:
            if needs_requantizing(path, ftype):
                self.send(id=rid, progress=f"converting the language model to {ftype.upper()} once")
            path = str(requantized(path, ftype))
        self.model = LlamaCppChatModel(model_path=path, **spec)
        self.model.load()
        check = build_check()
        self.send(id=rid, done=True, model_path=path, build=check.summary(), pid=os.getpid())

    def op_stream(self, rid: int, request: dict[str, Any]) -> None:
        kwargs = {k: request[k] for k in ("max_tokens", "temperature") if request.get(k) is not None}
        stream = self.model._stream(to_messages(request["messages"]), stop=request.get("stop"), **kwargs)
        sent = 0
        try:
            for chunk in stream:
                if rid in self.cancelled or self.orphaned:
                    break
                self.send(id=rid, token=str(chunk.message.content))
                sent += 1
        finally:
            stream.close()  # stops llama.cpp's generation
        self.send(id=rid, done=True, tokens=sent)

    def op_prefill(self, rid: int, request: dict[str, Any]) -> None:
        self.model.prefill(to_messages(request["messages"]))
        self.send(id=rid, done=True)

    def op_count_tokens(self, rid: int, request: dict[str, Any]) -> None:
        self.send(id=rid, done=True, count=self.model.count_tokens(request["text"]))


def main() -> None:
    # The protocol keeps the real stdout; fds 1 and 2 (what native code writes to) go to the log.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    log = os.open(sys.argv[1] if len(sys.argv) > 1 else os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = sys.stderr = os.fdopen(2, "w", buffering=1)
    worker = Worker(channel)
    threading.Thread(target=worker.read, args=(sys.stdin,), name="requests", daemon=True).start()
    worker.serve()


if __name__ == "__main__":
    main()
