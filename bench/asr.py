"""Speech recognition: accuracy, speed and false speech, for both Whisper backends side by side.

python -m bench.asr [--backends faster-whisper openai-whisper] [--no-extras]

- English WER on human speech: the LibriVox utterances and the "cards" set of Debian's
  pocketsphinx-testdata, plus pytest-audioeval's three English clips.
- Chinese CER: the twelve synthesised advisor questions in tests/data/asr/zh and pytest-audioeval's
  three Chinese clips. (No registry package ships Chinese human speech.)
- Language detection is automatic (zh or en) for every clip, as in production.
- Real-time factor: processing seconds per second of audio (decode + VAD + detection + Whisper), model
  already loaded; load time reported apart.
- False speech: 24 clips of silence, noise and synthetic music, uploaded as WebM/Opus; any text out is
  a false transcript. The same clips fed to Whisper without our VAD show what the gate prevents.
- Extras (faster-whisper): the speech sets again with pink noise at 15 dB SNR, as 24 kbit/s WebM/Opus.
- Chinese decoding uses the domain vocabulary mined from the knowledge bases' headings
  (advisor/asr/vocabulary.py, `asr.hotwords = "auto"`); the Chinese sets are run again without it, per
  backend, to show what it changes. The no-VAD run passes it too, so hints cannot invent speech unseen.

Scoring (bench/asr_metrics.py): English lower case, punctuation dropped, numbers spelled out; Chinese
in Simplified, half-width characters, punctuation and spaces removed, every number in Arabic digits on
both sides ("一万六千" = "16,000" = "16000"), each digit one unit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from typing import Any

import numpy as np

from advisor.asr import NoSpeech, create_asr
from advisor.asr.audio import DecodedAudio, decode_audio
from advisor.asr.pipeline import WhisperTranscriber
from advisor.asr.text import ZH_PROMPT, choose_language, tidy
from advisor.config import Settings
from bench.asr_metrics import cer, wer
from bench.asr_samples import (
    SR,
    Clip,
    audioeval_clips,
    chinese_clips,
    encode,
    librivox_clips,
    load_clip,
    noise,
    non_speech_clips,
)
from bench.common import bench_data_dir, save

TARGETS = {"en_wer": 0.10, "zh_cer": 0.10, "false_speech": 0}


def speech_sets() -> dict[str, list[Clip]]:
    clips = librivox_clips()
    return {
        "en librivox": [c for c in clips if c.source.endswith("librivox")],
        "en cards": [c for c in clips if c.source.endswith("cards")],
        "en audioeval": audioeval_clips("en"),
        "zh synthesised": chinese_clips(),
        "zh audioeval": audioeval_clips("zh"),
    }


def _score(clip: Clip, text: str) -> tuple[int, int]:
    return cer(clip.text, text) if clip.language == "zh" else wer(clip.text, text)


def run_set(asr: Any, clips: list[Clip], audio: dict[str, DecodedAudio]) -> dict[str, Any]:
    rows, edits, total, seconds, busy, right_language = [], 0, 0, 0.0, 0.0, 0
    for clip in clips:
        decoded = audio[str(clip.path)]
        started = time.perf_counter()
        try:
            result = asr.transcribe_timed(decoded)
            text, language = result.text, result.language
        except NoSpeech:
            text, language = "", "none"
        spent = time.perf_counter() - started
        e, n = _score(clip, text)
        edits, total, seconds, busy = edits + e, total + n, seconds + decoded.duration_s, busy + spent
        right_language += language == clip.language
        rows.append(
            {
                "clip": clip.path.name,
                "reference": clip.text,
                "text": text,
                "language": language,
                "errors": e,
                "length": n,
                "audio_s": round(decoded.duration_s, 2),
                "seconds": round(spent, 3),
            }
        )
    return {
        "clips": len(clips),
        "error_rate": round(edits / max(total, 1), 4),
        "errors": edits,
        "reference_units": total,
        "language_accuracy": round(right_language / max(len(clips), 1), 3),
        "audio_s": round(seconds, 2),
        "processing_s": round(busy, 2),
        "rtf": round(busy / max(seconds, 1e-9), 3),
        "p50_s": round(statistics.median(r["seconds"] for r in rows), 3) if rows else 0.0,
        "rows": rows,
    }


def false_speech(asr: Any, uploads: dict[str, bytes]) -> dict[str, Any]:
    produced = {}
    for name, data in uploads.items():
        with contextlib.suppress(NoSpeech):
            produced[name] = asr.transcribe(data).text
    return {"clips": len(uploads), "false_transcripts": len(produced), "examples": produced}


def without_vad(asr: WhisperTranscriber, clips: dict[str, np.ndarray]) -> dict[str, Any]:
    """What Whisper alone writes for the non-speech clips (our VAD and checks bypassed)."""
    engine, _ = asr.engine()
    produced = {}
    for name, samples in clips.items():
        language, _ = choose_language(engine.detect(samples))
        segments = engine.decode(
            samples, language, ZH_PROMPT if language == "zh" else None, asr.hotwords(language)
        )
        text = tidy((s.text for s in segments), language)
        if text:
            produced[name] = text
    return {"clips": len(clips), "false_transcripts": len(produced), "examples": produced}


def noisy(samples: np.ndarray, snr_db: float, seed: int) -> bytes:
    hiss = noise(len(samples) / SR + 0.01, "pink", 1.0, seed)[: len(samples)]
    gain = np.sqrt(np.mean(samples**2) / np.mean(hiss**2)) / 10 ** (snr_db / 20)
    return encode(samples + gain * hiss, "webm", "libopus", 48_000, bit_rate=24_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", nargs="+", default=["faster-whisper", "openai-whisper"])
    parser.add_argument("--no-extras", action="store_true", help="skip the noisy set and the no-VAD run")
    args = parser.parse_args()

    sets = speech_sets()
    audio = {
        str(c.path): DecodedAudio.from_array(load_clip(c.path)) for clips in sets.values() for c in clips
    }
    silent = non_speech_clips()
    uploads = {name: encode(x, "webm", "libopus", 48_000) for name, x in silent.items()}
    payload: dict[str, Any] = {
        "targets": TARGETS,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "backends": {},
    }
    for backend in args.backends:
        settings = Settings(data_dir=bench_data_dir("asr"))
        settings.asr.backend = backend
        asr = create_asr(settings)
        assert isinstance(asr, WhisperTranscriber)
        started = time.perf_counter()
        _, load_ms = asr.engine()  # assemble/convert on a first run, then load
        entry: dict[str, Any] = {"load_s": round(time.perf_counter() - started, 2), "model_load_ms": load_ms}
        print(f"== {backend}: loaded in {entry['load_s']} s", flush=True)
        entry["sets"] = {}
        for name, clips in sets.items():
            entry["sets"][name] = result = run_set(asr, clips, audio)
            print(
                f"{name:16s} {'CER' if name.startswith('zh') else 'WER'} {result['error_rate']:.3f}"
                f"  lang {result['language_accuracy']:.2f}  RTF {result['rtf']:.2f}",
                flush=True,
            )
        if not args.no_extras:  # the same Chinese clips without the domain vocabulary
            settings.asr.hotwords = ""
            entry["zh_without_vocabulary"] = {
                name: run_set(asr, clips, audio) for name, clips in sets.items() if name.startswith("zh")
            }
            settings.asr.hotwords = "auto"
        entry["vocabulary"] = asr.hotwords("zh")
        entry["false_speech"] = false_speech(asr, uploads)
        print(f"false speech {entry['false_speech']['false_transcripts']}/{len(uploads)}", flush=True)
        entry["summary"] = summarise(entry)
        if backend == "faster-whisper" and not args.no_extras:
            noisy_sets = {
                f"{name} +noise 15dB webm": [c for c in clips]
                for name, clips in sets.items()
                if "audioeval" not in name
            }
            noisy_audio = {
                str(c.path): decode_audio(noisy(audio[str(c.path)].samples, 15, i))
                for clips in noisy_sets.values()
                for i, c in enumerate(clips)
            }
            entry["noisy"] = {name: run_set(asr, clips, noisy_audio) for name, clips in noisy_sets.items()}
            entry["without_vad"] = without_vad(asr, silent)
            print(f"without VAD: {entry['without_vad']['false_transcripts']}/{len(silent)} clips got text")
        payload["backends"][backend] = entry
    path = save("asr", payload)
    print("\n".join(section(payload)))
    print("saved", path)


def summarise(entry: dict[str, Any]) -> dict[str, Any]:
    sets = entry["sets"]

    def pooled(prefix: str) -> float:
        chosen = [r for name, r in sets.items() if name.startswith(prefix)]
        return round(sum(r["errors"] for r in chosen) / max(sum(r["reference_units"] for r in chosen), 1), 4)

    audio = sum(r["audio_s"] for r in sets.values())
    busy = sum(r["processing_s"] for r in sets.values())
    return {
        "en_wer_librivox": sets["en librivox"]["error_rate"],
        "en_wer_all": pooled("en"),
        "zh_cer_all": pooled("zh"),
        "zh_cer_synthesised": sets["zh synthesised"]["error_rate"],
        "rtf": round(busy / max(audio, 1e-9), 3),
        "false_speech": entry["false_speech"]["false_transcripts"],
    }


def section(result: dict[str, Any]) -> list[str]:
    """The Markdown for docs/BENCHMARKS.md (bench/report.py can call this with the saved JSON)."""
    backends = result["backends"]
    names = list(backends)
    lines = [
        "| set | "
        + " | ".join(f"{b} error" for b in names)
        + " | "
        + " | ".join(f"{b} RTF" for b in names)
        + " |",
        "|" + "---|" * (1 + 2 * len(names)),
    ]
    first = backends[names[0]]["sets"]
    for set_name, first_result in first.items():
        metric = "CER" if set_name.startswith("zh") else "WER"
        cells = [f"{set_name} ({first_result['clips']} clips, {metric})"]
        cells += [f"{backends[b]['sets'][set_name]['error_rate']:.1%}" for b in names]
        cells += [f"{backends[b]['sets'][set_name]['rtf']:.2f}" for b in names]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for b in names:
        s = backends[b]["summary"]
        lines.append(
            f"- {b}: English WER {s['en_wer_all']:.1%} (LibriVox {s['en_wer_librivox']:.1%}; target <= 10%),"
            f" Chinese CER {s['zh_cer_all']:.1%} (target <= 10%), RTF {s['rtf']:.2f},"
            f" load {backends[b]['load_s']} s, false speech {s['false_speech']}/"
            f"{backends[b]['false_speech']['clips']} (target 0)."
        )
    for b in names:
        plain = backends[b].get("zh_without_vocabulary")
        if plain:
            cells = ", ".join(
                f"{name} {r['error_rate']:.1%} -> {backends[b]['sets'][name]['error_rate']:.1%}"
                for name, r in plain.items()
            )
            lines.append(f"- {b}, Chinese CER without -> with the knowledge-base vocabulary: {cells}.")
    fw = backends.get("faster-whisper", {})
    if "without_vad" in fw:
        wv = fw["without_vad"]
        lines.append(
            f"- Without the VAD gate, Whisper base wrote text for {wv['false_transcripts']}/{wv['clips']}"
            f" non-speech clips, e.g. {list(wv['examples'].values())[:3]}."
        )
    if "noisy" in fw:
        noisy_cells = ", ".join(f"{name}: {r['error_rate']:.1%}" for name, r in fw["noisy"].items())
        lines.append(f"- faster-whisper with pink noise at 15 dB SNR, 24 kbit/s WebM/Opus: {noisy_cells}.")
    lines.append(f"- Load average when the run started: {result.get('load_average_at_start')} (2 cores).")
    return lines


if __name__ == "__main__":
    main()
