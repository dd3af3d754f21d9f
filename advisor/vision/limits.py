"""What the embedded image model can and cannot do, said plainly, and the prompt given to a VLM."""

from __future__ import annotations

_LIMITS = {
    "en": (
        "The built-in image reader is an OCR model: it reads printed Chinese and English text (labels, "
        "receipts, notices, forms, reports, price tags), but it cannot recognise objects, plants, animals, "
        "people, places or scenes, so I will not guess what a picture shows. To let the advisor describe "
        "pictures, configure a vision-language model: ADVISOR_VISION__BACKEND=transformers with "
        "ADVISOR_VISION__MODEL=<a Hugging Face model id or a local folder, e.g. "
        "HuggingFaceTB/SmolVLM-256M-Instruct>, or ADVISOR_VISION__BACKEND=openai with "
        "ADVISOR_VISION__BASE_URL=<an OpenAI-compatible server, e.g. vLLM or Ollama> and "
        "ADVISOR_VISION__MODEL=<its vision model>."
    ),
    "zh": (
        "内置的图片读取模型是文字识别（OCR）模型：它能读出图片中印刷的中文和英文文字（标签、小票、通知、"
        "表格、报告、价签等），但不能识别物体、植物、动物、人物、地点或场景，所以我不会猜测图片里是什么。"
        "如需让顾问描述图片内容，请配置视觉语言模型：设置 ADVISOR_VISION__BACKEND=transformers 和 "
        "ADVISOR_VISION__MODEL=<Hugging Face 模型名或本地目录，例如 HuggingFaceTB/SmolVLM-256M-Instruct>；"
        "或设置 ADVISOR_VISION__BACKEND=openai、ADVISOR_VISION__BASE_URL=<兼容 OpenAI 接口的服务，"
        "如 vLLM 或 Ollama> 和 ADVISOR_VISION__MODEL=<其视觉模型名>。"
    ),
}

_NO_TEXT = {
    "en": "I found no readable text in this image. ",
    "zh": "这张图片中没有找到可识别的文字。",
}


def limits_message(language: str = "en", *, no_text: bool = False) -> str:
    """A plain statement of what OCR-only image reading can and cannot do, and how to enable a VLM.

    With `no_text=True` it starts by saying that the image held no readable text.
    """
    lang = "zh" if language.startswith("zh") else "en"
    return (_NO_TEXT[lang] if no_text else "") + _LIMITS[lang]


def vlm_prompt(question: str | None, language: str = "en") -> str:
    """The instruction given to a vision-language model with the image."""
    question = (question or "").strip()
    if language.startswith("zh"):
        prompt = (
            "请为看不到这张图片的人描述它：图片里有什么，以及上面的文字、数字、标签或警示语。"
            "只说能看到的内容；看不清或无法确定的地方请直接说明，不要猜测。请用简体中文回答。"
        )
        if question:
            prompt += f"\n然后根据图片回答这个问题：{question}"
        return prompt
    prompt = (
        "Describe this image for someone who cannot see it: what it shows, and any text, numbers, labels "
        "or warnings on it. Say only what is visible; if something is unclear or uncertain, say so instead "
        "of guessing. Answer in English."
    )
    if question:
        prompt += f"\nThen answer this question about the image: {question}"
    return prompt
