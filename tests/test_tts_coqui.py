"""Coqui TTS backend, proven on a VITS model built from its config with random weights (no voice ships)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.config import Settings, TTSSettings
from advisor.tts import SentenceSpeaker, TTSError, create_tts
from advisor.tts.base import duration_s, pcm16_to_float
from advisor.tts.coqui import CoquiSynthesizer, parse_voice


def _coqui_importable() -> str:
    try:
        import TTS.api
        import TTS.tts.models.vits  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"coqui-tts is not usable here: {exc}"
    return ""


coqui_reason = _coqui_importable()
needs_coqui = pytest.mark.skipif(bool(coqui_reason), reason=coqui_reason or "ok")


@pytest.fixture(scope="module")
def random_vits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny VITS saved the way Coqui saves trained models: config.json beside model.pth."""
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    torch.manual_seed(0)
    config = VitsConfig(
        model_args=VitsArgs(
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_heads_text_encoder=2,
            num_layers_text_encoder=1,
            upsample_initial_channel_decoder=32,
            num_layers_flow=1,
            num_layers_posterior_encoder=1,
            resblock_type_decoder="2",
        ),
        use_phonemes=False,
        text_cleaner="basic_cleaners",
    )
    model = Vits(config)
    folder = tmp_path_factory.mktemp("coqui-vits")
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder


def test_voice_options_parse() -> None:
    assert parse_voice(
        "tts_models/multilingual/multi-dataset/xtts_v2|speaker=Ana Florence|language=zh-cn"
    ) == (
        "tts_models/multilingual/multi-dataset/xtts_v2",
        {"speaker": "Ana Florence", "language": "zh-cn"},
    )
    with pytest.raises(TTSError):
        parse_voice("x|colour=blue")
    with pytest.raises(TTSError):
        CoquiSynthesizer("")


def test_a_missing_local_model_is_a_tts_error(tmp_path: Path) -> None:
    with pytest.raises(TTSError):
        list(CoquiSynthesizer(str(tmp_path)).synthesize("hello", "en"))  # a folder without config.json


@pytest.mark.slow
@needs_coqui
def test_coqui_speaks_with_a_model_built_from_its_config(random_vits: Path) -> None:
    voice = CoquiSynthesizer(str(random_vits))
    chunks = list(voice.synthesize("hello world, this is a test.", "en"))
    assert len(chunks) == 1 and chunks[0].sample_rate == 22050
    assert duration_s(chunks[0]) > 0.1
    samples = pcm16_to_float(chunks[0].audio)
    assert samples.std() > 0  # random weights: noise, but real model output
    assert voice.name == f"coqui:{random_vits.name}"


@pytest.mark.slow
@needs_coqui
def test_coqui_is_chosen_by_settings_and_streams_through_the_speaker(random_vits: Path) -> None:
    voices = create_tts(
        Settings(tts=TTSSettings(backend="coqui", english_voice=str(random_vits / "model.pth")))
    )
    assert voices.specs["en"] == f"coqui:{random_vits / 'model.pth'}"
    speaker = SentenceSpeaker(voices)
    chunks = list(speaker.speak(["first sentence.", "second sentence."], "en"))
    assert [c.sentence for c in chunks] == ["first sentence.", "second sentence."]
    assert speaker.voices_used == ["coqui:model.pth", "coqui:model.pth"] and not speaker.notices
