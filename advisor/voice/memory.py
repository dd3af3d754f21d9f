"""Keep a long conversation's memory flat: freed heap goes back to the system.

Each reply runs in threads of its own, and glibc gives threads their own malloc arenas (up to eight per
core); audio buffers and recogniser tensors of a different size every turn leave each arena holding
freed memory it never returns. Fewer arenas, and a trim after each reply, keep the process's size where
its live data is. Both are glibc calls: elsewhere (musl, macOS) they are skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h
ARENAS = 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


@functools.cache
def limit_arenas() -> bool:
    """At most ARENAS malloc arenas for threads made from now on (once per process)."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, ARENAS))


def give_back() -> bool:
    """Return the free memory at the top of each arena, and whole free pages inside, to the system."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
