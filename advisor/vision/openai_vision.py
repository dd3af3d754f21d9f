"""Backend "openai": an OpenAI-compatible vision endpoint (GPT-4o-class APIs, vLLM or Ollama serving a VLM).

The image goes as a base64 data URL in a chat message (`image_url` content part), re-encoded from the
checked SafeImage (so no metadata leaves the machine) and downscaled to `max_side`. The answer is streamed,
so a slow server is judged by the gap between tokens (the read timeout), not by the whole answer; a total
deadline caps the call. Overload, server errors and refused connections are retried twice before any
text arrives; a timeout is not retried (the server may still be working, and the user would wait twice).
"""

from __future__ import annotations

import base64
import logging
import os
import time
from typing import Any

import openai

from advisor.config import VisionSettings
from advisor.events import ImageText
from advisor.vision.base import VisionError
from advisor.vision.limits import vlm_prompt
from advisor.vision.safe_image import SafeImage

log = logging.getLogger(__name__)

RETRIES = 2


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(exc, openai.RateLimitError | openai.InternalServerError | openai.APIConnectionError)


class OpenAIVision:
    """A describer (see combined.py) and, on its own, an ImageReader whose ImageText holds only a description."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 60.0,
        total_timeout_s: float = 180.0,
        max_new_tokens: int = 400,
        max_side: int = 1536,
        jpeg_quality: int = 90,
    ) -> None:
        if not base_url:
            raise VisionError(
                "set ADVISOR_VISION__BASE_URL to the vision server's URL, e.g. http://127.0.0.1:8000/v1",
                "请把 ADVISOR_VISION__BASE_URL 设为视觉模型服务的地址，例如 http://127.0.0.1:8000/v1",
            )
        if not model:
            raise VisionError(
                "set ADVISOR_VISION__MODEL to the name of the vision model the server serves",
                "请把 ADVISOR_VISION__MODEL 设为该服务提供的视觉模型名称",
            )
        self.base_url = base_url
        self.model = model
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.total_timeout_s = total_timeout_s
        self.max_new_tokens = max_new_tokens
        self.max_side = max_side
        self.jpeg_quality = jpeg_quality
        self.client = openai.OpenAI(
            base_url=base_url,
            # Local servers take any key; the SDK wants one.
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
            timeout=openai.Timeout(read_timeout_s, connect=connect_timeout_s),
            max_retries=0,  # retried below, and only before the first token
        )

    @classmethod
    def from_settings(cls, settings: VisionSettings) -> OpenAIVision:
        return cls(
            settings.base_url,
            settings.model,
            api_key=settings.api_key,
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.read_timeout_s,
            max_new_tokens=settings.max_new_tokens,
        )

    def data_url(self, image: SafeImage) -> str:
        jpeg = image.encode("JPEG", max_side=self.max_side, quality=self.jpeg_quality)
        return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")

    def request(self, image: SafeImage, question: str | None, language: str) -> dict[str, Any]:
        """The body of the chat-completions call."""
        content = [
            {"type": "text", "text": vlm_prompt(question, language)},
            {"type": "image_url", "image_url": {"url": self.data_url(image)}},
        ]
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "user", "content": content}],
            "temperature": 0.0,
            "stream": True,
            "max_completion_tokens": self.max_new_tokens,
        }
        if "api.openai.com" not in self.base_url:
            body["max_tokens"] = self.max_new_tokens  # Ollama and llama.cpp ignore max_completion_tokens
        return body

    def describe(self, image: SafeImage, question: str | None = None, language: str = "en") -> str:
        body = self.request(image, question, language)
        deadline = time.monotonic() + self.total_timeout_s
        for attempt in range(RETRIES + 1):
            try:
                stream = self.client.chat.completions.create(**body)
                break
            except Exception as exc:
                if attempt == RETRIES or not _retryable(exc):
                    raise self._explain(exc) from exc
                log.info("vision server: %s; retrying", type(exc).__name__)
                time.sleep(0.5 * 2**attempt)
        pieces: list[str] = []
        finished = False
        try:
            for chunk in stream:
                for choice in chunk.choices or []:
                    if choice.delta is not None and choice.delta.content:
                        pieces.append(choice.delta.content)
                    finished = finished or bool(choice.finish_reason)
                if time.monotonic() > deadline:
                    raise VisionError(
                        f"the vision server at {self.base_url} took over {self.total_timeout_s:g} s to answer",
                        f"视觉模型服务 {self.base_url} 超过 {self.total_timeout_s:g} 秒仍未答完",
                    )
        except VisionError:
            raise
        except Exception as exc:
            raise self._explain(exc) from exc
        finally:
            stream.close()
        if not finished:
            raise VisionError(
                f"the vision server at {self.base_url} closed the answer before it was finished",
                f"视觉模型服务 {self.base_url} 在回答完成前断开了连接",
            )
        text = "".join(pieces).strip()
        if not text:
            raise VisionError(
                f"the vision server at {self.base_url} returned an empty description",
                f"视觉模型服务 {self.base_url} 返回了空的描述",
            )
        return text

    def _explain(self, exc: BaseException) -> VisionError:
        where_en, where_zh = f"the vision server at {self.base_url}", f"视觉模型服务 {self.base_url}"
        causes, cause = set(), exc.__cause__
        while cause is not None:
            causes.add(type(cause).__name__)
            cause = cause.__cause__
        if isinstance(exc, openai.APITimeoutError):
            if "ConnectTimeout" in causes:
                return VisionError(
                    f"{where_en} did not accept a connection within {self.connect_timeout_s:g} s",
                    f"{where_zh} 在 {self.connect_timeout_s:g} 秒内没有接受连接",
                )
            return VisionError(
                f"{where_en} sent nothing for {self.read_timeout_s:g} s (overloaded, or still loading the model?)",
                f"{where_zh} 在 {self.read_timeout_s:g} 秒内没有任何回应（可能过载或仍在加载模型）",
            )
        if isinstance(exc, openai.APIConnectionError):
            if "ConnectError" in causes:
                return VisionError(
                    f"could not connect to {where_en}: is it running? (ADVISOR_VISION__BASE_URL)",
                    f"无法连接到{where_zh}：服务是否已启动？（ADVISOR_VISION__BASE_URL）",
                )
            return VisionError(f"the connection to {where_en} broke off", f"与{where_zh}的连接中断了")
        if isinstance(exc, openai.APIStatusError):
            detail = exc.body.get("message") if isinstance(exc.body, dict) else None
            hint = ""
            if exc.status_code in (401, 403):
                hint = " (check the API key)"
            elif exc.status_code == 404:
                hint = f" (does it serve the model {self.model!r}? ADVISOR_VISION__MODEL)"
            elif exc.status_code == 400:
                hint = " (does this model accept images?)"
            return VisionError(
                f"{where_en} answered {exc.status_code}: {detail or exc.message}{hint}",
                f"{where_zh} 返回错误 {exc.status_code}：{detail or exc.message}",
            )
        return VisionError(
            f"the call to {where_en} failed ({type(exc).__name__})",
            f"调用{where_zh}失败（{type(exc).__name__}）",
        )

    def read(self, image: SafeImage, question: str | None = None) -> ImageText:
        from advisor.vision.combined import question_language

        return ImageText(text="", description=self.describe(image, question, question_language(question)))
