"""The LLM profiles: `fast` (the 0.5B, run as Q8_0) and `quality` (the 1.5B, as packaged)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.llm import LLMUnavailable, create_llm
from advisor.models import PROFILES, QWEN_05B, QWEN_15B, profile_weights

QUALITY_INSTALLED = importlib.util.find_spec(QWEN_15B.modules[0]) is not None


def test_each_profile_names_its_model_and_the_weight_type_it_was_measured_best_at() -> None:
    assert profile_weights("fast", "auto") == (QWEN_05B, "q8_0")
    assert profile_weights("quality", "auto") == (QWEN_15B, "")
    assert profile_weights("fast", "") == (QWEN_05B, "")  # an explicit choice wins over the profile's
    assert set(PROFILES) == set(
        Settings.model_fields["llm"].annotation.model_fields["profile"].annotation.__args__
    )  # type: ignore[union-attr]


def test_an_unknown_profile_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="'fast' or 'quality'"):
        Settings(llm={"profile": "huge"})


@pytest.mark.skipif(QUALITY_INSTALLED, reason="the quality model is installed here")
def test_the_quality_profile_without_its_packages_says_how_to_install_them(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match="PROFILE=quality"):
        create_llm(Settings(data_dir=tmp_path, llm={"profile": "quality"}))


@pytest.mark.skipif(not QUALITY_INSTALLED, reason="make setup PROFILE=quality installs the 1.5B model")
def test_the_quality_profile_answers_from_the_assembled_1_5b_model(tmp_path: Path) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage

    from advisor.llm import stream_text
    from advisor.llm.supervised import SupervisedChatModel

    model = create_llm(Settings(data_dir=tmp_path, llm={"profile": "quality"}))
    assert isinstance(model, SupervisedChatModel)
    assert model.spec["model_path"].endswith(QWEN_15B.filename) and model.spec["requantize"] == ""
    try:
        messages = [
            SystemMessage("只根据资料回答，句末标注编号。"),
            HumanMessage(
                "【资料】\n[1] 《盐》成年人每天食盐摄入量不超过5克。\n\n【问题】成年人每天最多吃多少盐？"
            ),
        ]
        answer = "".join(stream_text(model, messages, max_tokens=40, temperature=0.0))
    finally:
        model.close()
    assert "5" in answer
    assert (tmp_path / "models" / QWEN_15B.filename).stat().st_size == QWEN_15B.size  # checked by sha256
