"""Who may open the page's voice conversation socket (ui.voice_socket), and for how long.

The page's owner token lives in an encrypted BrowserState that only Gradio's handlers can read, so a
WebSocket cannot check it itself. Instead a Gradio handler (ui.voice_events) checks the owner and hands
the browser a one-time ticket: a random token that names the owner, the conversation and its choices,
good for one connection within `Limits.ticket_s`. The socket redeems it, once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Limits:
    ticket_s: float = 60.0  # a ticket not redeemed within this is void
    max_frame: int = 64 * 1024  # bytes in one message from the browser (a 32 ms frame is 1 KiB)
    max_s: float = 30 * 60.0  # one conversation's whole length
    idle_s: float = 30.0  # no microphone frame for this long: the browser is gone or stalled
    max_open: int = 4  # conversations open at once, all owners together (they share one model)


@dataclass(frozen=True)
class Grant:
    """What a ticket admits to: whose conversation, which one, and how it is to be answered."""

    owner: str
    session_id: str
    domain: str | None = None  # None: the advisor picks the domain
    kbs: list[str] | None = None  # None: every knowledge base
    language: str = ""  # the page's language, a hint for recognition and replies
    expires: float = field(default=0.0, compare=False)


SessionFactory = Callable[[Grant], Any]  # -> a VoiceSession (advisor.voice.session)


class VoiceGate:
    """Tickets, and the conversations open now: one per owner, `Limits.max_open` in all."""

    def __init__(self, open_session: SessionFactory, limits: Limits | None = None) -> None:
        self.open_session = open_session
        self.limits = limits or Limits()
        self._tickets: dict[str, Grant] = {}
        self._open: set[str] = set()
        self._lock = threading.Lock()  # Gradio handlers run in worker threads, the socket in the loop

    def issue(self, grant: Grant) -> str:
        ticket = secrets.token_hex(16)
        now = time.monotonic()
        with self._lock:
            self._tickets = {k: g for k, g in self._tickets.items() if g.expires > now}
            self._tickets[ticket] = Grant(**{**grant.__dict__, "expires": now + self.limits.ticket_s})
        return ticket

    def redeem(self, ticket: str | None) -> Grant | None:
        """The ticket's grant, once; None for a missing, unknown, expired or already used ticket."""
        with self._lock:
            grant = self._tickets.pop(ticket or "", None)
        if grant is None or grant.expires <= time.monotonic():
            return None
        return grant

    def enter(self, owner: str) -> bool:
        """Mark the owner's conversation open; False when they have one open or the server is full."""
        with self._lock:
            if owner in self._open or len(self._open) >= self.limits.max_open:
                return False
            self._open.add(owner)
            return True

    def leave(self, owner: str) -> None:
        with self._lock:
            self._open.discard(owner)

    def is_open(self, owner: str) -> bool:
        with self._lock:
            return owner in self._open


def advisor_sessions(advisor: Any) -> SessionFactory:
    """The real conversation: advisor.voice.session.VoiceSession over the page's advisor."""

    def open_session(grant: Grant) -> Any:
        from advisor.voice.session import VoiceSession  # loads its models lazily; imported on first use

        return VoiceSession(
            advisor,
            session_id=grant.session_id,
            kbs=grant.kbs,
            domain=grant.domain,
            language_hint=grant.language,
        )

    return open_session
