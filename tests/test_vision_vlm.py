"""The transformers VLM backend, proven offline on tiny models built from configs with random weights.

The tiny Idefics3 has SmolVLM v1's architecture and processor (SmolVLM-256M/500M-Instruct are Idefics3
models): a byte-level BPE tokenizer with the image tokens, the plain-PIL image processor, a chat template,
a 2-layer SigLIP-style vision tower and a 2-layer Llama, all saved to tmp_path and loaded back through
AutoProcessor / AutoModelForImageTextToText, exactly as a Hugging Face id would be.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisor.config import Settings, VisionSettings
from advisor.events import ImageText
from advisor.vision import VisionError, create_vision, load_image
from advisor.vision.combined import CombinedReader
from bench.vision_samples import cjk_font, png, render_text

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytestmark = pytest.mark.slow


IDEFICS3_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
    "{% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}"
    "{% elif part['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


def byte_level_tokenizer(specials: list[str], **tokens: str) -> Any:
    """A real byte-level BPE tokenizer (no merges): every UTF-8 byte is a token, Chinese included."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tokenizer = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(alphabet)}, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(specials)
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, **tokens)


def build_tiny_idefics3(folder: Path) -> Path:
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    grid = [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
    tokenizer = byte_level_tokenizer(
        ["<|endoftext|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>", "<image>",
         "<global-img>", *grid],
        bos_token="<|im_start|>", eos_token="<end_of_utterance>", pad_token="<|endoftext|>",
    )  # fmt: skip
    # 32 px tiles of 8 px patches, merged 2 x 2: 4 image tokens per tile; images split into up to 2 x 2 tiles.
    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": 64}, max_image_size={"longest_edge": 32}
    )
    processor = Idefics3Processor(
        image_processor=image_processor, tokenizer=tokenizer, image_seq_len=4, chat_template=IDEFICS3_TEMPLATE
    )
    config = Idefics3Config(
        text_config={
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 1024,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        scale_factor=2,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    torch.manual_seed(0)
    model = Idefics3ForConditionalGeneration(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_idefics3(tmp_path_factory.mktemp("tiny-idefics3"))


@pytest.fixture(scope="module")
def silent_vlm(tmp_path_factory: pytest.TempPathFactory, tiny_vlm: Path) -> Path:
    """The same model with a zero output layer: every logit is 0, so greedy decoding always picks token 0
    ("!"), which makes the decoded answer predictable."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    folder = tmp_path_factory.mktemp("silent-idefics3")
    model = AutoModelForImageTextToText.from_pretrained(tiny_vlm)
    with torch.no_grad():
        model.get_output_embeddings().weight.zero_()
    model.save_pretrained(folder)
    AutoProcessor.from_pretrained(tiny_vlm).save_pretrained(folder)
    return folder


def picture(colour: str = "white", size: tuple[int, int] = (120, 80)) -> Any:
    from PIL import Image

    return load_image(png(Image.new("RGB", size, colour)))


def test_a_tiny_vlm_loads_offline_and_generates(tiny_vlm: Path) -> None:
    from advisor.vision.transformers_vlm import TransformersVLM

    vlm = TransformersVLM(str(tiny_vlm), max_new_tokens=6)
    description = vlm.describe(picture(), "What is on the label?", "en")
    assert isinstance(description, str)
    assert type(vlm._processor).__name__ == "Idefics3Processor"
    assert type(vlm._processor.image_processor).__name__ == "Idefics3ImageProcessorPil"  # no torchvision
    assert type(vlm._model).__name__ == "Idefics3ForConditionalGeneration"


def test_the_prompt_goes_through_the_chat_template_with_the_image(tiny_vlm: Path) -> None:
    from advisor.vision.transformers_vlm import TransformersVLM

    vlm = TransformersVLM(str(tiny_vlm))
    batch = vlm.inputs(picture(size=(200, 100)), "标签上写了什么？", "zh")
    prompt = vlm._processor.tokenizer.decode(batch["input_ids"][0])
    assert prompt.startswith("<|im_start|>User:<fake_token_around_image>")
    assert "标签上写了什么？" in prompt and "请用简体中文回答" in prompt
    assert prompt.endswith("<end_of_utterance>\nAssistant:")
    image_id = vlm._processor.tokenizer.convert_tokens_to_ids("<image>")
    tiles = batch["pixel_values"].shape[1]
    assert tiles == 3  # split into 2 tiles of 32 px, plus the global image
    assert int((batch["input_ids"] == image_id).sum()) == tiles * 4


def test_the_image_reaches_the_model(tiny_vlm: Path) -> None:
    from advisor.vision.transformers_vlm import TransformersVLM

    vlm = TransformersVLM(str(tiny_vlm))
    logits = []
    for colour in ("white", "black"):
        batch = vlm.inputs(picture(colour), None, "en")
        with torch.no_grad():
            logits.append(vlm._model(**batch).logits[0, -1])
    assert not torch.allclose(logits[0], logits[1])


def test_only_the_new_tokens_are_decoded(silent_vlm: Path) -> None:
    from advisor.vision.transformers_vlm import TransformersVLM

    vlm = TransformersVLM(str(silent_vlm), max_new_tokens=5)
    assert vlm.describe(picture(), None, "en") == "!!!!!"
    assert vlm.read(picture(), "这是什么？") == ImageText(text="", description="!!!!!")


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font: apt-get install fonts-wqy-microhei")
def test_with_a_vlm_configured_both_ocr_and_the_description_are_used(silent_vlm: Path) -> None:
    font = cjk_font()
    assert font is not None
    reader = create_vision(Settings(vision=VisionSettings(backend="transformers", model=str(silent_vlm))))
    assert isinstance(reader, CombinedReader)
    image = load_image(png(render_text(["低钠盐 Low sodium"], font, 36)))
    found = reader.read(image, "Is this salt low in sodium?")
    assert "".join(found.text.split()) == "低钠盐Lowsodium"
    assert found.description.startswith("!!!!")


def test_a_missing_model_gives_a_clear_error(tmp_path: Path) -> None:
    from advisor.vision.transformers_vlm import TransformersVLM

    with pytest.raises(VisionError) as caught:
        TransformersVLM(str(tmp_path / "no-such-model")).describe(picture())
    assert "not found locally" in str(caught.value)
    assert "ADVISOR_VISION__MODEL" in caught.value.message("zh")


def test_the_default_model_id() -> None:
    from advisor.vision.transformers_vlm import DEFAULT_MODEL, TransformersVLM

    assert TransformersVLM.from_settings(VisionSettings(backend="transformers")).model_id == DEFAULT_MODEL


def build_tiny_qwen2_vl_processor_files(folder: Path) -> Path:
    """The processor files of a Qwen2-VL model (tokenizer, PIL image processor, processor_config.json)."""
    from transformers import Qwen2VLImageProcessorPil

    tokenizer = byte_level_tokenizer(
        ["<|im_end|>", "<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>"],
        eos_token="<|im_end|>",
    )
    tokenizer.save_pretrained(folder)
    Qwen2VLImageProcessorPil().save_pretrained(folder)
    (folder / "processor_config.json").write_text(json.dumps({"processor_class": "Qwen2VLProcessor"}))
    return folder


def test_qwen2_vl_needs_torchvision_and_says_so(tmp_path: Path) -> None:
    try:
        import torchvision  # noqa: F401
    except Exception:
        pass
    else:
        pytest.skip("torchvision is importable here")
    from advisor.vision.transformers_vlm import TransformersVLM

    folder = build_tiny_qwen2_vl_processor_files(tmp_path)
    with pytest.raises(VisionError) as caught:
        TransformersVLM(str(folder)).load()
    message = str(caught.value)
    assert "needs torchvision" in message and "Qwen2-VL" in message
    assert "SmolVLM-256M-Instruct" in message
