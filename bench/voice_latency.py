"""The conversation mode as a user feels it: voice to voice, barge-in, echo, and recognition quality.

    python -m bench.voice_latency [--questions 20] [--barge-ins 10]

Spoken questions (the in-house questions read by the advisor's own voices, half Chinese, half English,
as in bench/turn_latency.py) are streamed in real time through `VoiceSession`, the conversation mode's
entry point, by a simulated browser (bench/voice_client.py) that plays the replies and lets them leak back
into the microphone at `--echo-gain` (the advisor must not take its own voice for the user's).

1. Voice to voice: from the moment the frame holding the question's last voiced sample is handed over
   to the first reply audio, the pause detector's wait included.
2. The record-then-send path on the same clips, in the same run: `Advisor.turn(audio=clip, speak=True)`
   from the end of the recording, and from its last voiced sample (adding the clip's trailing silence;
   a person also takes a moment to press stop, not counted).
3. Barge-in: a second question spoken over a reply, from its first voiced sample to "stop_audio".
4. False barge-ins: replies stopped while nobody spoke (only their echo reached the microphone).
5. Recognition: CER / WER of what the conversation mode heard against the whole-clip transcript's.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import wave
from typing import Any

import numpy as np

from advisor.dialogue.advisor import Advisor
from advisor.events import AudioChunk
from advisor.tts import SentenceSpeaker
from advisor.voice.session import VoiceEvent, VoiceSession
from bench.asr_metrics import error_rate
from bench.common import bench_data_dir, percentiles, save
from bench.dialogue_kb import build
from bench.turn_latency import pick_questions, spoken
from bench.voice_client import SimulatedBrowser, first_voiced, last_voiced

TARGETS = {"voice_to_voice_p50_ms": 1500, "voice_to_voice_p95_ms": 2500, "barge_in_p95_ms": 300}


def samples(wav: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(wav)) as handle:
        return np.frombuffer(handle.readframes(handle.getnframes()), "<i2").astype(np.float32) / 32768.0


def answered(event: VoiceEvent) -> bool:
    """The end of a question's turn: its reply complete, or nothing heard, or an error."""
    return (event.kind == "turn_end" and not event.data.get("interrupted")) or event.kind in (
        "listening",
        "error",
    )


