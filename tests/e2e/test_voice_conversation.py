"""The conversation mode in a real headless Chromium whose microphone is a WAV file (Chromium's fake capture
device, which loops its one file): two questions in a row are heard, answered aloud and shown in the chat
with their sources; in another browser a voice speaks over a long reply and the reply stops.

The files are made of the packaged English voice and silence. Between the two questions there is room for
the whole first reply, so the second is a new turn and not an interruption; the interruption comes 12 s
after a question whose scripted answer takes about a minute to say, so it lands while the reply plays.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from e2e.appserver import Server, scripted_server
from e2e.chatpage import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, ChatPage
from playwright.sync_api import expect

pytestmark = pytest.mark.slow
RATE = 16000


@pytest.fixture(scope="module")
def voice_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = scripted_server(tmp_path_factory.mktemp("voice-e2e"), word_s=0.02)
    try:
        server.require("asr", "tts")
        yield server
    finally:
        server.close()


def said(server: Server, text: str) -> np.ndarray:
    """`text` in the packaged English voice, float32 at 16 kHz."""
    from advisor.asr.audio import _resample_linear

    chunks = list(server.advisor.stages.tts.get().synthesize(text, "en"))
    samples = np.concatenate([np.frombuffer(c.audio, "<i2") for c in chunks]).astype(np.float32) / 32768
    rate = chunks[0].sample_rate
    return _resample_linear(samples, rate) if rate != RATE else samples


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def wav(path: Path, *parts: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes())
    return path


def browser_hearing(playwright: Any, microphone: Path) -> Any:
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",  # the microphone is allowed without asking
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}",
    ]
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)


def events(page: ChatPage, kind: str) -> list[dict[str, Any]]:
    log = page.page.evaluate("() => window.advisorVoice.log")
    return [e for e in log if e.get("type") == kind]


def wait_for_events(page: ChatPage, kind: str, count: int) -> None:
    page.page.wait_for_function(
        "([kind, n]) => window.advisorVoice.log.filter((e) => e.type === kind).length >= n",
        arg=[kind, count],
        timeout=WAIT_MS * 2,
    )


def start(page: ChatPage) -> None:
    page.page.locator("#voice-start").click()
    expect(page.page.locator("#voice-end")).to_be_visible()
    wait_for_events(page, "listening", 1)


def end(page: ChatPage) -> None:
    page.page.locator("#voice-end").click()
    expect(page.page.locator("#voice-start")).to_be_visible()
    page.page.wait_for_function("() => !window.advisorVoice.active()")


def test_two_spoken_questions_are_heard_answered_aloud_and_shown_with_sources(
    voice_web: Server, playwright: Any, open_page: Any, tmp_path: Path
) -> None:
    microphone = wav(
        tmp_path / "two-questions.wav",
        quiet(1.0),
        said(voice_web, "How much does a Riverside Library card cost?"),
        quiet(20.0),  # the whole first reply fits in here
        said(voice_web, "How many books can members borrow?"),
        quiet(20.0),
    )
    browser = browser_hearing(playwright, microphone)
    try:
        page = open_page(voice_web, browser=browser).open()
        start(page)
        wait_for_events(page, "turn_end", 2)
        turns = events(page, "turn_end")[:2]
        assert [t["interrupted"] for t in turns] == [False, False], turns
        assert "12 dollars" in turns[0]["answer"] and "8 books" in turns[1]["answer"]
        assert len(events(page, "audio")) >= 2 and not events(page, "stop_audio")
        heard = [e["text"].lower() for e in events(page, "heard")]
        assert "library" in heard[0] and "borrow" in heard[1], heard
        # Ended once the second reply has been said: ending while it plays would keep only its spoken part.
        page.page.wait_for_function("() => window.advisorVoice.playing() === 0")
        end(page)
        # The typed chat shows both turns from the conversation store, each with its sources.
        page.wait_for_chat("21 days")
        chat = page.page.locator("#chatbot")
        expect(chat).to_contain_text("12 dollars")
        expect(chat.locator(".message.user")).to_have_count(2, timeout=WAIT_MS)
        assert "borrow" in chat.locator(".message.user").last.inner_text().lower()
        expect(chat.locator(".thought-group").filter(has_text="📚")).to_have_count(2)
        assert page.page.locator("#conversations input").count() == 1  # the new conversation is listed
        page.shot("two-turns")
    finally:
        browser.close()


def test_speaking_over_the_reply_stops_it(
    voice_web: Server, playwright: Any, open_page: Any, tmp_path: Path
) -> None:
    microphone = wav(
        tmp_path / "barge-in.wav",
        quiet(1.0),
        said(voice_web, "Tell me slowly about the Riverside Library card."),
        quiet(12.0),  # the reply is being spoken by now, and goes on for about a minute
        said(voice_web, "Wait, that is enough, thank you."),
        quiet(60.0),
    )
    browser = browser_hearing(playwright, microphone)
    try:
        page = open_page(voice_web, browser=browser).open()
        start(page)
        wait_for_events(page, "stop_audio", 1)
        # The reply may have been written in full before it was cut (its text comes faster than its
        # speech): the turn then ends twice, the second time as heard, marked interrupted.
        page.page.wait_for_function(
            "() => window.advisorVoice.log.some((e) => e.type === 'turn_end' && e.interrupted)",
            timeout=WAIT_MS * 2,
        )
        log = [e["type"] for e in page.page.evaluate("() => window.advisorVoice.log")]
        stop = log.index("stop_audio")
        cut_at = next(
            i
            for i, e in enumerate(page.page.evaluate("() => window.advisorVoice.log"))
            if e.get("type") == "turn_end" and e.get("interrupted")
        )
        assert events(page, "stop_audio")[0]["reason"] == "barge_in"
        assert "audio" in log[:stop]  # the reply was being spoken when the user spoke over it ...
        assert events(page, "stop_audio")[0]["stopped"] >= 1  # ... its audio playing or queued ...
        assert events(page, "audio_stopped")[0]["playing"] == 0  # ... and it stopped at once ...
        assert "audio" not in log[stop:cut_at]  # ... and no more of it came
        first = next(e for e in events(page, "turn_end") if e["interrupted"])
        assert len(first["answer"]) < 400  # the minute-long answer was cut short
        end(page)
        page.shot("barge-in")
    finally:
        browser.close()
