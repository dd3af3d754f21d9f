"""The page's voice conversation over a WebSocket at /voice/ws, on the page's own server.

Why not Gradio's streaming microphone or FastRTC: see docs/VOICE.md. In short, FastRTC requires
gradio<6, and Gradio's `.stream` queues every frame as an event and plays the reply through an output
component the server cannot silence at once, so barge-in could not stop the reply within 300 ms.

The protocol, one conversation per connection (`/voice/ws?ticket=...`, ticket from ui.voice_events):
- browser -> server: binary messages are microphone frames, PCM16 little-endian mono 16 kHz; text
  messages are JSON, `{"type": "played", "seq": n}` (reply chunk n has finished playing) and
  `{"type": "end"}` (the user ends the conversation).
- server -> browser: each VoiceEvent as JSON text `{"type": kind, ...data}`; an "audio" event's header
  is followed by one binary message with its PCM16 samples.
Close codes: 1008 ticket refused or a conversation already open, 1009 a frame over the size limit, 1003 a
message that is not one of the above, 1000 the conversation ended (reason: "closed", "idle", "time_limit").
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import anyio
import numpy as np
from anyio.to_thread import run_sync
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ui.voice_gate import Grant, Limits, VoiceGate

log = logging.getLogger(__name__)

PREFIX = "/voice"
POLL_S = 0.25  # how long one wait for the session's next event lasts; limits are checked between waits
Close = tuple[int, str]


def voice_app(gate: VoiceGate) -> Starlette:
    """The ASGI app to mount at /voice (advisor.api.security.MountAt), behind the same-origin check."""

    async def endpoint(ws: WebSocket) -> None:
        await serve(ws, gate)

    return Starlette(routes=[WebSocketRoute(f"{PREFIX}/ws", endpoint)])


async def serve(ws: WebSocket, gate: VoiceGate) -> None:
    grant = gate.redeem(ws.query_params.get("ticket"))
    # Accepted first, then closed: the browser then sees the code and reason, not a bare failed handshake.
    await ws.accept()
    if grant is None:
        await ws.close(1008, "ticket")
        return
    if not gate.enter(grant.owner):
        await ws.close(1008, "busy")
        return
    try:
        session = await run_sync(gate.open_session, grant)
        ending = await Conversation(ws, session, gate.limits, grant).run()
    except Exception:
        log.exception("the voice conversation failed")
        ending = (1011, "error")
    finally:
        gate.leave(grant.owner)
    if ws.client_state == WebSocketState.CONNECTED and ws.application_state == WebSocketState.CONNECTED:
        await ws.close(*ending)


class Conversation:
    """One connection's two pumps: frames and messages in, the session's events out."""

    def __init__(self, ws: WebSocket, session: Any, limits: Limits, grant: Grant) -> None:
        self.ws, self.session, self.limits, self.grant = ws, session, limits, grant
        self.started = self.last_frame = time.monotonic()

    async def run(self) -> Close:
        ending: Close = (1000, "closed")
        try:
            async with anyio.create_task_group() as group:

                async def pump(part: Any) -> None:
                    nonlocal ending
                    result = await part()
                    if result is not None:
                        ending = result
                    group.cancel_scope.cancel()  # either side ending ends both

                group.start_soon(pump, self.receive)
                group.start_soon(pump, self.send_events)
        finally:
            # The session stops its reply (keeping what was spoken) and stops listening, even when the
            # server cancels this connection (shutting down).
            with anyio.CancelScope(shield=True):
                await run_sync(self.session.close)
        return ending

    # -- browser -> session -----------------------------------------------------------------------------------
    async def receive(self) -> Close | None:
        """Until the browser goes (None) or breaks a rule (the close code and reason)."""
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return None
            data, text = message.get("bytes"), message.get("text")
            if data is not None:
                if len(data) > self.limits.max_frame:
                    return 1009, "frame_too_big"
                if len(data) % 2:
                    return 1003, "bad_frame"
                self.last_frame = time.monotonic()
                self.session.feed(np.frombuffer(data, "<i2").astype(np.float32) / 32768.0)
            elif text is not None:
                if len(text) > self.limits.max_frame:
                    return 1009, "frame_too_big"
                if not await self.command(text):
                    return 1003, "bad_message"

    async def command(self, text: str) -> bool:
        try:
            message = json.loads(text)
        except ValueError:
            return False
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "played" and isinstance(message.get("seq"), int):
            self.session.played(message["seq"])
        elif kind == "end":
            await run_sync(self.session.close)  # its "closed" event then ends the conversation
        else:
            return False
        return True

    # -- session -> browser -----------------------------------------------------------------------------------
    async def send_events(self) -> Close | None:
        while True:
            event = await run_sync(self.session.next_event, POLL_S)
            if event is None:
                now = time.monotonic()
                if now - self.started > self.limits.max_s:
                    return 1000, "time_limit"
                if now - self.last_frame > self.limits.idle_s:
                    return 1000, "idle"
                continue
            data = dict(event.data)
            pcm = data.pop("pcm", None) if event.kind == "audio" else None
            try:
                await self.ws.send_text(json.dumps({"type": event.kind, **data}, ensure_ascii=False))
                if pcm is not None:
                    await self.ws.send_bytes(bytes(pcm))
            except (WebSocketDisconnect, RuntimeError):
                return None  # the browser has gone; the receiving side notices too
            if event.kind == "closed":
                return 1000, "closed"
