"""Backend "transformers": a vision-language model through Hugging Face transformers, for users with weights.

`settings.vision.model` is a Hugging Face id or a local folder holding an image-text-to-text model with
a chat template: loaded with `AutoProcessor` and `AutoModelForImageTextToText`, prompted through the
processor's chat template, decoded greedily. Nothing is downloaded when the hub is offline
(HF_HUB_OFFLINE=1): the model must then already be in the local cache or folder.

Which models work beside this project's CPU torch (no torchvision, see below):

- SmolVLM v1 (HuggingFaceTB/SmolVLM-256M-Instruct, -500M-Instruct, SmolVLM-Instruct) and Idefics3:
  their processor has a plain-PIL image processor, so they run as they are. This is the path the tests
  prove, on a tiny Idefics3 built from a config with random weights.
- Qwen2-VL, Qwen2.5-VL, Qwen3-VL and SmolVLM2: in transformers 5 their processors also hold a *video*
  processor, and every video processor requires torchvision, so `AutoProcessor` raises ImportError without
  it; this module says so plainly (VisionError). Install the torchvision build that matches your torch
  (pip's PyPI torchvision does not import beside the CPU torch 2.13.0 used here).
- Florence-2 has no chat template (task tokens such as <MORE_DETAILED_CAPTION> instead) and is not supported.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from advisor.config import VisionSettings
from advisor.events import ImageText
from advisor.vision.base import VisionError
from advisor.vision.limits import vlm_prompt
from advisor.vision.safe_image import SafeImage

log = logging.getLogger(__name__)

DEFAULT_MODEL = "HuggingFaceTB/SmolVLM-256M-Instruct"


def _load_failure(model_id: str, exc: BaseException) -> VisionError:
    text = str(exc)
    if isinstance(exc, ImportError) and "torchvision" in text.lower():
        return VisionError(
            f"the vision model {model_id} needs torchvision for its processor (transformers builds every "
            "video processor with torchvision: Qwen2-VL, Qwen2.5-VL, Qwen3-VL, SmolVLM2). Install the "
            "torchvision build that matches your torch, or use a model without one such as "
            f"{DEFAULT_MODEL}",
            f"视觉模型 {model_id} 的处理器需要 torchvision（Qwen2-VL、Qwen2.5-VL、Qwen3-VL、SmolVLM2 等带视频处理器的模型"
            f"都需要）。请安装与 torch 版本匹配的 torchvision，或改用不需要它的模型，例如 {DEFAULT_MODEL}",
        )
    if isinstance(exc, ImportError):
        return VisionError(
            f"the vision model {model_id} needs a package that is not installed: {text[:200]}",
            f"视觉模型 {model_id} 需要一个未安装的软件包：{text[:200]}",
        )
    if isinstance(exc, OSError | EnvironmentError):
        return VisionError(
            f"the vision model {model_id} was not found locally and could not be downloaded; download it "
            "first (huggingface-cli download) or set ADVISOR_VISION__MODEL to a local folder",
            f"本地找不到视觉模型 {model_id}，也无法下载；请先下载（huggingface-cli download），"
            "或把 ADVISOR_VISION__MODEL 设为本地目录",
        )
    return VisionError(
        f"the vision model {model_id} could not be loaded ({type(exc).__name__}: {text[:200]})",
        f"无法加载视觉模型 {model_id}（{type(exc).__name__}：{text[:200]}）",
    )


class TransformersVLM:
    """A describer (see combined.py) and, on its own, an ImageReader whose ImageText holds only a description."""

    name = "transformers"

    def __init__(
        self,
        model: str = "",
        *,
        device: str = "auto",
        max_new_tokens: int = 256,
        max_side: int = 1024,
        dtype: str = "auto",
    ) -> None:
        self.model_id = model or DEFAULT_MODEL
        self.device = device
        self.max_new_tokens = max_new_tokens
        self.max_side = max_side
        self.dtype = dtype
        self._processor: Any = None
        self._model: Any = None
        self._device = "cpu"
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # one generation at a time: it already uses every core

    @classmethod
    def from_settings(cls, settings: VisionSettings) -> TransformersVLM:
        return cls(
            settings.model,
            device=settings.device,
            max_new_tokens=settings.max_new_tokens,
            max_side=settings.max_side,
        )

    def load(self) -> None:
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is not None:
                return
            try:
                import torch
                from transformers import AutoModelForImageTextToText, AutoProcessor
            except ImportError as exc:
                raise VisionError(
                    "the transformers backend needs torch and transformers (pip install torch transformers)",
                    "transformers 后端需要安装 torch 和 transformers",
                ) from exc
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            if self.dtype == "auto":
                dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
            else:
                dtype = getattr(torch, self.dtype)
            try:
                processor: Any = AutoProcessor.from_pretrained(self.model_id)
                model: Any = AutoModelForImageTextToText.from_pretrained(self.model_id, dtype=dtype)
            except Exception as exc:
                raise _load_failure(self.model_id, exc) from exc
            if getattr(processor, "chat_template", None) is None:
                raise VisionError(
                    f"the vision model {self.model_id} has no chat template; use an instruction-tuned "
                    "image-text-to-text model",
                    f"视觉模型 {self.model_id} 没有对话模板；请使用经过指令微调的图文模型",
                )
            model.to(device)
            model.eval()
            self._processor, self._model, self._device = processor, model, device
            log.info("loaded vision model %s on %s", self.model_id, device)

    def inputs(self, image: SafeImage, question: str | None = None, language: str = "en") -> Any:
        """The processor's tensors for one image and prompt (on the model's device)."""
        self.load()
        messages = [
            {
                "role": "user",
                "content": [{"type": "image"}, {"type": "text", "text": vlm_prompt(question, language)}],
            }
        ]
        prompt = self._processor.apply_chat_template(messages, add_generation_prompt=True)
        batch = self._processor(text=[prompt], images=[image.resized(self.max_side)], return_tensors="pt")
        return batch.to(self._device)

    def describe(self, image: SafeImage, question: str | None = None, language: str = "en") -> str:
        import torch

        try:
            batch = self.inputs(image, question, language)
            with self._run_lock, torch.inference_mode():
                generated = self._model.generate(**batch, max_new_tokens=self.max_new_tokens, do_sample=False)
            new_tokens = generated[:, batch["input_ids"].shape[1] :]
            text = self._processor.batch_decode(new_tokens, skip_special_tokens=True)[0]
        except VisionError:
            raise
        except Exception as exc:  # out of memory, a processor that rejects the input, ...
            raise VisionError(
                f"the vision model failed on this image ({type(exc).__name__}: {str(exc)[:200]})",
                f"视觉模型处理这张图片时出错（{type(exc).__name__}）",
            ) from exc
        return str(text).strip()

    def read(self, image: SafeImage, question: str | None = None) -> ImageText:
        from advisor.vision.combined import question_language

        return ImageText(text="", description=self.describe(image, question, question_language(question)))
