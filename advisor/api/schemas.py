"""The chat request as OpenAI clients send it, and its messages read into what a turn takes.

Unknown parameters are ignored, as OpenAI-compatible servers do (`extra="ignore"`); known ones with the
wrong type are a 400. A message's content is a string or a list of parts: `text`, `image_url` (a data
URL: nothing is fetched from the network or read from disk) and `input_audio` (base64 with its format).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.api.errors import APIError, bad_request, too_large

_DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?:;[\w-]+=[^;,]*)*;base64,(?P<data>.*)$", re.DOTALL
)


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    stop: str | list[str] | None = None
    user: str | None = Field(default=None, max_length=256)
    n: int = Field(default=1, ge=1)

    def token_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    def stops(self) -> list[str]:
        if self.stop is None:
            return []
        stops = [self.stop] if isinstance(self.stop, str) else list(self.stop)
        if len(stops) > 4:
            raise bad_request("stop: at most 4 sequences", "stop 最多 4 个", "stop")
        return [s for s in stops if s]


@dataclass
class Content:
    """A message's content: its text, and the pictures and recordings among its parts."""

    text: str = ""
    images: list[bytes] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)


def read_content(content: str | list[dict[str, Any]] | None, max_image: int, max_audio: int) -> Content:
    if content is None:
        return Content()
    if isinstance(content, str):
        return Content(content)
    out = Content()
    texts = []
    for i, part in enumerate(content):
        kind = part.get("type")
        where = f"messages.content[{i}]"
        if kind == "text":
            texts.append(str(part.get("text") or ""))
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            out.images.append(_data_url(str(url or ""), max_image, where))
        elif kind == "input_audio":
            audio = part.get("input_audio") or {}
            out.audio.append(_base64(str(audio.get("data") or ""), max_audio, where, "audio", "音频"))
        else:
            raise bad_request(
                f"{where}: unsupported content part type {kind!r} (text, image_url, input_audio)",
                f"{where}：不支持的内容类型 {kind!r}（可用 text、image_url、input_audio）",
                where,
            )
    out.text = "\n".join(t for t in texts if t)
    return out


def _data_url(url: str, limit: int, where: str) -> bytes:
    match = _DATA_URL.match(url.strip())
    if not match:
        raise bad_request(
            f"{where}: an image must be a data URL (data:image/png;base64,...); nothing is fetched from a URL",
            f"{where}：图片须为 data URL（data:image/png;base64,...）；服务器不会下载网址",
            where,
        )
    return _base64(match.group("data"), limit, where, "image", "图片")


def _base64(data: str, limit: int, where: str, what: str, what_zh: str) -> bytes:
    if len(data) * 3 // 4 > limit + 3:
        raise _too_big(what, what_zh, limit, where)
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        raise bad_request(
            f"{where}: the {what} is not valid base64", f"{where}：{what_zh}不是有效的 base64", where
        ) from None
    if not raw:
        raise bad_request(f"{where}: the {what} is empty", f"{where}：{what_zh}是空的", where)
    if len(raw) > limit:
        raise _too_big(what, what_zh, limit, where)
    return raw


def _too_big(what: str, what_zh: str, limit: int, where: str) -> APIError:
    mb = limit / 1024 / 1024
    return too_large(
        f"{where}: the {what} is larger than {mb:g} MB", f"{where}：{what_zh}超过 {mb:g} MB", where
    )


@dataclass
class Conversation:
    """What the turn takes from a request: the question with its picture or recording, and history."""

    question: str
    image: bytes | None
    audio: bytes | None
    exchanges: list[tuple[str, str]]


def conversation_of(messages: list[Message], max_image: int, max_audio: int) -> Conversation:
    """The last user message is the question; the earlier user/assistant messages its history.

    System messages are left out: each advisor's persona and safety rules are its own."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise bad_request(
            "messages: the last message must be the user's question",
            "messages：最后一条消息必须是用户的问题",
            "messages",
        )
    last = read_content(turns[-1].content, max_image, max_audio)
    if len(last.images) > 1 or len(last.audio) > 1:
        raise bad_request(
            "messages: at most one image and one recording per question",
            "messages：每个问题最多一张图片和一段录音",
            "messages",
        )
    exchanges: list[tuple[str, str]] = []
    question = ""
    for message in turns[:-1]:
        text = _text_only(message.content)
        if message.role == "user":
            question = f"{question}\n{text}".strip()
        elif question:
            exchanges.append((question, text))
            question = ""
    pending = f"{question}\n{last.text}".strip() if question else last.text
    return Conversation(
        pending, last.images[0] if last.images else None, last.audio[0] if last.audio else None, exchanges
    )


def _text_only(content: str | list[dict[str, Any]] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(p.get("text") or "") for p in content if p.get("type") == "text")
