"""The voice conversation socket (ui.voice_socket) and its tickets (ui.voice_gate), with a stand-in session:
who is let in, the limits, and the protocol both ways. The real session over it: test_voice_socket_real.py."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from advisor.config import Settings
from ui.app import page_middleware
from ui.voice_gate import Grant, Limits, VoiceGate
from ui.voice_socket import PREFIX

SAME = {"origin": "http://localhost"}
GRANT = Grant(owner="browser:" + "a" * 32, session_id="s1", domain="finance", kbs=["notes"], language="zh")


class StandIn:
    """A VoiceSession that hears a question once 0.5 s of audio has come, and answers it with one sentence
    of text and one audio chunk; what the socket hands it is recorded."""

    def __init__(self, grant: Grant) -> None:
        self.grant = grant
        self.fed = 0
        self.played_seqs: list[int] = []
        self.closed_calls = 0
        self.events: queue.Queue[Any] = queue.Queue()
        self.emit("listening")

    def emit(self, kind: str, **data: Any) -> None:
        from types import SimpleNamespace

        self.events.put(SimpleNamespace(kind=kind, data=data))

    def feed(self, samples: np.ndarray) -> None:
        assert samples.dtype == np.float32 and float(np.abs(samples).max()) <= 1.0
        before, self.fed = self.fed, self.fed + len(samples)
        if before < 8000 <= self.fed:
            self.emit("heard", text="How much is a library card?", language="en")
            self.emit("delta", text="Twelve dollars. [1]", replace=False)
            self.emit("audio", seq=0, sample_rate=22050, sentence="Twelve dollars.", pcm=b"\x01\x00\xff\x7f")
            self.emit("turn_end", answer="Twelve dollars. [1]", interrupted=False, session_id="s1")

    def played(self, seq: int) -> None:
        self.played_seqs.append(seq)

    def next_event(self, timeout: float) -> Any:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.closed_calls += 1
        if self.closed_calls == 1:
            self.emit("closed")


class Rig:
    def __init__(self, limits: Limits | None = None) -> None:
        self.sessions: list[StandIn] = []
        self.gate = VoiceGate(self.open, limits)
        page = Starlette(routes=[Route("/", lambda request: PlainTextResponse("page"))])
        # As ui.app.launch stacks them: the origin check first, then /voice.
        page.user_middleware = page_middleware(Settings(), gate=self.gate)  # as ui.app.launch has it
        self.client = TestClient(page, base_url="http://localhost")  # the page is served on loopback

    def open(self, grant: Grant) -> StandIn:
        self.sessions.append(StandIn(grant))
        return self.sessions[-1]

    def connect(self, ticket: str | None, origin: dict[str, str] = SAME) -> Any:
        query = "" if ticket is None else f"?ticket={ticket}"
        return self.client.websocket_connect(f"ws://localhost{PREFIX}/ws{query}", headers=origin)


@pytest.fixture
def rig() -> Iterator[Rig]:
    r = Rig()
    with r.client:
        yield r


def refused(rig: Rig, ticket: str | None, origin: dict[str, str] = SAME) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as caught, rig.connect(ticket, origin) as ws:
        ws.receive_text()
    return caught.value.code, caught.value.reason


def frame(seconds: float) -> bytes:
    return (np.sin(np.arange(int(16000 * seconds)) / 5) * 8000).astype("<i2").tobytes()


def test_a_missing_or_unknown_ticket_is_refused(rig: Rig) -> None:
    assert refused(rig, None) == (1008, "ticket")
    assert refused(rig, "f" * 32) == (1008, "ticket")
    assert rig.sessions == []


def test_a_ticket_opens_one_connection_only(rig: Rig) -> None:
    ticket = rig.gate.issue(GRANT)
    with rig.connect(ticket) as ws:
        assert json.loads(ws.receive_text()) == {"type": "listening"}
        ws.send_text(json.dumps({"type": "end"}))
        assert json.loads(ws.receive_text()) == {"type": "closed"}
    assert refused(rig, ticket) == (1008, "ticket")
    assert len(rig.sessions) == 1


def test_an_expired_ticket_is_refused() -> None:
    rig = Rig(Limits(ticket_s=0.05))
    with rig.client:
        ticket = rig.gate.issue(GRANT)
        time.sleep(0.1)
        assert refused(rig, ticket) == (1008, "ticket")


def test_another_sites_page_cannot_connect(rig: Rig) -> None:
    ticket = rig.gate.issue(GRANT)
    code, _ = refused(rig, ticket, {"origin": "http://evil.example"})
    assert code == 1008 and rig.sessions == []


def test_one_open_conversation_per_owner(rig: Rig) -> None:
    with rig.connect(rig.gate.issue(GRANT)) as ws:
        ws.receive_text()
        assert refused(rig, rig.gate.issue(GRANT)) == (1008, "busy")
        other = Grant(owner="browser:" + "b" * 32, session_id="s2")
        with rig.connect(rig.gate.issue(other)) as second:
            assert json.loads(second.receive_text()) == {"type": "listening"}
    deadline = time.monotonic() + 5
    while rig.gate.is_open(GRANT.owner) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not rig.gate.is_open(GRANT.owner)  # closing it frees the owner for the next one


def test_an_oversize_frame_ends_the_conversation(rig: Rig) -> None:
    with rig.connect(rig.gate.issue(GRANT)) as ws:
        ws.receive_text()
        ws.send_bytes(b"\x00" * (64 * 1024 + 2))
        with pytest.raises(WebSocketDisconnect) as caught:
            while True:
                ws.receive_text()
    assert (caught.value.code, caught.value.reason) == (1009, "frame_too_big")
    assert rig.sessions[0].fed == 0 and rig.sessions[0].closed_calls >= 1


def test_a_message_that_is_not_the_protocol_ends_it(rig: Rig) -> None:
    with rig.connect(rig.gate.issue(GRANT)) as ws:
        ws.receive_text()
        ws.send_text("<script>")
        with pytest.raises(WebSocketDisconnect) as caught:
            while True:
                ws.receive_text()
    assert caught.value.code == 1003


def test_a_silent_browser_is_hung_up_on() -> None:
    rig = Rig(Limits(idle_s=0.3))
    with rig.client, rig.connect(rig.gate.issue(GRANT)) as ws:
        ws.receive_text()
        with pytest.raises(WebSocketDisconnect) as caught:
            while True:
                ws.receive_text()
    assert (caught.value.code, caught.value.reason) == (1000, "idle")
    assert rig.sessions[0].closed_calls >= 1


def test_frames_in_events_out_audio_as_header_then_samples(rig: Rig) -> None:
    with rig.connect(rig.gate.issue(GRANT)) as ws:
        assert json.loads(ws.receive_text())["type"] == "listening"
        for _ in range(20):  # 20 frames of 32 ms
            ws.send_bytes(frame(0.032))
        assert json.loads(ws.receive_text()) == {
            "type": "heard",
            "text": "How much is a library card?",
            "language": "en",
        }
        assert json.loads(ws.receive_text())["type"] == "delta"
        header = json.loads(ws.receive_text())
        assert header == {"type": "audio", "seq": 0, "sample_rate": 22050, "sentence": "Twelve dollars."}
        assert ws.receive_bytes() == b"\x01\x00\xff\x7f"
        assert json.loads(ws.receive_text())["interrupted"] is False
        ws.send_text(json.dumps({"type": "played", "seq": 0}))
        ws.send_text(json.dumps({"type": "end"}))
        assert json.loads(ws.receive_text()) == {"type": "closed"}
        with pytest.raises(WebSocketDisconnect) as caught:
            ws.receive_text()
    assert caught.value.code == 1000
    session = rig.sessions[0]
    assert session.played_seqs == [0] and session.fed == 20 * 512
    assert session.grant == GRANT  # the ticket's owner, conversation and choices reach the session


def test_the_browser_leaving_closes_the_session(rig: Rig) -> None:
    with rig.connect(rig.gate.issue(GRANT)) as ws:
        ws.receive_text()
    deadline = time.monotonic() + 5
    while not rig.sessions[0].closed_calls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert rig.sessions[0].closed_calls >= 1


def test_tickets_are_random_and_issued_from_threads() -> None:
    gate = VoiceGate(lambda grant: None)
    tickets: list[str] = []
    threads = [threading.Thread(target=lambda: tickets.append(gate.issue(GRANT))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tickets)) == 20 and all(len(t) == 32 for t in tickets)
    assert all(gate.redeem(t) == GRANT for t in tickets)


def test_the_ticket_handler_continues_only_the_owners_conversation(tmp_path: Any) -> None:
    from types import SimpleNamespace

    from advisor.dialogue.history import ConversationStore
    from ui.voice_events import VoiceEvents

    store = ConversationStore(tmp_path / "c.sqlite3")
    advisor: Any = SimpleNamespace(conversations=store, library=SimpleNamespace(names=lambda: ["notes"]))
    views: Any = SimpleNamespace(
        conversation_choices=lambda lang, owner: [(s.title, s.id) for s in store.sessions(owner)]
    )
    gate = VoiceGate(lambda grant: None)
    events = VoiceEvents(advisor, views, gate, lambda *args: None)
    request: Any = SimpleNamespace(username=None)
    mine, theirs = "a" * 32, "b" * 32

    assert events.ticket(None, "general", [], "en", None, request)[0] == ""  # no owner: nothing to save to

    ticket, listing = events.ticket(None, "finance", ["notes", "gone"], "zh", mine, request)
    grant = gate.redeem(ticket)
    assert grant is not None and store.exists(grant.session_id, f"browser:{mine}")
    assert (grant.domain, grant.kbs, grant.language) == ("finance", ["notes"], "zh")
    assert listing["value"] == grant.session_id  # the new conversation is listed and chosen

    ticket, listing = events.ticket(grant.session_id, "general", [], "en", mine, request)
    again = gate.redeem(ticket)
    assert again is not None and again.session_id == grant.session_id and again.domain is None

    ticket, _ = events.ticket(grant.session_id, "general", [], "en", theirs, request)
    other = gate.redeem(ticket)
    assert other is not None and other.session_id != grant.session_id  # another's: a new one instead
