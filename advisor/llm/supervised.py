"""llama.cpp in a supervised worker process: a native crash ends one turn, not the advisor.

The way Ollama runs each model in a runner process of its own: the chat model here is a thin proxy that
starts `python -m advisor.llm.worker`, streams tokens back over a pipe, and notices when the process
dies. A crash mid-answer raises `LLMCrashed` in that turn (the advisor then quotes the sources and says
what happened); the worker is started again at once, in the background, and reads again the system
prompts it had read, so the next question is answered as fast as before. A worker that crashes on
every start (an instruction this CPU cannot run) is given up after a few tries, with the reason.

Requests take turns (a lock), as they do on the in-process model: two cores cannot run two generations
faster than one after the other, and the worker's saved prompt states stay warm.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from advisor.llm.base import LLMCrashed, LLMUnavailable
from advisor.llm.llamacpp import as_payload

_GONE = object()  # the worker's output ended


def _how_it_ended(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


_LOG_LIMIT = 5 * 1024 * 1024  # the worker's log is started anew (the old one kept as .1) past this


class _Process:
    """One worker process and a thread that turns its output lines into a queue."""

    def __init__(self, log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if log_path.exists() and log_path.stat().st_size > _LOG_LIMIT:
            os.replace(log_path, log_path.with_suffix(log_path.suffix + ".1"))
        self.log_path = log_path
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(log_path, "ab") as log:  # from its first line: an import error lands there too
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "advisor.llm.worker", str(log_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                encoding="utf-8",
                env=env,
                start_new_session=True,  # a Ctrl-C in the terminal reaches the advisor, which stops it
            )
        self.replies: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=self._read, name="llm-worker-replies", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            try:
                self.replies.put(json.loads(line))
            except json.JSONDecodeError:
                continue
        self.replies.put(_GONE)

    def send(self, **request: Any) -> bool:
        try:
            assert self.popen.stdin is not None
            self.popen.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            self.popen.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def ended(self, wait_s: float = 2.0) -> str:
        """How the process ended; for a Python-level exit, with the last line of its log."""
        try:
            code: int | None = self.popen.wait(wait_s)
        except subprocess.TimeoutExpired:
            code = None
        how = _how_it_ended(code)
        if code is not None and code > 0:
            with contextlib.suppress(OSError), open(self.log_path, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 2000))
                lines = log.read().decode("utf-8", "replace").strip().splitlines()
                if lines:
                    how += f" ({lines[-1][:200]})"
        return how

    def stop(self) -> None:
        if self.alive():
            self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        for stream in (self.popen.stdin, self.popen.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


class SupervisedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    spec: dict[str, Any]  # LlamaCppChatModel's fields, plus model_path and requantize
    log_path: str
    reply_timeout_s: float = 120.0  # longest silence of a working worker (loading, a long prompt)
    max_crashes: int = 3  # in a row, without one answer between: then the model is given up
    on_progress: Callable[[str], None] | None = None  # one line for a one-time step (the conversion)
    _process: _Process | None = PrivateAttr(default=None)
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _ids: Any = PrivateAttr(default_factory=lambda: itertools.count(1))
    _prefills: dict[str, list[dict[str, str]]] = PrivateAttr(default_factory=dict)
    _given_up: str = PrivateAttr(default="")
    _waiting: int = PrivateAttr(default=0)  # questions waiting for the worker
    crashes_in_a_row: int = 0
    restarts: int = 0
    last_crash: str = ""
    model_path: str = ""  # what the worker loaded (the converted file)
    build: str = ""  # the instruction sets its llama.cpp build uses
    last_tokens: int = 0  # how many tokens the worker generated for the last answer (a cancelled one too)

    @property
    def _llm_type(self) -> str:
        return "llama.cpp (worker process)"

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.alive() else None

    def health(self) -> tuple[str, str, str]:
        """For the status panel: ("ready" | "lazy" | "off", the build's instruction sets, the last
        crash or why the model was given up)."""
        if self._given_up:
            return "off", self.build, self._given_up
        return ("ready" if self.model_path else "lazy"), self.build, self.last_crash

    def load(self) -> None:
        """Start the worker and load the model in it (once; again after a crash)."""
        with self._lock:
            self._ensure()

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.stop()
                self._process = None

    # -- the worker's life ----------------------------------------------------------------------------
    def _ensure(self) -> _Process:
        if self._given_up:
            raise LLMUnavailable(self._given_up)
        if self._process is not None and self._process.alive():
            return self._process
        if self._process is not None:  # it died between two requests: count it, then start anew
            self._record_crash(self._process, "idle")
            if self._given_up:
                raise LLMUnavailable(self._given_up)
        process = self._process = _Process(Path(self.log_path))
        try:
            reply = self._call(process, "load", spec=self.spec)
        except LLMCrashed:
            self._process = None
            raise
        except LLMUnavailable:
            process.stop()
            self._process = None
            raise
        self.model_path, self.build = str(reply.get("model_path", "")), str(reply.get("build", ""))
        return process

    def _record_crash(self, process: _Process, during: str) -> str:
        how = process.ended()
        process.stop()
        if self._process is process:
            self._process = None
        self.crashes_in_a_row += 1
        self.last_crash = f"the language model process {how} while {during}"
        if self.crashes_in_a_row >= self.max_crashes:
            self._given_up = (
                f"{self.last_crash}, {self.crashes_in_a_row} times in a row; it is not started again"
                " (run `advisor doctor` to see what this machine can run)"
            )
        return how

    def _crashed(self, process: _Process, during: str) -> LLMCrashed:
        """Record a crash in the middle of a request, start the worker again in the background, and
        return the error that ends the request."""
        how = self._record_crash(process, during)
        if not self._given_up:
            threading.Thread(target=self._restart, name="llm-worker-restart", daemon=True).start()
        return LLMCrashed(self.last_crash, how)

    def _restart(self) -> None:
        """Start the worker again and read again the system prompts read before the crash, one at a
        time, giving way as soon as a question is waiting (it reads its own prompt anyway)."""
        time.sleep(0.05)
        try:
            with self._lock:
                self._ensure()
                self.restarts += 1
            for messages in list(self._prefills.values()):
                if self._waiting:
                    return
                with self._lock:
                    self._call(self._ensure(), "prefill", messages=messages)
        except LLMUnavailable:
            pass  # the next question tries again, or says why it cannot

    def _replies(self, process: _Process, rid: int, during: str) -> Iterator[dict[str, Any]]:
        """The worker's replies to request `rid`, up to and including its last."""
        while True:
            try:
                reply = process.replies.get(timeout=self.reply_timeout_s)
            except queue.Empty:
                process.popen.kill()  # hung: a stuck native call is a crash too
                raise self._crashed(process, during) from None
            if reply is _GONE:
                raise self._crashed(process, during)
            if reply.get("id") != rid:
                continue  # the tail of a request that was cancelled
            if "progress" in reply:
                if self.on_progress is not None:
                    self.on_progress(str(reply["progress"]))
                continue
            if "error" in reply:
                raise LLMUnavailable(str(reply["error"]))
            yield reply
            if reply.get("done"):
                return

    def _call(self, process: _Process, op: str, **request: Any) -> dict[str, Any]:
        rid = next(self._ids)
        during = {"load": "loading the model", "prefill": "reading a system prompt"}.get(op, op)
        if not process.send(id=rid, op=op, **request):
            raise self._crashed(process, during)
        replies = list(self._replies(process, rid, during))
        return replies[-1] if replies else {}

    # -- the chat model -------------------------------------------------------------------------------
    def prefill(self, messages: list[BaseMessage]) -> None:
        payload = as_payload(messages)
        with self._lock:
            if len(payload) == 1:  # a shared system prompt, read again after a restart; one turn's own is not
                self._prefills[payload[0]["content"]] = payload
            self._call(self._ensure(), "prefill", messages=payload)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return int(self._call(self._ensure(), "count_tokens", text=text).get("count", 0))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            process = self._ensure()
            rid = next(self._ids)
            request = {"max_tokens": kwargs.get("max_tokens"), "temperature": kwargs.get("temperature")}
            if not process.send(id=rid, op="stream", messages=as_payload(messages), stop=stop, **request):
                raise self._crashed(process, "answering")
            finished = False
            try:
                for reply in self._replies(process, rid, "answering"):
                    if reply.get("done"):
                        finished = True
                        self.last_tokens = int(reply.get("tokens", 0))
                        break
                    text = str(reply.get("token", ""))
                    if text:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
                self.crashes_in_a_row = 0
            finally:
                if not finished and process.alive() and self._process is process:
                    # The consumer stopped reading (the guard, a stop button): stop the generation and
                    # wait for its end, so the next request starts on a quiet worker.
                    process.send(op="cancel", id=rid)
                    try:
                        for reply in self._replies(process, rid, "stopping an answer"):
                            self.last_tokens = int(reply.get("tokens", 0))
                    except (LLMCrashed, LLMUnavailable):
                        pass
        finally:
            self._lock.release()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