def conversation_turn(
    browser: SimulatedBrowser, clip: np.ndarray, interrupt: np.ndarray | None
) -> dict[str, Any]:
    """One question in conversation mode; with `interrupt`, that is spoken 1 s into the reply."""
    browser.quiet(0.6)
    mark = browser.mark()
    fed = browser.say(clip)
    spoke_last = fed[min(len(fed) - 1, last_voiced(clip) // 320)]
    seen = browser.quiet_until_after(mark, lambda e: e.kind in ("audio", "turn_end", "error"), 40.0)
    heard = browser.quiet_until_after(mark, lambda e: e.kind == "heard", 1.0)
    row: dict[str, Any] = {
        "heard": heard.event.data.get("text", "") if heard else "",
        "voice_to_voice_ms": round((seen.at - spoke_last) * 1000, 1)
        if seen and seen.event.kind == "audio"
        else None,
    }
    if interrupt is not None and seen is not None and seen.event.kind == "audio":
        browser.quiet(1.0)
        if browser.playing():
            cut = browser.mark()
            fed = browser.say(interrupt)
            onset = fed[min(len(fed) - 1, first_voiced(interrupt) // 320)]
            stop = browser.quiet_until_after(cut, lambda e: e.kind == "stop_audio", 5.0)
            row["barge_in_ms"] = round((stop.at - onset) * 1000, 1) if stop else None
            row["onset"] = onset  # time.monotonic(): which stops were asked for
            # The interruption is a question of its own: let it be answered before the next one.
            browser.quiet_until_after(cut, answered, 60.0)
            browser.quiet_while_playing()
            row["events"] = kinds(browser, mark)
            first_end = next((s for s in browser.seen[mark:] if s.event.kind == "turn_end"), None)
            if first_end is not None:  # the interrupted reply's stages, up to where it was cut
                row["timings"] = {k: round(v, 1) for k, v in first_end.event.data.get("timings", {}).items()}
            return row
    end = browser.quiet_until_after(mark, answered, 60.0)
    if end is not None and end.event.kind == "turn_end":
        row["timings"] = {k: round(v, 1) for k, v in end.event.data.get("timings", {}).items()}
    browser.quiet_while_playing()
    row["events"] = kinds(browser, mark)
    return row


def kinds(browser: SimulatedBrowser, mark: int) -> list[str]:
    """What happened since `mark`, for reading a run afterwards (text and audio pieces left out)."""
    return [s.event.kind for s in browser.seen[mark:] if s.event.kind not in ("delta", "partial", "audio")]


def upload_turn(advisor: Advisor, wav: bytes, clip: np.ndarray) -> dict[str, Any]:
    started = time.perf_counter()
    first = None
    for event in advisor.turn(audio=wav, speak=True):
        if isinstance(event, AudioChunk) and first is None:
            first = (time.perf_counter() - started) * 1000
    trailing = (len(clip) - last_voiced(clip)) / 16000 * 1000
    return {
        "first_audio_ms": round(first, 1) if first else None,
        "from_last_voiced_ms": round(first + trailing, 1) if first else None,
    }


def framed_error(asr: Any, questions: list[dict[str, Any]], clips: dict[str, np.ndarray]) -> float:
    """The whole clip's mean error when it is framed as a stream frames it: a little silence before the
    speech and after it. Whisper base flips homophones on a shift of a few tens of milliseconds (the same
    audio with 0.1 s more silence after it read 签 as 千), so this is the spread any cut of the audio has,
    the baseline a streamed reading is compared with."""
    rates = []
    for row in questions:
        clip = clips[row["id"]]
        for before_s in (0.1, 0.2, 0.3):
            framed = np.concatenate(
                [np.zeros(int(before_s * 16000), np.float32), clip, np.zeros(3200, np.float32)]
            )
            rates.append(error_rate(row["question"], asr.transcribe(framed).text, row["language"]))
    return round(statistics.mean(rates), 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--barge-ins", type=int, default=10)
    parser.add_argument("--echo-gain", type=float, default=0.3)
    args = parser.parse_args()

    advisor = build()
    voices = advisor.stages.tts.get()
    rows = pick_questions(args.questions + args.barge_ins)
    folder = bench_data_dir("turn-latency")  # the same cached clips as bench/turn_latency.py
    wavs = {r["id"]: spoken(r, voices, folder) for r in rows}
    clips = {key: samples(wav) for key, wav in wavs.items()}
    asr = advisor.stages.asr.get()
    asr.transcribe(wavs[rows[0]["id"]])  # warm
    # Both voices, as the page warms them at launch (the Chinese one runs in a worker that takes seconds
    # to start): otherwise the first Chinese reply measured pays for it.
    for text, language in (("您好。", "zh"), ("Hello.", "en")):
        list(SentenceSpeaker(voices).speak([text], language))
    questions, interruptions = rows[: args.questions], rows[args.questions :]

    session = VoiceSession(advisor)
    browser = SimulatedBrowser(session, echo_gain=args.echo_gain)
    conversation_turn(browser, clips[questions[1]["id"]], None)  # warm the conversation path once
    conversation = []
    for i, row in enumerate(questions):
        interrupt = clips[interruptions[i]["id"]] if i < len(interruptions) else None
        result = conversation_turn(browser, clips[row["id"]], interrupt)
        conversation.append({"id": row["id"], "language": row["language"], **result})
        print(row["id"], result, flush=True)
    session.close()
    stops = [
        s for s in browser.seen if s.event.kind == "stop_audio" and s.event.data.get("reason") == "barge_in"
    ]
    onsets = [r.pop("onset") for r in conversation if "onset" in r]
    # A stop nobody asked for: no interruption was spoken in the second before it (only echo reached the
    # microphone, or the next question came while the server still counted the reply as playing).
    false_barge_ins = sum(1 for s in stops if not any(0 <= s.at - onset <= 1.0 for onset in onsets))

    upload = [{"id": r["id"], **upload_turn(advisor, wavs[r["id"]], clips[r["id"]])} for r in questions]
    whole = {r["id"]: asr.transcribe(wavs[r["id"]]).text for r in questions}
    rate = {
        "conversation": [
            error_rate(r["question"], c["heard"], r["language"])
            for r, c in zip(questions, conversation, strict=True)
        ],
        "whole_clip": [error_rate(r["question"], whole[r["id"]], r["language"]) for r in questions],
        "whole_clip_framed": [framed_error(asr, questions, clips)],
    }
    v2v = [r["voice_to_voice_ms"] for r in conversation if r["voice_to_voice_ms"] is not None]
    barge = [r["barge_in_ms"] for r in conversation if r.get("barge_in_ms") is not None]
    stage_names = [
        "listen_lag_ms",
        "asr_waited_ms",
        "asr_final_ms",
        "heard_after_ms",
        "retrieval_ms",
        "first_token_at_ms",
        "voice_to_voice_ms",
    ]
    summary = {
        "questions": len(questions),
        "languages": {lang: sum(r["language"] == lang for r in questions) for lang in ("zh", "en")},
        "settings": advisor.settings.voice.model_dump(),
        "echo_gain": args.echo_gain,
        "voice_to_voice_ms": percentiles(v2v),
        "without_audio": len(questions) - len(v2v),
        "stages_ms": {
            name: percentiles(vals)
            for name in stage_names
            if (vals := [r["timings"][name] for r in conversation if name in r.get("timings", {})])
        },
        "upload_first_audio_ms": percentiles([r["first_audio_ms"] for r in upload if r["first_audio_ms"]]),
        "upload_from_last_voiced_ms": percentiles(
            [r["from_last_voiced_ms"] for r in upload if r["from_last_voiced_ms"]]
        ),
        "barge_in_ms": percentiles(barge) if barge else None,
        "barge_ins_tried": min(len(interruptions), len(questions)),
        "false_barge_ins": false_barge_ins,
        "error_rate": {k: round(statistics.mean(v), 4) for k, v in rate.items()},
        "targets": TARGETS,
    }
    save(
        "voice_latency", {**summary, "rows": {"conversation": conversation, "upload": upload, "whole": whole}}
    )
    print(summary)


def report_section(result: dict[str, Any]) -> list[str]:
    v, up, up_last = (
        result["voice_to_voice_ms"],
        result["upload_first_audio_ms"],
        result["upload_from_last_voiced_ms"],
    )
    barge = result["barge_in_ms"] or {"p50": "-", "p95": "-", "n": 0}
    t = result["targets"]
    met = lambda ok: "met" if ok else "missed"  # noqa: E731
    stage_rows = [
        f"| {k.removesuffix('_ms').replace('_', ' ')} | {s['p50']} | {s['p95']} |"
        for k, s in result["stages_ms"].items()
    ]
    return [
        f"{result['questions']} spoken questions ({result['languages']['zh']} Chinese, {result['languages']['en']} "
        "English, the advisor's own voices) streamed in real time through the conversation mode "
        f"(`VoiceSession`) by a simulated browser that plays each reply and leaks it back into the microphone at "
        f"gain {result['echo_gain']}. End of turn after {result['settings']['end_of_turn_ms']} ms of silence.",
        "",
        "| measure | p50 ms | p95 ms |",
        "| --- | --- | --- |",
        f"| conversation mode: last voiced sample → first reply audio | {v['p50']} | {v['p95']} |",
        f"| record-then-send (upload): end of recording → first reply audio | {up['p50']} | {up['p95']} |",
        f"| record-then-send: last voiced sample → first reply audio | {up_last['p50']} | {up_last['p95']} |",
        f"| barge-in: voice onset → reply audio stopped ({barge['n']} tries) | {barge['p50']} | {barge['p95']} |",
        "",
        "Conversation mode by stage: heard after and voice to voice since the last voiced sample, first token "
        "since the turn began; the rest are their own durations (listen lag: how far the listener ran behind "
        "the microphone when it decided the turn had ended; asr waited: the final reading's wait for a draft "
        "already running):",
        "",
        "| stage | p50 ms | p95 ms |",
        "| --- | --- | --- |",
        *stage_rows,
        "",
        f"Voice to voice p50 target <= {t['voice_to_voice_p50_ms']} ms: {met(v['p50'] <= t['voice_to_voice_p50_ms'])}; "
        f"p95 target <= {t['voice_to_voice_p95_ms']} ms: {met(v['p95'] <= t['voice_to_voice_p95_ms'])}. Barge-in p95 "
        f"target <= {t['barge_in_p95_ms']} ms: "
        f"{met(bool(result['barge_in_ms']) and barge['p95'] <= t['barge_in_p95_ms'])}. Replies stopped by their own "
        f"echo: **{result['false_barge_ins']}**. Recognition error (CER for Chinese, WER for English, mean): "
        f"conversation mode {result['error_rate']['conversation']}, whole clip {result['error_rate']['whole_clip']}"
        + (
            f", whole clip framed with 0.1-0.3 s of silence before it and 0.2 s after "
            f"{result['error_rate']['whole_clip_framed']}"
            if "whole_clip_framed" in result["error_rate"]
            else ""
        )
        + f". {result['without_audio']} questions got no spoken reply.",
    ]


if __name__ == "__main__":
    main()
