"""Audio decoding, limits and voice activity detection for speech input: no Whisper model needed here."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from advisor.asr import ASRS, BadAudio, DecodedAudio, NoSpeech, create_asr, decode_audio
from advisor.asr.audio import load_audio, sniff_container
from advisor.asr.fake import ScriptedTranscriber
from advisor.asr.text import choose_language, looks_hallucinated, normalise_language, tidy_chinese
from advisor.asr.vad import find_speech
from advisor.config import Settings
from bench.asr_metrics import cer, chinese_characters, wer
from bench.asr_samples import SR, UPLOAD_FORMATS, encode, librivox_clips, load_clip, non_speech_clips


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """A real human utterance (LibriVox, 3 s): "he was not an ill disposed young man"."""
    return load_clip(librivox_clips()[1].path)


@pytest.fixture(scope="module")
def webm(speech: np.ndarray) -> bytes:
    return encode(speech, "webm", "libopus", 48_000)


def test_config_choices_match_the_registry() -> None:
    assert Settings().asr.backend in ASRS.names()
    assert {"faster-whisper", "openai-whisper"} <= set(ASRS.names())


@pytest.mark.parametrize("spec", UPLOAD_FORMATS, ids=[spec[0] for spec in UPLOAD_FORMATS])
def test_every_upload_format_decodes_to_16k_mono(speech: np.ndarray, spec: tuple) -> None:
    _, container, codec, rate, layout, sample_format = spec
    data = encode(speech, container, codec, rate, layout, sample_format)
    audio = decode_audio(data)
    assert audio.sample_rate == SR and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.source_rate == rate and audio.source_channels == (2 if layout == "stereo" else 1)
    assert abs(audio.duration_s - len(speech) / SR) < 0.06
    # Same loudness, and the same sound: the 10 ms envelopes line up (codec delay up to 50 ms allowed).
    ratio = np.sqrt(np.mean(audio.samples**2) / np.mean(speech**2))
    assert 0.9 < ratio < 1.1
    assert _envelope_match(speech, audio.samples) > 0.95


def _envelope_match(a: np.ndarray, b: np.ndarray) -> float:
    def envelope(x: np.ndarray) -> np.ndarray:
        return np.abs(x[: len(x) // 160 * 160]).reshape(-1, 160).mean(axis=1)

    env_a, env_b = envelope(a), envelope(b)
    n = min(len(env_a), len(env_b)) - 5
    return max(float(np.corrcoef(env_a[:n], env_b[lag : lag + n])[0, 1]) for lag in range(6))


def test_a_file_path_and_in_memory_audio_work_too(tmp_path: Path, webm: bytes, speech: np.ndarray) -> None:
    path = tmp_path / "question.webm"
    path.write_bytes(webm)
    assert decode_audio(path).duration_s == pytest.approx(decode_audio(webm).duration_s)
    stereo_44k = np.repeat(speech[::1], 1)[:, None].repeat(2, axis=1)
    wrapped = DecodedAudio.from_array(stereo_44k, sample_rate=SR)
    assert load_audio(wrapped, max_seconds=10, max_bytes=1) is wrapped


def _codes(error: pytest.ExceptionInfo[BadAudio]) -> str:
    assert error.value.message_zh and error.value.message_en != error.value.message_zh
    return error.value.code


def test_empty_garbage_and_non_audio_files_are_refused_clearly(tmp_path: Path) -> None:
    cases = {
        b"": "empty",
        b"\x00" * 1000: "unsupported",
        np.random.default_rng(0).bytes(5000): "unsupported",
        b"%PDF-1.7\n1 0 obj\n": "unsupported",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100: "unsupported",
        b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n": "unsupported",  # never handed to FFmpeg
        b"OggS" + np.random.default_rng(1).bytes(3000): "corrupt",
        b"\x1a\x45\xdf\xa3" + np.random.default_rng(2).bytes(3000): "corrupt",
    }
    for data, code in cases.items():
        with pytest.raises(BadAudio) as error:
            decode_audio(data)
        assert _codes(error) == code, data[:20]
    with pytest.raises(BadAudio) as error:
        decode_audio(tmp_path / "missing.wav")
    assert error.value.code == "not_found"


def test_header_only_and_truncated_files_are_refused(speech: np.ndarray, webm: bytes) -> None:
    wav = encode(speech, "wav", "pcm_s16le")
    m4a = encode(speech, "ipod", "aac", 44_100)
    flac = encode(speech, "flac", "flac")
    for data in (
        wav[:44],
        wav[: len(wav) // 2],
        webm[:200],
        webm[: len(webm) // 2],
        m4a[: len(m4a) // 2],
        flac[:2000],
    ):
        with pytest.raises(BadAudio) as error:
            decode_audio(data)
        assert error.value.code in ("truncated", "corrupt", "no_samples")
    header_only = (
        b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, SR, 2 * SR, 2, 16)
    )
    with pytest.raises(BadAudio) as error:
        decode_audio(header_only + b"data" + struct.pack("<I", 0))
    assert error.value.code == "no_samples"


def test_size_limit_is_checked_before_opening(webm: bytes) -> None:
    with pytest.raises(BadAudio) as error:
        decode_audio(webm, max_bytes=1000)
    assert error.value.code == "too_large"
    assert "MiB" in str(error.value)


def test_a_two_hour_file_is_refused_from_its_header(tmp_path: Path) -> None:
    """A real two-hour WAV (8 kHz, 8-bit, sparse on disk): refused by its header, nothing decoded."""
    path = tmp_path / "two-hours.wav"
    data_bytes = 2 * 3600 * 8000
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8) + b"data" + struct.pack("<I", data_bytes)
    with open(path, "wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + data_bytes)
    with pytest.raises(BadAudio) as error:
        decode_audio(path, max_seconds=120, max_bytes=1 << 30)
    assert error.value.code == "too_long" and "7200 s" in str(error.value)


def test_a_header_claiming_hours_is_refused_before_decoding(webm: bytes) -> None:
    """WebM whose Duration says two hours: refused as too long (decoding would have found 3 s)."""
    at = webm.find(b"\x44\x89\x88")  # Segment Duration, 8-byte float, in milliseconds
    assert at > 0
    lying = webm[: at + 3] + struct.pack(">d", 7200_000.0) + webm[at + 11 :]
    with pytest.raises(BadAudio) as error:
        decode_audio(lying)
    assert error.value.code == "too_long"


def test_decoding_stops_at_the_limit_when_the_header_lies_or_says_nothing(
    speech: np.ndarray, webm: bytes
) -> None:
    at = webm.find(b"\x44\x89\x88")
    says_one_second = webm[: at + 3] + struct.pack(">d", 1000.0) + webm[at + 11 :]
    live = encode(
        speech, "webm", "libopus", 48_000, options={"live": "1"}
    )  # MediaRecorder style: no duration
    for data in (says_one_second, live):
        with pytest.raises(BadAudio) as error:
            decode_audio(data, max_seconds=1.5)
        assert error.value.code == "too_long"
    assert decode_audio(live, max_seconds=5).duration_s == pytest.approx(len(speech) / SR, abs=0.06)
    with pytest.raises(BadAudio):
        load_audio(DecodedAudio.from_array(np.zeros(SR * 10)), max_seconds=5, max_bytes=1 << 20)


def test_sniffing_only_names_audio_containers() -> None:
    assert sniff_container(b"RIFF\x00\x00\x00\x00WAVE") == "wav"
    assert sniff_container(b"\x00\x00\x00\x20ftypM4A ") == "mov"
    assert sniff_container(b"ID3\x04") == "mp3"
    assert sniff_container(b"\xff\xf1\x50\x80") == "aac"
    assert sniff_container(b"\xff\xfb\x90\x00") == "mp3"
    assert sniff_container(b"<html>") is None


def test_vad_keeps_speech_and_trims_silence(speech: np.ndarray) -> None:
    padded = np.concatenate([np.zeros(3 * SR), speech, np.zeros(4 * SR)]).astype(np.float32)
    found = find_speech(DecodedAudio.from_array(padded))
    assert len(found.spans) == 1
    start, end = found.spans[0]
    assert 2.5 < start < 3.2 and 5.8 < end < 6.6
    assert found.seconds < 4.0 and found.heard_s > 2.0


@pytest.mark.parametrize("name", list(non_speech_clips()))
def test_vad_hears_no_speech_in_silence_noise_or_music(name: str) -> None:
    with pytest.raises(NoSpeech) as error:
        find_speech(DecodedAudio.from_array(non_speech_clips()[name]))
    assert str(error.value) == "no speech heard" and error.value.message_zh == "没有听到说话"


def test_a_very_short_clip_is_no_speech() -> None:
    with pytest.raises(NoSpeech):
        find_speech(DecodedAudio.from_array(np.zeros(SR // 10)))


def test_chinese_text_is_simplified_with_punctuation() -> None:
    assert tidy_chinese(["孩子考試前總是很緊張,我該怎麼幫助他?"]) == "孩子考试前总是很紧张，我该怎么帮助他？"
    assert tidy_chinese(["天地玄黄宇宙 洪荒"]) == "天地玄黄宇宙，洪荒。"
    assert tidy_chinese(["我最近睡不着", "应该怎么办"]) == "我最近睡不着，应该怎么办。"
    assert tidy_chinese(["价格是3.5元,对吗?"]) == "价格是3.5元，对吗？"
    assert tidy_chinese(["我想买iPhone 15, 多少钱?"]) == "我想买iPhone 15，多少钱？"


def test_language_names_and_choice() -> None:
    assert [normalise_language(x) for x in ("zh-CN", "Chinese", "en_US", "auto", "", None, "fr")] == [
        "zh",
        "zh",
        "en",
        None,
        None,
        None,
        "fr",
    ]
    # Whisper base sometimes hears Mandarin as Japanese; the advisor only chooses between zh and en.
    assert choose_language({"ja": 0.55, "zh": 0.40, "en": 0.01}) == ("zh", 0.40)


def test_stock_hallucinations_are_recognised() -> None:
    assert looks_hallucinated("Thank you.") and looks_hallucinated("謝謝觀看！")
    assert looks_hallucinated("字幕由Amara.org社区提供")
    assert not looks_hallucinated("Thank you for the advice about my pension.")


def test_error_rates() -> None:
    assert wer("and mister john dashwood", "And Mr. John Dashwood.") == (0, 4)
    assert wer("he was not an ill disposed young man", "He was not an ill-disposed young man.") == (0, 8)
    assert wer("one two three four five", "1, 2, 3, 4, 5.") == (0, 5)
    assert wer("ten of clubs", "10 of clothes") == (1, 3)
    assert cer("七天内可以退货吗？", "7天内可以退货吗") == (0, 8)
    assert chinese_characters("這是10元。") == list("这是10元")


@pytest.mark.parametrize(
    ("reference", "hypothesis"),
    [
        ("每年不超过16000元；", "每年不超过16,000元"),  # thousands separator
        ("每年不超过16000元", "每年不超过一万六千元"),  # a cardinal in characters
        ("利率是2.35%", "利率是百分之二点三五"),
        ("三万五千元", "35000元"),
        ("一千五百", "一千五"),  # the colloquial short form
        ("拨打120", "拨打幺二零"),  # a phone number read digit by digit
        ("２０２６年，ＥＴＦ", "2026年 etf"),  # full width and case
    ],
)
def test_chinese_numbers_score_the_same_in_any_form(reference: str, hypothesis: str) -> None:
    assert cer(reference, hypothesis)[0] == 0, (chinese_characters(reference), chinese_characters(hypothesis))


def test_chinese_number_scoring_still_counts_real_errors() -> None:
    assert cer("16000元", "16500元") == (1, 6)
    assert cer("一二三四五六七八九十", "1234567890") == (1, 11)  # "十" heard as "0"
    assert cer("一下", "一些") == (1, 2)  # numerals inside words stay comparable


def test_the_fake_transcriber_still_enforces_limits(webm: bytes) -> None:
    fake = ScriptedTranscriber(replies=[("你好", "zh")])
    assert fake.transcribe(webm).text == "你好"
    with pytest.raises(BadAudio):
        fake.transcribe(b"")
    settings = Settings()
    settings.asr.backend = "fake"
    assert create_asr(settings).name == "fake"
