"""`POST /v1/audio/transcriptions` through our Whisper; `POST /v1/audio/speech` through our voices.

Transcription takes the multipart upload OpenAI's SDK sends (`file`, `model`, `language`,
`response_format`: json, text, verbose_json, srt, vtt) with the page's limits (413 over
`[asr] max_bytes` or `max_seconds`). Our pipeline gives the text of the whole clip, so verbose_json,
srt and vtt hold one segment spanning the clip. A clip with no speech in it is an empty transcript.

Speech reads `input` sentence by sentence, each in the voice of its language (a Chinese sentence by the
Chinese voice, an English one by the English voice), and streams the audio as each sentence is ready:
the first sentence plays while the rest are synthesised. `voice` is accepted and not used: the language
picks the voice (`[tts]` settings choose which).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from advisor.api.context import admitted, context
from advisor.api.encode import FORMATS, MEDIA_TYPES, Encoder
from advisor.api.errors import APIError, bad_request, too_large, unknown_model
from advisor.api.models import ASR_MODELS, TTS_MODELS
from advisor.api.threads import ThreadedIterator
from advisor.events import AudioChunk

router = APIRouter()
LANGUAGES = {"zh": "chinese", "en": "english"}
MAX_INPUT_CHARS = 4096  # OpenAI's limit for /audio/speech


@router.post("/audio/transcriptions", response_model=None)
async def transcriptions(
    request: Request,
    file: Annotated[UploadFile, File()],
    caller: Annotated[str, Depends(admitted)],
    model: Annotated[str, Form()] = "whisper-1",
    language: Annotated[str | None, Form()] = None,
    prompt: Annotated[str | None, Form()] = None,
    response_format: Annotated[str, Form()] = "json",
    temperature: Annotated[float | None, Form()] = None,
) -> Response:
    ctx = context(request)
    if model not in ASR_MODELS:
        raise unknown_model(model)
    if response_format not in ("json", "text", "verbose_json", "srt", "vtt"):
        raise bad_request(
            "response_format: one of json, text, verbose_json, srt, vtt",
            "response_format：可选 json、text、verbose_json、srt、vtt",
            "response_format",
        )
    chosen = (language or "").lower().split("-")[0] or None
    if chosen not in (None, "zh", "en"):
        raise bad_request(
            "language: zh or en (or leave it out to detect)",
            "language：zh 或 en（不填则自动识别）",
            "language",
        )
    limit = ctx.settings.asr.max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise too_large(
            f"the audio file is larger than {limit / 1024 / 1024:g} MB",
            f"音频文件超过 {limit / 1024 / 1024:g} MB",
            "file",
        )
    from advisor.asr import ASRError, NoSpeech

    try:
        heard = await asyncio.to_thread(ctx.asr().transcribe_timed, data, chosen)
        text, detected, duration = heard.text, heard.language, heard.transcript.duration_s
        extra: dict[str, Any] = {
            "language_probability": round(heard.language_probability, 4),
            "speech_s": round(heard.speech_s, 2),
            "timings_ms": {k: round(v, 1) for k, v in heard.timings_ms.items()},
        }
    except NoSpeech:
        text, detected, duration, extra = "", chosen or "", 0.0, {"no_speech": True}
    except ASRError as exc:
        status = {"too_large": 413, "too_long": 413, "unavailable": 503}.get(exc.code, 400)
        raise APIError(
            status, exc.message_en, exc.message_zh, code=f"audio_{exc.code}", param="file"
        ) from None
    if response_format == "text":
        return PlainTextResponse(text + "\n")
    if response_format in ("srt", "vtt"):
        return PlainTextResponse(_subtitles(text, duration, response_format))
    if response_format == "json":
        return JSONResponse({"text": text})
    return JSONResponse(
        {
            "task": "transcribe",
            "language": LANGUAGES.get(detected, detected),
            "duration": round(duration, 2),
            "text": text,
            "segments": [_segment(text, duration)] if text else [],
            "advisor": {"language": detected, **extra},
        }
    )


def _segment(text: str, duration: float) -> dict[str, Any]:
    return {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": round(duration, 2),
        "text": text,
        "tokens": [],
        "temperature": 0.0,
        "avg_logprob": 0.0,
        "compression_ratio": 0.0,
        "no_speech_prob": 0.0,
    }


def _subtitles(text: str, duration: float, kind: str) -> str:
    def stamp(seconds: float) -> str:
        ms = round(seconds * 1000)
        h, rest = divmod(ms, 3_600_000)
        m, rest = divmod(rest, 60_000)
        s, ms = divmod(rest, 1000)
        sep = "," if kind == "srt" else "."
        return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"

    cue = f"{stamp(0)} --> {stamp(duration)}\n{text}\n"
    return f"1\n{cue}" if kind == "srt" else f"WEBVTT\n\n{cue}"


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    input: str = Field(min_length=1)
    voice: str | dict[str, Any] = "alloy"
    response_format: Literal["wav", "mp3", "opus", "pcm", "aac", "flac"] = "mp3"
    speed: float | None = None


@router.post("/audio/speech", response_model=None)
async def speech(body: SpeechRequest, request: Request, caller: str = Depends(admitted)) -> StreamingResponse:
    ctx = context(request)
    if body.model not in TTS_MODELS:
        raise unknown_model(body.model)
    if body.response_format not in FORMATS:
        raise bad_request(
            f"response_format: one of {', '.join(FORMATS)}",
            f"response_format：可选 {'、'.join(FORMATS)}",
            "response_format",
        )
    if len(body.input) > MAX_INPUT_CHARS:
        raise bad_request(
            f"input: at most {MAX_INPUT_CHARS} characters", f"input：最多 {MAX_INPUT_CHARS} 个字符", "input"
        )
    if not body.input.strip():
        raise bad_request("input: the text is empty", "input：文字是空的", "input")
    from advisor.dialogue.sentences import split_sentences

    sentences = split_sentences(body.input) or [body.input]
    speaker = ctx.speaker()

    def chunks() -> Iterator[AudioChunk]:
        try:
            for sentence in sentences:
                speaker.say(sentence)  # each sentence in the voice of its own language
            for item in speaker.finish():
                if isinstance(item, AudioChunk):
                    yield item
        finally:
            speaker.stop()

    encoder = Encoder(body.response_format)

    async def audio() -> AsyncIterator[bytes]:
        stream = ThreadedIterator(chunks, name="api-speech")
        try:
            yield encoder.start()
            async for chunk in stream:
                data = encoder.add(chunk)
                if data:
                    yield data
            yield encoder.end()
        finally:
            stream.close()

    return StreamingResponse(audio(), media_type=MEDIA_TYPES[body.response_format])
