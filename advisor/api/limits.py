"""Per-caller limits: requests per minute and requests in progress, each answered with 429 and Retry-After.

The caller is the API key (or, on an open loopback server, the client address). The rate is a sliding
window of the last 60 seconds; Retry-After says when the oldest request in it leaves. The concurrency
limit counts requests still being answered, streams included until their last chunk: Retry-After is a
short guess then (a turn takes seconds), since nobody can know when a stream will end.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from advisor.api.errors import APIError

WINDOW_S = 60.0
BUSY_RETRY_S = 2


class Lease:
    """One admitted request; `release()` (idempotent) frees its concurrency slot."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self._done = False
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._release()


class Limiter:
    def __init__(self, per_minute: int, concurrent: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.concurrent = concurrent
        self._clock = clock
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._running: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def admit(self, caller: str) -> Lease:
        """A lease for one request of `caller`, or APIError(429) with Retry-After."""
        now = self._clock()
        with self._lock:
            recent = self._recent[caller]
            while recent and now - recent[0] >= WINDOW_S:
                recent.popleft()
            if self.per_minute > 0 and len(recent) >= self.per_minute:
                wait = max(1, math.ceil(WINDOW_S - (now - recent[0])))
                raise _too_many(
                    wait,
                    f"Rate limit reached: {self.per_minute} requests per minute for this key; retry in {wait} s",
                    f"请求过于频繁：每个密钥每分钟最多 {self.per_minute} 次；请 {wait} 秒后重试",
                )
            if self.concurrent > 0 and self._running[caller] >= self.concurrent:
                raise _too_many(
                    BUSY_RETRY_S,
                    f"Too many requests in progress: at most {self.concurrent} at once for this key",
                    f"同时进行的请求过多：每个密钥最多同时 {self.concurrent} 个",
                )
            recent.append(now)
            self._running[caller] += 1

        def release() -> None:
            with self._lock:
                self._running[caller] -= 1
                if not self._running[caller]:
                    del self._running[caller]

        return Lease(release)

    def running(self, caller: str) -> int:
        with self._lock:
            return self._running.get(caller, 0)


def _too_many(retry_after: int, en: str, zh: str) -> APIError:
    return APIError(429, en, zh, code="rate_limit_exceeded", headers={"Retry-After": str(retry_after)})
