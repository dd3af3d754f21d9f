"""A blocking iterator (a turn, a model's stream, a voice) run in a thread of its own, read asynchronously.

The server's event loop never waits on the model: the thread puts each item on an asyncio queue, and
the request handler awaits them. `close()` (a client that went away, a limit reached) stops the thread at
the next item and closes the iterator, which stops the model's generation too.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_END = object()


class ThreadedIterator(Generic[T]):
    def __init__(self, make: Callable[[], Iterator[T]], name: str = "api-turn") -> None:
        self._make = make
        self._name = name
        self._stop = threading.Event()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._thread: threading.Thread | None = None

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        def put(item: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is reading any more
                loop.call_soon_threadsafe(self._queue.put_nowait, item)

        iterator: Iterator[T] | None = None
        try:
            iterator = self._make()
            for item in iterator:
                if self._stop.is_set():
                    break
                put(item)
        except BaseException as exc:
            put(exc)
        finally:
            close = getattr(iterator, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()
            put(_END)

    async def __aiter__(self) -> AsyncIterator[T]:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, args=(asyncio.get_running_loop(),), name=self._name, daemon=True
            )
            self._thread.start()
        try:
            while True:
                item = await self._queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()

    def close(self) -> None:
        self._stop.set()

    async def aclose(self, timeout: float = 10.0) -> None:
        """Stop, and wait (up to `timeout`) until the iterator has been closed in its thread: a turn
        has then cleaned up after itself (its short-lived session is gone) before the reply is sent."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            await asyncio.to_thread(thread.join, timeout)
