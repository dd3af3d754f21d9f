"""The transformers backend, run for real on a tiny random-weight Qwen2 and a self-built tokenizer, offline."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from advisor.config import LLMSettings
from advisor.llm.base import LLMUnavailable, stream_text
from advisor.llm.transformers_backend import (
    GENERATION_THREAD_NAME,
    TransformersChatModel,
    create_transformers_chat,
)

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

SENTENCES = [
    "the advisor answers questions about crops soil and water",
    "farmers ask about rain seeds rice wheat and maize",
    "the weather is dry so the plants in the field need more water",
    "Be brief. What about rain? Use seeds.",
]
TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
MESSAGES = [SystemMessage("Be brief."), HumanMessage("What about rain?")]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A byte-level BPE tokenizer trained in memory plus a 2-layer Qwen2 with random weights, as one folder.

    Byte-level BPE because AutoTokenizer rebuilds any qwen2 checkpoint's tokenizer as Qwen2Tokenizer (byte-level
    pre-tokenizer and decoder) from tokenizer.json's vocab and merges, as it would for a real Qwen2.5 download.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    folder = tmp_path_factory.mktemp("tiny-qwen2")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]
    tok.train_from_iterator(SENTENCES, trainers.BpeTrainer(vocab_size=150, special_tokens=specials))
    eos = "<|endoftext|>"
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=eos, pad_token=eos, unk_token=eos
    )
    fast.chat_template = TEMPLATE
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.Qwen2Config(
        vocab_size=len(fast),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=fast.pad_token_id,
        eos_token_id=None,  # random weights must not end early by chance: every run uses its full budget
        bos_token_id=None,
    )
    transformers.Qwen2ForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def chat(path: Path, **fields: Any) -> TransformersChatModel:
    return TransformersChatModel(**{"model": str(path), "temperature": 0, "max_new_tokens": 30, **fields})


def count_forward_passes(model: TransformersChatModel) -> list[int]:
    calls: list[int] = []
    model._load()[1].register_forward_hook(lambda *_: calls.append(1))
    return calls


def generation_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == GENERATION_THREAD_NAME and t.is_alive()]


def test_streams_chunks_and_greedy_is_deterministic(tiny_model: Path) -> None:
    model = chat(tiny_model)
    chunks = list(model.stream(MESSAGES))
    texts = [c.content for c in chunks if c.content]
    assert len(texts) > 3 and all(isinstance(t, str) for t in texts)
    first = "".join(stream_text(model, MESSAGES))
    assert first.strip() and first == "".join(str(t) for t in texts)
    assert "".join(stream_text(model, MESSAGES)) == first
    assert model.invoke(MESSAGES).content == first  # _generate goes through the same stream
    assert not generation_threads()


def test_sampling_runs(tiny_model: Path) -> None:
    assert "".join(stream_text(chat(tiny_model, temperature=0.8), MESSAGES)).strip()


def test_chat_template_maps_roles(tiny_model: Path) -> None:
    model = chat(tiny_model)
    history = [*MESSAGES, AIMessage("use seeds"), HumanMessage("and soil")]
    prompt = model._prompt(model._load()[0], history)
    assert prompt == (
        "<|system|> Be brief. <|user|> What about rain? <|assistant|> use seeds <|user|> and soil <|assistant|>"
    )


def test_without_chat_template_falls_back_to_transcript(tiny_model: Path) -> None:
    class NoTemplate:
        chat_template = None

    prompt = chat(tiny_model)._prompt(NoTemplate(), MESSAGES)
    assert prompt == "system: Be brief.\nuser: What about rain?\nassistant:"


def test_max_new_tokens_bounds_length(tiny_model: Path) -> None:
    full = "".join(stream_text(chat(tiny_model), MESSAGES))
    short_model = chat(tiny_model, max_new_tokens=5)
    calls = count_forward_passes(short_model)
    short = "".join(stream_text(short_model, MESSAGES))
    assert len(calls) == 5  # exactly five decoding steps
    assert short and len(short) < len(full) and full.startswith(short)  # greedy: the first five tokens of 30


def test_stop_string_cuts_output_and_ends_generation(tiny_model: Path) -> None:
    model = chat(tiny_model)
    full = "".join(stream_text(model, MESSAGES))
    stop = full[len(full) // 2 :][:4]  # text that really comes up; the cut is at its first occurrence
    expected = full[: full.index(stop)]
    calls = count_forward_passes(model)
    cut = "".join(stream_text(model, MESSAGES, stop=[stop, "never appears"]))
    assert cut == expected and stop not in cut
    assert len(calls) < 30  # generation stopped at the stop string, not at max_new_tokens


def test_stop_string_at_the_start_gives_empty_answer(tiny_model: Path) -> None:
    model = chat(tiny_model)
    full = "".join(stream_text(model, MESSAGES))
    assert model.invoke(MESSAGES, stop=[full[:2]]).content == ""


def test_closing_stream_early_stops_the_generation_thread(tiny_model: Path) -> None:
    model = chat(tiny_model, max_new_tokens=500)
    calls = count_forward_passes(model)
    # 10 ms a step: the worker cannot race far ahead of the consumer, and 500 steps would take 5 s.
    model._load()[1].register_forward_pre_hook(lambda *_: time.sleep(0.01))
    stream = stream_text(model, MESSAGES)
    assert isinstance(stream, Generator)
    next(stream)
    assert generation_threads()
    stream.close()
    assert not generation_threads()
    assert len(calls) < 50, len(calls)  # stopped within a step or two, not after 500 tokens


def test_generation_error_is_raised_not_hung(tiny_model: Path) -> None:
    with pytest.raises(ValueError):
        "".join(stream_text(chat(tiny_model, max_new_tokens=-1), MESSAGES))
    assert not generation_threads()


def test_loads_once_across_calls_and_threads(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    original = transformers.AutoModelForCausalLM.from_pretrained

    def counting(name: str, **kwargs: Any) -> Any:
        loads.append(name)
        return original(name, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", counting)
    model = chat(tiny_model, max_new_tokens=8)
    outputs: list[str] = []
    workers = [
        threading.Thread(target=lambda: outputs.append("".join(stream_text(model, MESSAGES))))
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    outputs.append("".join(stream_text(model, MESSAGES)))
    assert loads == [str(tiny_model)]
    assert len(set(outputs)) == 1 and outputs[0]  # concurrent greedy runs do not disturb each other


def test_missing_path_is_unavailable_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(LLMUnavailable) as err:
        "".join(stream_text(TransformersChatModel(model=str(missing)), MESSAGES))
    message = str(err.value)
    assert str(missing) in message and "no such folder" in message
    assert "HF_HUB_OFFLINE=1" in message and "local path" in message


def test_factory_requires_a_model() -> None:
    with pytest.raises(LLMUnavailable, match="ADVISOR_LLM__MODEL"):
        create_transformers_chat(LLMSettings(backend="transformers", model=""))


def test_factory_builds_the_backend(tiny_model: Path) -> None:
    model = create_transformers_chat(LLMSettings(backend="transformers", model=str(tiny_model)))
    assert isinstance(model, TransformersChatModel) and model._llm_type == "transformers"
    assert model._model is None  # lazy: nothing is loaded until the first call
