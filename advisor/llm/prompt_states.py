"""Saved llama.cpp prompt states, so prompts that start differently each keep their cached prefix.

llama.cpp reuses the evaluated state (KV cache) of the longest unchanged prompt prefix, but a context
holds one prompt at a time: a Chinese question after an English one would read the Chinese system
prompt again. One context plus a few saved states is cheaper than one context per prompt start (a
second `Llama` maps the weights again and allocates its own buffers, about 600 MB here), and a state is
small: the KV cells of the prompt's tokens, about 12 KB per token for Qwen2.5 0.5B.

States are keyed by the text the prompts share (the system message), and a state keeps only the tokens up
to the end of that text: what follows (passages, the question) is one turn's own, and restoring it would
make a repeated question look instantly answered. A prompt with no saved state of its own starts from
the one whose key shares the longest beginning with it: the shared rules still count.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class _State:
    input_ids: np.ndarray  # the tokens the KV cells hold, in order
    data: bytes  # llama.cpp's serialised cells of sequence 0


def _tokens_through(llama: Any, text: str) -> int:
    """How many of the context's tokens it takes to have read all of `text` (0 if they never do)."""
    tokens = [int(t) for t in llama.input_ids[: int(llama.n_tokens)]]

    def holds(k: int) -> bool:
        return text in llama.detokenize(tokens[:k], special=True).decode("utf-8", "ignore")

    if not text or not tokens or not holds(len(tokens)):
        return 0
    low, high = 1, len(tokens)  # the smallest k that holds it: "holds" only turns true as k grows
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class PromptStates:
    """Swap the prompt state of one `llama_cpp.Llama` by key; at most `capacity` states kept (LRU)."""

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self.current: str | None = None  # whose prompt the context holds now
        self._saved: OrderedDict[str, _State] = OrderedDict()
        self.swaps = 0  # states loaded into the context (for tests and reports)

    def keys(self) -> list[str]:
        return list(self._saved)

    def activate(self, llama: Any, key: str) -> None:
        """Make `llama` hold the best cached prefix for a prompt whose shared text is `key`."""
        if key == self.current:
            return
        if self.current is not None:
            self._save(llama, self.current)
        best = max(self._saved, key=lambda k: _common_prefix(k, key), default=None)
        # A saved state that shares more with this prompt than the one the context holds is loaded.
        held = _common_prefix(self.current, key) if self.current is not None else 0
        if best is not None and best != self.current and _common_prefix(best, key) > held:
            self._load(llama, self._saved[best])
        self.current = key

    def _save(self, llama: Any, key: str) -> None:
        import llama_cpp

        n = _tokens_through(llama, key)
        if n == 0:
            return
        llama._ctx.kv_cache_seq_rm(-1, n, -1)  # the context is about to serve another prompt anyway
        llama.n_tokens = n
        ctx = llama._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        self._saved[key] = _State(np.array(llama.input_ids[:n], copy=True), bytes(buffer[:written]))
        self._saved.move_to_end(key)
        while len(self._saved) > self.capacity:
            self._saved.popitem(last=False)

    def _load(self, llama: Any, state: _State) -> None:
        import llama_cpp

        llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        buffer = (ctypes.c_uint8 * len(state.data)).from_buffer_copy(state.data)
        if llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buffer, len(state.data), 0) == 0:
            llama.n_tokens = 0  # could not restore: read the prompt from the start
            return
        n = len(state.input_ids)
        llama.input_ids[:n] = state.input_ids
        llama.n_tokens = n
        self.swaps += 1
