"""Speech recognition on the real packaged Whisper base, through both backends.

The model is assembled (and converted for openai-whisper) once per test session in a shared folder;
each engine loads once per process, as in production.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from advisor.asr import NoSpeech, Transcription, create_asr
from advisor.asr.audio import DecodedAudio
from advisor.asr.cli import register
from advisor.asr.convert import ct2_to_openai_state, read_ct2
from advisor.asr.packaged import WHISPER_BASE, assemble_folder
from advisor.asr.pipeline import Engine, Segment, WhisperTranscriber, loads
from advisor.config import ASRSettings, Settings
from bench.asr_metrics import cer, wer
from bench.asr_samples import SR, chinese_clips, encode, librivox_clips, load_clip, music, noise

pytestmark = pytest.mark.slow

ENGLISH = librivox_clips()[1]  # "he was not an ill disposed young man", read by a LibriVox volunteer
CHINESE = chinese_clips()[1]  # 孩子考试前总是很紧张，我该怎么帮助他？


@pytest.fixture(scope="session")
def asr_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("asr-data")


def _settings(data: Path, backend: str) -> Settings:
    settings = Settings(data_dir=data)
    settings.asr.backend = backend
    return settings


@pytest.fixture(scope="module")
def english() -> np.ndarray:
    return load_clip(ENGLISH.path)


def _assert_english(result: Transcription) -> None:
    edits, words = wer(ENGLISH.text, result.text)
    assert edits / words <= 0.1, result.text
    assert result.language == "en" and result.language_probability > 0.8


def test_faster_whisper_transcribes_english_and_loads_once(asr_data: Path) -> None:
    settings = _settings(asr_data, "faster-whisper")
    first = create_asr(settings).transcribe_timed(ENGLISH.path)
    _assert_english(first)
    assert first.transcript.duration_s == pytest.approx(2.99, abs=0.01)
    assert set(first.timings_ms) >= {"decode", "vad", "load", "detect", "asr", "total"}
    # A second transcriber from the same settings shares the loaded model.
    second = create_asr(settings).transcribe_timed(ENGLISH.path.read_bytes(), language="en")
    assert second.text == first.text and second.timings_ms["load"] == 0.0
    assert loads[("faster-whisper", WHISPER_BASE.sha256, 2)] == 1


def test_chinese_comes_out_simplified_with_punctuation(asr_data: Path) -> None:
    result = create_asr(_settings(asr_data, "faster-whisper")).transcribe_timed(CHINESE.path)
    assert result.language == "zh"
    edits, chars = cer(CHINESE.text, result.text)
    assert edits / chars <= 0.15, result.text
    assert "，" in result.text and result.text[-1] in "。？！"
    assert not set(result.text) & set("試總緊張該麼幫")  # the Traditional forms Whisper base tends to write


def test_language_detection_and_decoding_share_one_encoder_pass(
    asr_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 30 s encoder pass is about half of a short clip's time: detecting the language must not
    run it a second time, and the transcript must be what decoding with the language given gives."""
    from faster_whisper import WhisperModel

    passes = []
    encode = WhisperModel.encode

    def counted(self, features):  # type: ignore[no-untyped-def]
        passes.append(features.shape)
        return encode(self, features)

    transcriber = create_asr(_settings(asr_data, "faster-whisper"))
    told = transcriber.transcribe(CHINESE.path, language="zh")
    monkeypatch.setattr(WhisperModel, "encode", counted)
    detected = transcriber.transcribe_timed(CHINESE.path)
    assert len(passes) == 1 and detected.language == "zh"
    assert detected.text == told.text


@pytest.mark.slow
def test_openai_whisper_also_encodes_each_clip_once(asr_data: Path) -> None:
    transcriber = create_asr(_settings(asr_data, "openai-whisper"))
    told = transcriber.transcribe(CHINESE.path, language="zh")
    engine, _ = transcriber.engine()  # type: ignore[attr-defined]
    passes: list[object] = []
    hook = engine.model.encoder.conv1.register_forward_hook(lambda *_: passes.append(1))
    try:
        detected = transcriber.transcribe_timed(CHINESE.path)
    finally:
        hook.remove()
    assert len(passes) == 1 and detected.language == "zh"
    assert detected.text == told.text


def test_browser_and_phone_uploads_transcribe(asr_data: Path, english: np.ndarray) -> None:
    """A 48 kHz WebM/Opus (browser microphone) and an AAC .m4a (phone), with silence around the speech."""
    asr = create_asr(_settings(asr_data, "faster-whisper"))
    padded = np.concatenate([np.zeros(2 * SR), english, noise(2, "white", 0.003)]).astype(np.float32)
    for data in (encode(padded, "webm", "libopus", 48_000), encode(padded, "ipod", "aac", 44_100)):
        result = asr.transcribe_timed(data)
        _assert_english(result)
        assert result.speech_s < result.transcript.duration_s - 2.5  # VAD trimmed the silence


