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


def test_the_default_backend_runs_the_model_in_a_supervised_worker(tmp_path: Path) -> None:
    from advisor.llm.supervised import SupervisedChatModel

    model = create_llm(Settings(data_dir=tmp_path))
    assert isinstance(model, SupervisedChatModel)
    assert model.spec["model_path"].endswith(QWEN_05B.filename) and model.spec["requantize"] == "q8_0"
    assert model.pid is None  # nothing starts before the first use


def test_the_default_backend_assembles_the_packaged_model_and_converts_it_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm={"worker_process": False})
    model = create_llm(settings)
    assert isinstance(model, LlamaCppChatModel)
    models = tmp_path / "models"
    assert (models / QWEN_05B.filename).stat().st_size == QWEN_05B.size  # verified against its sha256
    converted = Path(model.model_path)
    assert converted.parent == models and converted.name.endswith(".q8_0.gguf")
    assert converted.read_bytes()[:4] == b"GGUF"
    written = converted.stat().st_mtime_ns
    assert Path(create_llm(settings).model_path) == converted  # a second start reuses it ...
    assert converted.stat().st_mtime_ns == written
    converted.write_bytes(b"GGUF truncated")  # ... unless it is not the file that was made
    assert Path(create_llm(settings).model_path) == converted
    assert converted.stat().st_size > 100_000_000
    as_packaged = create_llm(Settings(data_dir=tmp_path, llm={"requantize": "", "worker_process": False}))
    assert Path(as_packaged.model_path) == models / QWEN_05B.filename  # type: ignore[attr-defined]


@pytest.mark.slow
def test_each_system_prompt_keeps_its_cached_prefix_and_answers_the_same(default_llm) -> None:  # type: ignore[no-untyped-def]
    """Switching language does not throw away the other language's cached prefix: its state is saved and
    restored, and what the model says from a restored state is what it says from a fresh read."""
    from langchain_core.messages import HumanMessage, SystemMessage

    zh = [SystemMessage("规则：只根据资料回答，用简体中文。"), HumanMessage("一年有几个季节？")]
    en = [SystemMessage("Rules: answer only from the sources, in English."), HumanMessage("Hello")]
    llama = default_llm.load()
    with default_llm._lock:
        llama.reset()  # a fresh read of the Chinese prompt
    first = default_llm.invoke(zh, max_tokens=12, temperature=0.0).content
    default_llm.invoke(en, max_tokens=2)
    swaps = default_llm._states.swaps
    with default_llm._lock:
        default_llm._ready([{"role": "system", "content": zh[0].content}])
        held = llama.detokenize(list(llama.input_ids[: llama.n_tokens])).decode("utf-8", "ignore")
    assert default_llm._states.swaps == swaps + 1
    assert zh[0].content in held and "Rules:" not in held  # the Chinese prompt's state is back ...
    assert "季节" not in held  # ... up to its system prompt: the question was that turn's own
    assert default_llm.invoke(zh, max_tokens=12, temperature=0.0).content == first
    assert len(default_llm._states.keys()) <= default_llm.prompt_states


def test_without_extra_buffers_the_model_loads_plain_and_answers(default_llm: LlamaCppChatModel) -> None:
    """Where the build has AMX that the OS does not grant, the model is loaded this way
    (use_extra_bufts = False: no AMX or repacked weight buffers); it must still answer."""
    plain = LlamaCppChatModel(model_path=default_llm.model_path, extra_buffers=False, max_tokens=8)
    llama = plain.load()
    assert llama.model_params.use_extra_bufts is False
    assert default_llm.load().model_params.use_extra_bufts is True  # left as it was for everyone else
    assert "".join(stream_text(plain, [HumanMessage("Say OK.")])).strip()
