"""The microphone's way to the server, measured: Gradio's streaming `gr.Audio(...).stream` against the page's
voice WebSocket (/voice/ws), in headless Chromium whose fake microphone plays the same spoken WAV.

python -m bench.transport [--seconds 16]

The server notes each chunk's wall-clock arrival and audio length (Gradio: the `.stream` handler's start;
the socket: `VoiceSession.feed`, wrapped). The page notes, on `performance.timeOrigin + performance.now()`
(one machine, so the same clock as `time.time()`), when the microphone opened, when each chunk was sent,
and (Gradio) when the output showed the handler's answer. Capture to arrival is estimated as arrival minus
(recording start + audio received so far): it holds the recorder's own buffering as well as the transport.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from advisor.config import REPO_ROOT
from advisor.voice.playback import to_16k
from advisor.voice.session import VoiceSession
from bench.common import bench_data_dir, percentiles, save

sys.path.insert(0, str(REPO_ROOT / "tests"))  # the e2e suite's scripted app and its Chromium flags
from e2e.appserver import free_port, scripted_server
from e2e.chatpage import CHROMIUM, CHROMIUM_ARGS

EVERY = (0.1, 0.25, 0.5)  # Gradio's stream_every values tried
QUESTIONS = ("How much does a Riverside Library card cost?", "How many books can members borrow?")

# Installed before the page's own scripts: every send and the microphone's opening, on one clock.
WATCH = """
window.__t = [];
const now = () => performance.timeOrigin + performance.now();
const fetch0 = window.fetch;
window.fetch = function (url) {
  if (String((url && url.url) || url).includes('/gradio_api/upload')) window.__t.push(['send', now()]);
  return fetch0.apply(this, arguments);
};
const media = navigator.mediaDevices;
const gum = media.getUserMedia.bind(media);
media.getUserMedia = async (c) => { const s = await gum(c); window.__t.push(['mic', now()]); return s; };
const Socket = window.WebSocket;
window.WebSocket = class extends Socket {
  constructor(...a) {
    super(...a);
    this.addEventListener('open', () => window.__t.push(['open', now()]));
    this.addEventListener('message', (e) => typeof e.data === 'string' &&
      window.__t.push(['event', now(), JSON.parse(e.data).type]));
  }
  send(d) { if (typeof d !== 'string') window.__t.push(['send', now()]); return super.send(d); }
};
"""
# Gradio's output: the time each new text appears (a textbox's value is a property, so an HTML output).
WATCH_OUTPUT = """() => {
  const out = document.querySelector('#out');
  new MutationObserver(() => window.__t.push(['shown', performance.timeOrigin + performance.now(),
    out.innerText.trim()])).observe(out, {subtree: true, childList: true, characterData: true});
}"""


def microphone(tts: Any, path: Path, seconds: float) -> Path:
    """The two questions in the packaged English voice with pauses, at least `seconds` long (16 kHz)."""
    parts = []
    for question in QUESTIONS:
        parts += [np.zeros(16000, np.float32), *(to_16k(c) for c in tts.synthesize(question, "en"))]
    audio = np.concatenate(parts)
    audio = np.concatenate([audio, np.zeros(max(0, int(seconds * 16000) - len(audio)) + 32000, np.float32)])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def figures(arrivals: list[tuple[float, float]], start: float, sends: list[float]) -> dict[str, Any]:
    """Interval, capture-to-arrival estimate and RFC 3550 jitter of (arrival s, audio s) chunks, in ms."""
    at = np.array([a for a, _ in arrivals])
    lengths = np.array([n for _, n in arrivals])
    captured = start + np.cumsum(lengths)  # when the chunk's last sample was recorded, at the earliest
    delay = (at - captured) * 1000
    # Jitter: how far each arrival gap strays from the audio it carried (RFC 3550's D, averaged).
    strays = np.abs(np.diff(at) - lengths[1:]) * 1000
    out = {
        "chunks": len(at),
        "audio_s": round(float(lengths.sum()), 2),
        "chunk_audio_ms": percentiles(lengths * 1000),
        "interval_ms": percentiles(np.diff(at) * 1000),
        "capture_to_arrival_ms": {**percentiles(delay), "max": round(float(delay.max()), 1)},
        "jitter_ms": round(float(strays.mean()), 2),
        "sends": len(sends),
        "capture_to_arrival_series_ms": [round(float(d)) for d in delay],  # where a stall came, if one did
    }
    if sends and len(sends) >= len(at):  # the k-th send is the k-th arrival: one connection, in order
        out["send_to_arrival_ms"] = percentiles((at - np.array(sends[: len(at)])) * 1000)
    return out


def browser(playwright: Any, wav: Path) -> Any:
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    args.append(f"--use-file-for-fake-audio-capture={wav}")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)


def marks(page: Any, kind: str) -> list[Any]:
    return [m[1:] for m in page.evaluate("window.__t") if m[0] == kind]


def gradio_stream(chromium: Any, every: float, seconds: float) -> dict[str, Any]:
    import gradio as gr

    arrivals: list[tuple[float, float]] = []
    started: list[float] = []

    def heard(audio: tuple[int, np.ndarray]) -> str:
        started.append(time.time())
        rate, samples = audio
        arrivals.append((started[-1], len(samples) / rate))
        return str(len(arrivals))

    with gr.Blocks(analytics_enabled=False) as demo:
        mic = gr.Audio(sources=["microphone"], streaming=True, type="numpy")
        out = gr.HTML(elem_id="out")
        mic.stream(heard, mic, out, stream_every=every, time_limit=seconds + 30)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    page = chromium.new_page()
    try:
        page.add_init_script(WATCH)
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator("button.record-button").wait_for()
        page.evaluate(WATCH_OUTPUT)
        page.locator("button.record-button").click()
        page.wait_for_timeout(seconds * 1000)
        log_mic, sends, shown = marks(page, "mic"), [s[0] for s in marks(page, "send")], marks(page, "shown")
    finally:
        page.close()
        demo.close()
    if not arrivals:
        return {"stream_every": every, "error": "no chunk reached the server", "sends": len(sends)}
    # Gradio opens the microphone twice; the last opening before the first chunk is the one that records.
    opened = [m[0] for m in log_mic if not sends or m[0] <= sends[0]]
    result = {"stream_every": every, **figures(arrivals, opened[-1] / 1000, _s(sends))}
    seen: dict[int, float] = {}
    for t, text in shown:
        if text.isdigit():
            seen.setdefault(int(text), t / 1000)
    trips = [(seen[n] - started[n - 1]) * 1000 for n in seen if 0 < n <= len(started)]
    if trips:
        result["handler_to_page_ms"] = percentiles(trips)
    return result


def _s(times_ms: list[float]) -> list[float]:
    return [t / 1000 for t in times_ms]


def voice_socket(chromium: Any, server: Any, seconds: float) -> dict[str, Any]:
    arrivals: list[tuple[float, float]] = []
    feed = VoiceSession.feed

    def timed(self: VoiceSession, samples: np.ndarray) -> None:
        arrivals.append((time.time(), len(samples) / 16000))
        feed(self, samples)

    VoiceSession.feed = timed  # type: ignore[method-assign]
    page = chromium.new_page()
    try:
        page.add_init_script(WATCH)
        page.goto(server.url)
        page.locator("#advisor-title.ready").wait_for()
        page.locator("#voice-start").click()
        page.wait_for_function("() => window.advisorVoice.log.some((e) => e.type === 'listening')")
        page.wait_for_timeout(seconds * 1000)
        opened, sends, events = marks(page, "open"), [s[0] for s in marks(page, "send")], marks(page, "event")
        page.locator("#voice-end").click()
        page.wait_for_function("() => !window.advisorVoice.active()")
        turns = page.evaluate("window.advisorVoice.log.filter((e) => e.type === 'turn_end').length")
    finally:
        VoiceSession.feed = feed  # type: ignore[method-assign]
        page.close()
    arrivals = arrivals[: len(sends)]  # frames sent after the measured window are not compared
    start = opened[0][0] / 1000
    result = {**figures(arrivals, start, _s(sends)), "turns_answered": turns}
    # When the session spoke to the page (seconds after the socket opened; a run of one kind once), and
    # each frame that took over 100 ms from send to arrival: a stall can be placed against the turn.
    kinds = [(round(t / 1000 - start, 2), k) for t, k in events]
    result["events_s"] = [e for i, e in enumerate(kinds) if not i or e[1] != kinds[i - 1][1]]
    late = [(a - s, a - start) for (a, _), s in zip(arrivals, _s(sends), strict=False)]
    result["late_frames"] = [[round(at, 2), round(ms * 1000)] for ms, at in late if ms > 0.1]
    return result


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=16.0)
    args = parser.parse_args()
    before = load()
    print(before, flush=True)
    root = Path(tempfile.mkdtemp(dir=bench_data_dir("transport")))
    server = scripted_server(root)
    try:
        wav = microphone(server.advisor.stages.tts.get(), root / "microphone.wav", args.seconds)
        with sync_playwright() as playwright:
            chromium = browser(playwright, wav)
            try:
                socket = voice_socket(chromium, server, args.seconds)
            finally:
                chromium.close()
    finally:
        server.close()
    print("socket", socket, flush=True)
    gradio = []
    with sync_playwright() as playwright:
        chromium = browser(playwright, wav)
        try:
            for every in EVERY:
                gradio.append(gradio_stream(chromium, every, args.seconds))
                print("gradio", gradio[-1], flush=True)
        finally:
            chromium.close()
    path = save(
        "transport",
        {
            "seconds": args.seconds,
            "load_before": before,
            "load_after": load(),
            "voice_socket": socket,
            "gradio_stream": gradio,
        },
    )
    print("wrote", path)
    print("\n".join(report_section(json.loads(path.read_text()))))


def report_section(result: dict[str, Any]) -> list[str]:
    def row(name: str, r: dict[str, Any]) -> str:
        if "error" in r:
            return f"| {name} | {r['error']} | | | | | |"
        cap, send = r["capture_to_arrival_ms"], r.get("send_to_arrival_ms", {})
        trip = r.get("handler_to_page_ms", {})
        return (
            f"| {name} | {r['chunks']} x {r['chunk_audio_ms']['p50']:.0f} ms | {r['interval_ms']['p50']} /"
            f" {r['interval_ms']['p95']} | {cap['p50']} / {cap['p95']} / {cap['max']} | {r['jitter_ms']} |"
            f" {send.get('p50', '-')} / {send.get('p95', '-')} | {trip.get('p50', '-')} / {trip.get('p95', '-')} |"
        )

    lines = [
        f"The same spoken WAV as headless Chromium's fake microphone, {result['seconds']:.0f} s per transport,"
        f" on this machine ({result['load_before']} before, {result['load_after']} after). Capture to"
        " arrival: arrival minus (recording start + audio received so far). Jitter: mean |arrival gap - audio"
        " carried|. Handler to page: the `.stream` handler's start to its output shown (MutationObserver)."
        f" The socket's server ran the real VoiceSession in the same process (recognition, retrieval and"
        f" speech: {result['voice_socket'].get('turns_answered', 0)} turns answered; frames over 100 ms from"
        f" send to arrival: {len(result['voice_socket'].get('late_frames', []))}); Gradio's handler only"
        " noted the chunk, so its figures are a floor.",
        "",
        "| transport | chunks x audio | interval p50 / p95 ms | capture to arrival p50 / p95 / max ms"
        " | jitter ms | send to arrival p50 / p95 ms | handler to page p50 / p95 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        row("page WebSocket (/voice/ws, real VoiceSession)", result["voice_socket"]),
    ]
    lines += [row(f"Gradio `.stream`, stream_every={r['stream_every']}", r) for r in result["gradio_stream"]]
    return lines


if __name__ == "__main__":
    main()
