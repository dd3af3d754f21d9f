"""The voice socket over the real VoiceSession: a spoken question (the packaged English voice) streamed in
32 ms frames at the pace a microphone gives them is heard by the real Whisper, answered by the scripted
model with its sources, spoken back as PCM, and kept in the conversation store."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from e2e.appserver import KB, ROUTES, RoutedChatModel, build_library, make_settings
from starlette.applications import Starlette
from starlette.testclient import TestClient

from advisor.dialogue.advisor import Advisor
from ui.app import page_middleware
from ui.voice_gate import Grant, VoiceGate, advisor_sessions
from ui.voice_socket import PREFIX

pytestmark = pytest.mark.slow
FRAME = 512


def question_pcm(advisor: Advisor, text: str) -> bytes:
    """`text` in the packaged English voice, at 16 kHz, as PCM16: what ui/voice.js sends."""
    from advisor.asr.audio import _resample_linear

    chunks = list(advisor.stages.tts.get().synthesize(text, "en"))
    samples = np.concatenate([np.frombuffer(c.audio, "<i2") for c in chunks]).astype(np.float32) / 32768
    at_16k = _resample_linear(samples, chunks[0].sample_rate) if chunks[0].sample_rate != 16000 else samples
    return (np.clip(at_16k, -1, 1) * 32767).astype("<i2").tobytes()


def test_a_spoken_question_is_heard_answered_aloud_and_saved(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    library = build_library(settings, tmp_path / "docs")
    advisor = Advisor(settings, library=library, llm=RoutedChatModel(routes=ROUTES))
    # The packaged Whisper and voices are installed by `make setup`: missing ones are a failure, not a skip.
    advisor.stages.asr.get()
    speech = question_pcm(advisor, "How much does a Riverside Library card cost?")
    owner = "browser:" + "c" * 32
    session_id = advisor.conversations.create(owner=owner)
    gate = VoiceGate(advisor_sessions(advisor))
    page = Starlette()
    page.user_middleware = page_middleware(settings, gate=gate)  # as ui.app.launch has it
    ticket = gate.issue(Grant(owner=owner, session_id=session_id, kbs=[KB], language="en"))
    audio = speech + b"\x00\x00" * 16000 * 20  # the question, then 20 s of a quiet room

    events: list[dict[str, Any]] = []
    pcm: list[bytes] = []
    with (
        TestClient(page, base_url="http://localhost") as client,
        client.websocket_connect(
            f"ws://localhost{PREFIX}/ws?ticket={ticket}", headers={"origin": "http://localhost"}
        ) as ws,
    ):

        def microphone() -> None:  # frames at the pace they are captured
            start = time.monotonic()
            for n, at in enumerate(range(0, len(audio) - 2 * FRAME, 2 * FRAME)):
                time.sleep(max(0.0, start + n * FRAME / 16000 - time.monotonic()))
                if done.is_set():
                    return
                ws.send_bytes(audio[at : at + 2 * FRAME])

        done = threading.Event()
        threading.Thread(target=microphone, daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            event = json.loads(ws.receive_text())
            events.append(event)
            if event["type"] == "audio":
                pcm.append(ws.receive_bytes())
                ws.send_text(json.dumps({"type": "played", "seq": event["seq"]}))
            if event["type"] in ("turn_end", "error", "closed"):
                break
        done.set()
        ws.send_text(json.dumps({"type": "end"}))
        while events[-1]["type"] != "closed":
            event = json.loads(ws.receive_text())
            events.append(event)
            if event["type"] == "audio":
                ws.receive_bytes()

    kinds = [e["type"] for e in events]
    assert kinds[0] == "listening" and "speech" in kinds, kinds
    heard = next(e for e in events if e["type"] == "heard")
    assert "library" in heard["text"].lower(), heard
    sources = next(e for e in events if e["type"] == "sources")
    assert sources["items"] and sources["items"][0]["kb"] == KB
    end = next(e for e in events if e["type"] == "turn_end")
    assert "12 dollars" in end["answer"] and end["interrupted"] is False
    assert pcm and all(len(p) % 2 == 0 and len(p) > 1000 for p in pcm)  # spoken, as whole samples
    saved = advisor.conversations.messages(session_id)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert "library" in saved[0].content.lower() and saved[1].extra.get("sources")
