"""Bad audio through the real ASR pipeline and the whole turn: a clear error in both languages, never
invented text, no model call, and the next question still answered."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np
import pytest
from faultkit import SALT_REPLY, has_cjk, run_turn, still_answers

from advisor.asr import ASRError, create_asr
from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Transcript
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel
from bench.asr_samples import SR, UPLOAD_FORMATS, encode, librivox_clips, load_clip, noise, silence


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return load_clip(librivox_clips()[1].path)  # "he was not an ill disposed young man" (3 s)


def _wav_header(rate: int, data_bytes: int, bits: int = 16) -> bytes:
    block = bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * block, block, bits)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def _bad_uploads(speech: np.ndarray, tmp_path: Path) -> dict[str, bytes | Path]:
    wav = encode(speech, "wav", "pcm_s16le")
    webm = encode(speech, "webm", "libopus", 48_000)
    mp3 = encode(speech, "mp3", "libmp3lame", 44_100)
    two_hours = tmp_path / "two-hours.wav"  # 8 kHz 8-bit, sparse on disk: 57.6 MB the header describes
    header = _wav_header(8000, 2 * 3600 * 8000, bits=8)
    with open(two_hours, "wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + 2 * 3600 * 8000)
    at = webm.find(b"\x44\x89\x88")  # WebM Segment Duration (ms): a header that claims two hours
    webm_two_hours = webm[: at + 3] + struct.pack(">d", 7200_000.0) + webm[at + 11 :]
    rng = np.random.default_rng(3)
    return {
        "empty": b"",
        "header-only wav": _wav_header(SR, 0),
        "10 ms": encode(speech[: SR // 100], "wav", "pcm_s16le"),
        "30 s of silence": encode(silence(30.0), "wav", "pcm_s16le"),
        "30 s of faint hiss": encode(silence(30.0, level=0.002), "ogg", "libopus", 48_000),
        "10 s of white noise": encode(noise(10.0, "white"), "webm", "libopus", 48_000),
        "10 s of pink noise": encode(noise(10.0, "pink", level=0.2, seed=1), "mp3", "libmp3lame", 44_100),
        "truncated wav": wav[: len(wav) // 2],
        "truncated webm": webm[: len(webm) // 2],
        "truncated mp3": mp3[:300],
        "two hours (wav header)": two_hours,
        "two hours (webm header)": webm_two_hours,
        "random bytes": rng.bytes(20_000),
        "a PDF": b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n" * 20,
        "a PNG": b"\x89PNG\r\n\x1a\n" + rng.bytes(4000),
        "an HTML page": b"<!doctype html><html><body>hello</body></html>",
        "a playlist pointing at a local file": b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n",
        "Ogg magic then garbage": b"OggS" + rng.bytes(3000),
    }


def test_bad_audio_gets_a_clear_error_and_the_next_turn_works(
    shipped: KnowledgeLibrary, tmp_path: Path, speech: np.ndarray, reliability
) -> None:
    llm = ScriptedChatModel(replies=[SALT_REPLY])
    settings = Settings(data_dir=tmp_path / "app")
    settings.asr.max_bytes = 100 * 1024 * 1024  # let the two-hour WAV reach its header check
    advisor = Advisor(settings, library=shipped, llm=llm)
    uploads = _bad_uploads(speech, tmp_path)
    codes: dict[str, str] = {}
    slowest = 0.0
    for name, upload in uploads.items():
        for language in ("zh", "en"):
            turn = run_turn(advisor, audio=upload, language_hint=language)
            assert not turn.of(Transcript), f"{name}: text was invented: {turn.of(Transcript)}"
            assert len(turn.errors) == 1, (name, turn.events)
            assert turn.end.answer == turn.errors[0] == turn.shown
            assert has_cjk(turn.end.answer) == (language == "zh"), (name, turn.end.answer)
            assert not llm.seen, f"{name}: the model was asked about nothing"
            slowest = max(slowest, turn.seconds)
        # The same upload straight through the ASR pipeline: the error carries a stable code.
        with pytest.raises(ASRError) as error:
            advisor.stages.asr.get().transcribe(upload)
        codes[name] = error.value.code
    assert codes["empty"] == "empty"
    assert codes["30 s of silence"] == codes["10 s of white noise"] == "no_speech"
    assert codes["two hours (wav header)"] == codes["two hours (webm header)"] == "too_long"
    assert {codes[k] for k in ("random bytes", "a PDF", "a PNG", "an HTML page")} == {"unsupported"}
    # Two hours are refused from the header: nothing is decoded, so it is as quick as any other refusal.
    started = time.perf_counter()
    with pytest.raises(ASRError):
        advisor.stages.asr.get().transcribe(uploads["two hours (wav header)"])
    two_hours_s = time.perf_counter() - started
    assert two_hours_s < 2.0
    still_answers(advisor)
    assert len(llm.seen) == 1
    kinds = ", ".join(sorted(set(codes.values())))
    reliability(
        "Bad input",
        f"Audio: {', '.join(uploads)}; each in a zh and an en turn and through the ASR pipeline",
        cases=len(uploads) * 2,
        result=(
            f"every one a single clear error in the turn's language ({kinds}); no transcript invented, "
            f"the model never called; two hours refused from the header in {two_hours_s * 1000:.1f} ms; "
            f"slowest refusal {slowest:.1f} s; the next question answered and grounded"
        ),
    )


def test_odd_but_valid_audio_is_heard(speech: np.ndarray, reliability) -> None:
    """Rates, channels, sample widths and codecs a browser or phone sends: the real Whisper hears them."""
    asr = create_asr(Settings())
    heard: dict[str, str] = {}
    named = {"webm-opus", "ogg-opus", "mp3", "wav-8k", "wav-44k-stereo", "wav-48k-24bit"}  # the list
    for name, container, codec, rate, layout, sample_format in UPLOAD_FORMATS:
        if name not in named:
            continue  # the other formats' decoding is checked in tests/test_asr_audio.py
        data = encode(speech, container, codec, rate, layout, sample_format)
        transcript = asr.transcribe(data)
        heard[name] = transcript.text
        assert transcript.language == "en", (name, transcript)
        assert "disposed" in transcript.text.lower() and "young man" in transcript.text.lower(), (
            name,
            transcript.text,
        )
    reliability(
        "Bad input",
        f"Audio: one real utterance as {', '.join(heard)}",
        cases=len(heard),
        result="every one transcribed in English with the utterance's words ('ill disposed young man')",
    )
