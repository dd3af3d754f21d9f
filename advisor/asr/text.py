"""From Whisper's segments to the text a user sees: Simplified Chinese with Chinese punctuation, tidy English.

Whisper base writes Chinese in Traditional characters about as often as in Simplified, and without a
prompt often leaves out punctuation (a space marks the pause). Chinese output is therefore converted to
Simplified (zhconv, script only: no regional vocabulary swaps), half-width punctuation next to Chinese
characters becomes full-width, pauses become commas, and the text ends with a full stop if it has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

LANGUAGES = ("zh", "en")  # what the advisor speaks; detection chooses between these
ZH_PROMPT = "以下是普通话的句子。"  # a Simplified, punctuated prompt steers Whisper to write the same way

_ALIASES = {
    "zh": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "zh-sg": "zh",
    "zh-tw": "zh",
    "zh-hk": "zh",
    "zh-hant": "zh",
    "cmn": "zh",
    "chinese": "zh",
    "mandarin": "zh",
    "中文": "zh",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "english": "en",
    "英文": "en",
}
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", ".": "。"}
_TERMINAL = "。！？…"
_PUNCT_ZH = "，。！？、；：…"


def normalise_language(language: str | None) -> str | None:
    """'zh-CN', 'Chinese', 'cmn' -> 'zh'; 'en-US' -> 'en'; 'auto' or '' -> None; other codes pass through."""
    if language is None:
        return None
    key = language.strip().lower().replace("_", "-")
    if key in ("", "auto"):
        return None
    return _ALIASES.get(key, key.split("-")[0])


def choose_language(probabilities: dict[str, float], allowed: Iterable[str] = LANGUAGES) -> tuple[str, float]:
    """The most likely of the allowed languages, with its probability as the model gave it."""
    scored = [(probabilities.get(code, 0.0), code) for code in allowed]
    probability, code = max(scored)
    return code, probability


def to_simplified(text: str) -> str:
    import zhconv

    return str(zhconv.convert(text, "zh-hans"))


def tidy_chinese(pieces: Iterable[str]) -> str:
    parts = [p.strip() for p in pieces if p and p.strip()]
    if not parts:
        return ""
    text = ""
    for part in parts:
        if text and re.match(f"[{_CJK}]", part[0]):
            if text[-1] not in _PUNCT_ZH + ",.!?;:":
                text += "，"
        elif text and not re.search(f"[{_CJK}{_PUNCT_ZH}]$", text):
            text += " "
        text += part
    text = to_simplified(text)
    # Half-width punctuation touching a Chinese character becomes full-width ("好,我" -> "好，我").
    text = re.sub(
        rf"(?<=[{_CJK}])\s*([,?!:;]|\.(?!\d))\s*|\s*([,?!:;.])\s*(?=[{_CJK}])",
        lambda m: _FULL[m.group(1) or m.group(2)],
        text,
    )
    # A pause written as a space between two Chinese characters is a comma.
    text = re.sub(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])", "，", text)
    text = text.replace("﹐", "，").replace("﹒", "。")
    text = re.sub(r"([，、；：])[，。]+", r"\1", text)
    text = re.sub(r"，([。！？])", r"\1", text)
    text = re.sub(r"[，、；：]+$", "。", text)
    if text and re.search(f"[{_CJK}]$", text):
        text += "。"
    return text.strip()


def tidy_english(pieces: Iterable[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(p.strip() for p in pieces if p and p.strip())).strip()


def tidy(pieces: Iterable[str], language: str) -> str:
    return tidy_chinese(pieces) if language == "zh" else tidy_english(pieces)


# What Whisper says over silence or noise; refused when the model also doubts there was speech.
_HALLUCINATIONS = (
    "Thank you.",
    "Thanks for watching!",
    "Thank you for watching.",
    "you",
    "Bye.",
    "谢谢观看",
    "谢谢",
    "谢谢大家",
    "字幕由Amara.org社区提供",
    "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
)


def _key(text: str) -> str:
    return re.sub(rf"[\s{_PUNCT_ZH}.,!?\"'()]+", " ", to_simplified(text).lower()).strip()


@lru_cache(maxsize=1)
def _hallucination_keys() -> frozenset[str]:
    return frozenset(_key(text) for text in _HALLUCINATIONS)


def looks_hallucinated(text: str) -> bool:
    """Whether `text` is one of the stock phrases Whisper produces for non-speech."""
    return _key(text) in _hallucination_keys()