@pytest.mark.parametrize(
    "clip",
    [np.zeros(4 * SR, np.float32), noise(4, "white", 0.1), music(5, seed=3, style="band")],
    ids=["silence", "white-noise", "music"],
)
def test_no_speech_gives_no_text(asr_data: Path, clip: np.ndarray) -> None:
    asr = create_asr(_settings(asr_data, "faster-whisper"))
    with pytest.raises(NoSpeech):
        asr.transcribe(encode(clip, "webm", "libopus", 48_000))


def test_concurrent_requests_share_one_model(asr_data: Path, english: np.ndarray) -> None:
    """Two threads transcribe at once through separate transcribers: both right, one load in total."""
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(create_asr(_settings(asr_data, "faster-whisper")).transcribe(english).text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 2 and results[0] == results[1]
    assert loads[("faster-whisper", WHISPER_BASE.sha256, 2)] == 1


def test_openai_whisper_runs_the_converted_packaged_weights(asr_data: Path) -> None:
    result = create_asr(_settings(asr_data, "openai-whisper")).transcribe_timed(ENGLISH.path)
    _assert_english(result)
    assert result.backend == "openai-whisper" and result.model.endswith("whisper-base-openai.pt")
    assert (asr_data / "models" / "whisper-base-openai.pt").is_file()


def test_the_conversion_is_exact(asr_data: Path) -> None:
    """Every tensor openai-whisper expects is there, with the CTranslate2 values, q/k/v split back."""
    import whisper

    folder = assemble_folder(WHISPER_BASE, asr_data / "models")
    variables = read_ct2(folder / "model.bin")
    dims, state = ct2_to_openai_state(variables)
    expected = whisper.model.Whisper(whisper.model.ModelDimensions(**dims)).state_dict()
    assert set(state) == set(expected) - {"alignment_heads"}
    for name, tensor in expected.items():
        if name in state:
            assert tuple(state[name].shape) == tuple(tensor.shape), name
    qkv = variables["encoder/layer_2/self_attention/linear_0/weight"]
    assert np.array_equal(state["encoder.blocks.2.attn.value.weight"], qkv[2 * 512 :])
    assert dims["n_mels"] == 80 and dims["n_text_layer"] == 6


def test_a_users_own_ctranslate2_folder_works_for_both_backends(asr_data: Path, tmp_path: Path) -> None:
    folder = assemble_folder(WHISPER_BASE, asr_data / "models")
    for backend in ("faster-whisper", "openai-whisper"):
        settings = _settings(tmp_path, backend)
        settings.asr.model = str(folder)
        transcriber = create_asr(settings)
        assert isinstance(transcriber, WhisperTranscriber)
        assert transcriber.engine_key()[1] == str(folder)
    settings = _settings(tmp_path, "openai-whisper")
    settings.asr.model = str(folder)
    checkpoint, heads = create_asr(settings)._checkpoint()  # type: ignore[attr-defined]
    assert Path(checkpoint).is_file() and Path(checkpoint).parent == tmp_path / "models"
    assert (3, 1) in heads


def test_an_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    from advisor.asr import ASRUnavailable

    settings = _settings(tmp_path, "faster-whisper")
    (tmp_path / "not-a-model").mkdir()
    settings.asr.model = str(tmp_path / "not-a-model")
    with pytest.raises(ASRUnavailable) as error:
        create_asr(settings).transcribe(load_clip(ENGLISH.path))
    assert "could not be loaded" in str(error.value)


class _StockPhraseEngine:
    """Says "Thank you." and doubts it heard speech, as Whisper does over noise."""

    model_name = "stock"

    def detect(self, audio: object) -> dict[str, float]:
        return {"en": 0.9}

    def decode(
        self, audio: object, language: str, prompt: str | None, hotwords: str | None = None, **_: object
    ) -> list[Segment]:
        return [Segment(" Thank you.", no_speech_prob=0.45, avg_logprob=-0.7)]


class _StockTranscriber(WhisperTranscriber):
    name = "stock"

    def engine_key(self) -> tuple[object, ...]:
        return ("stock",)

    def load_engine(self) -> Engine:
        return _StockPhraseEngine()


def test_stock_phrases_that_whisper_doubts_are_refused(english: np.ndarray, tmp_path: Path) -> None:
    with pytest.raises(NoSpeech):
        _StockTranscriber(ASRSettings(), tmp_path).transcribe(DecodedAudio.from_array(english))


class _SlowLoadingTranscriber(_StockTranscriber):
    """Its engine takes a while to load, so concurrent first requests overlap in loading."""

    barrier = threading.Barrier(4)

    def engine_key(self) -> tuple[object, ...]:
        return ("slow-loading",)

    def load_engine(self) -> Engine:
        threading.Event().wait(0.2)
        return _StockPhraseEngine()


def test_concurrent_first_requests_load_the_model_once(tmp_path: Path) -> None:
    engines: list[object] = []

    def first_request() -> None:
        _SlowLoadingTranscriber.barrier.wait()
        engines.append(_SlowLoadingTranscriber(ASRSettings(), tmp_path).engine()[0])

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(engines) == 4 and all(engine is engines[0] for engine in engines)
    assert loads[("slow-loading",)] == 1


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """advisor"""

    register(app)
    return app


def test_cli_prints_text_language_and_timings(asr_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(asr_data))
    runner = CliRunner()
    result = runner.invoke(_cli(), ["transcribe", str(ENGLISH.path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["language"] == "en" and "ill" in payload["text"].lower()
    assert payload["timings_ms"]["total"] > 0 and payload["backend"] == "faster-whisper"
    plain = runner.invoke(_cli(), ["transcribe", str(ENGLISH.path), "--language", "en"])
    assert plain.exit_code == 0 and "young man" in plain.stdout and "[en" in plain.stdout


def test_cli_bad_audio_is_one_line_and_exit_1(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = tmp_path / "empty.webm"
    empty.write_bytes(b"")
    result = runner.invoke(_cli(), ["transcribe", str(empty)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: the audio file is empty / 音频文件是空的"
    silent = tmp_path / "silent.wav"
    silent.write_bytes(encode(np.zeros(3 * SR, np.float32), "wav", "pcm_s16le"))
    result = runner.invoke(_cli(), ["transcribe", str(silent), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "no_speech"


@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_a_token_budget_ends_the_reading_there(asr_data: Path, english: np.ndarray, backend: str) -> None:
    """A draft's budget: one pass that stops at `max_tokens` (a draft of speech cut off mid-word once
    repeated a character to Whisper's limit and retried at five temperatures, 8 s, while the final
    reading of the question waited)."""
    transcriber = create_asr(_settings(asr_data, backend))
    engine, _ = transcriber.engine()  # type: ignore[attr-defined]
    whole = " ".join(s.text for s in engine.decode(english, "en", None)).split()
    short = " ".join(s.text for s in engine.decode(english, "en", None, beams=1, max_tokens=3)).split()
    assert len(whole) >= 5 and 1 <= len(short) <= 3, (whole, short)
    # A budget never pushes the request past Whisper's context beside a long hint and prompt.
    crowded = engine.decode(english, "en", "Library cards.", "Riverside " * 300, max_tokens=300)
    assert " ".join(s.text for s in crowded).strip()


def test_a_draft_reading_is_greedy_and_has_a_budget_for_its_length(
    asr_data: Path, english: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.asr.budget import draft_tokens

    transcriber = create_asr(_settings(asr_data, "faster-whisper"))
    engine, _ = transcriber.engine()  # type: ignore[attr-defined]
    calls: list[dict[str, object]] = []
    decode = engine.decode
    monkeypatch.setattr(engine, "decode", lambda *a, **k: calls.append(k) or decode(*a, **k))
    transcriber.transcribe_timed(english, "en", draft=True)
    transcriber.transcribe_timed(english, "en")
    budget = calls[0]["max_tokens"]
    assert calls[0]["beams"] == 1 and calls[0]["retries"] is False and isinstance(budget, int)
    assert draft_tokens(1.0) < budget <= draft_tokens(len(english) / 16000)  # the speech VAD kept of it
    # The reading that is answered keeps the full search and its retries, with room only a runaway fills.
    assert set(calls[1]) == {"max_tokens"} and calls[1]["max_tokens"] > budget  # type: ignore[operator]


def test_a_budget_fits_beside_the_prompt_or_is_not_set() -> None:
    from advisor.asr.budget import CONTEXT, fitted

    count = len  # one token per character, for the arithmetic
    assert fitted(100, 5.0, ["", None], count) == 100
    assert fitted(None, 5.0, [], count) is None
    # The hint words and the prompt are each cut to 223 tokens; the budget takes what is left.
    room = fitted(400, 5.0, ["x" * 150, "y" * 500], count)
    assert room is not None and room >= 32 and room + 150 + 223 < CONTEXT
    assert fitted(400, 5.0, ["x" * 300, "y" * 300], count) is None  # too little room: no budget
    assert fitted(100, 45.0, [], count) is None  # several windows: each one's prompt is the text before it
