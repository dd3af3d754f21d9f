"""The embedded default LLM: the packaged Qwen2.5 0.5B GGUF through llama.cpp, on real weights."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from advisor.config import Settings
from advisor.llm import LLMS, LLMUnavailable, create_llm, stream_text
from advisor.llm.llamacpp import LlamaCppChatModel
from advisor.models import QWEN_05B


@pytest.fixture
def qwen(default_llm: LlamaCppChatModel) -> LlamaCppChatModel:
    return default_llm


def test_config_choices_match_the_registry() -> None:
    assert Settings().llm.backend in LLMS.names()
    assert {"llamacpp", "openai", "transformers"} <= set(LLMS.names())


def test_streams_a_chinese_answer_from_a_source(qwen: LlamaCppChatModel) -> None:
    messages = [
        SystemMessage("只根据资料回答，用简体中文，一句话。"),
        HumanMessage("【资料】[1] 成人每天食盐不超过5克。\n\n【问题】成年人每天最多吃多少克盐？"),
    ]
    pieces = list(stream_text(qwen, messages))
    text = "".join(pieces)
    assert len(pieces) > 2, "tokens must stream, not arrive at once"
    assert "5" in text and re.search(r"[\u4e00-\u9fff]", text)


def test_streams_an_english_answer(qwen: LlamaCppChatModel) -> None:
    messages = [
        SystemMessage("Answer only from the source, in English, in one sentence."),
        HumanMessage(
            "[Source] [1] Adults need 7 to 9 hours of sleep a night.\n\n[Question] How much sleep do adults need?"
        ),
    ]
    text = "".join(stream_text(qwen, messages))
    assert "7" in text and "9" in text and not re.search(r"[\u4e00-\u9fff]", text)


def test_stopping_early_leaves_the_model_usable(qwen: LlamaCppChatModel) -> None:
    stream = stream_text(qwen, [HumanMessage("Count from 1 to 50.")])
    next(stream)
    stream.close()
    assert "".join(stream_text(qwen, [HumanMessage("Say OK.")]))


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file" * 100)
    with pytest.raises(LLMUnavailable, match="could not load"):
        LlamaCppChatModel(model_path=str(bogus)).load()
    with pytest.raises(LLMUnavailable, match="no GGUF model file"):
        LlamaCppChatModel(model_path=str(tmp_path / "missing.gguf")).load()


def test_the_default_backend_assembles_the_packaged_model(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    model = create_llm(settings)
    assert isinstance(model, LlamaCppChatModel)
    assert Path(model.model_path).parent == tmp_path / "models"
    assert Path(model.model_path).stat().st_size == QWEN_05B.size


@pytest.mark.slow
def test_prompts_that_start_alike_share_a_context_and_others_get_their_own(default_llm) -> None:  # type: ignore[no-untyped-def]
    """One context per prompt start (e.g. the Chinese and the English system prompt), so switching language
    does not throw away the other language's cached prefix."""
    from langchain_core.messages import HumanMessage, SystemMessage

    zh = [SystemMessage("规则：只根据资料回答，用简体中文。"), HumanMessage("你好")]
    en = [SystemMessage("Rules: answer only from the sources, in English."), HumanMessage("Hello")]
    default_llm.invoke(zh, max_tokens=2)
    default_llm.invoke(en, max_tokens=2)

    def payload(messages: list) -> list[dict]:  # type: ignore[type-arg]
        return [{"role": "system" if m.type == "system" else "user", "content": m.content} for m in messages]

    first, second = default_llm._context(payload(zh)), default_llm._context(payload(en))
    assert first is not second
    assert default_llm._context(payload(zh)) is first  # the Chinese prompt comes back to its own cache
    assert len(default_llm._contexts) <= default_llm.contexts
