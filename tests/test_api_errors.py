"""Keys, limits and errors, through the official `openai` package: each refusal has its status code,
OpenAI's error shape ({"error": {"message", "type", "param", "code"}}) and, for 429, Retry-After."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from api_server import RunningAPI, scripted_advisor, start_api

from advisor.api.auth import KeyStore
from advisor.config import APISettings, ASRSettings, VisionSettings

pytestmark = pytest.mark.slow
QUESTION = [{"role": "user", "content": "How much is a Riverside Library card?"}]
LIMIT = 200_000  # upload limit of these servers, small so a test can go over it


def shape(exc: openai.APIStatusError) -> dict[str, object]:
    body = exc.response.json()
    assert set(body) == {"error"} and {"message", "type", "param", "code"} <= set(body["error"]), body
    return dict(body["error"])


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAPI]:
    advisor = scripted_advisor(
        tmp_path_factory.mktemp("api-errors"),
        word_s=0.05,
        asr=ASRSettings(max_bytes=LIMIT),
        vision=VisionSettings(max_bytes=LIMIT),
        api=APISettings(requests_per_minute=1000, concurrent_requests=1),
    )
    running = start_api(advisor.settings, advisor)
    yield running
    running.stop()


def test_open_on_loopback_until_a_key_exists_then_a_wrong_key_is_401(tmp_path: Path) -> None:
    advisor = scripted_advisor(tmp_path)
    running = start_api(advisor.settings, advisor)
    try:
        assert running.client("anything").models.list().data  # no keys yet: open, as Ollama
        _, key = KeyStore.in_data_dir(advisor.settings.data_dir).create("tests")
        with pytest.raises(openai.AuthenticationError) as wrong:
            running.client("sk-advisor-wrong").chat.completions.create(model="advisor", messages=QUESTION)
        error = shape(wrong.value)
        assert wrong.value.status_code == 401 and error["code"] == "invalid_api_key"
        assert error["type"] == "authentication_error"
        reply = running.client(key).chat.completions.create(model="advisor", messages=QUESTION)
        assert "12 dollars" in (reply.choices[0].message.content or "")
        KeyStore.in_data_dir(advisor.settings.data_dir).revoke("tests")
        with pytest.raises(openai.AuthenticationError):
            running.client(key).models.list()
    finally:
        running.stop()


def test_no_key_on_a_non_loopback_bind_is_401(tmp_path: Path) -> None:
    advisor = scripted_advisor(tmp_path)
    running = start_api(advisor.settings, advisor, host="0.0.0.0")
    try:
        with pytest.raises(openai.AuthenticationError) as refused:  # no Authorization header at all
            running.client().models.list(extra_headers={"Authorization": openai.Omit()})
        assert shape(refused.value)["code"] == "missing_api_key"
        with pytest.raises(openai.AuthenticationError):
            running.client("sk-advisor-made-up").models.list()
        _, key = KeyStore.in_data_dir(advisor.settings.data_dir).create()
        assert running.client(key).models.list().data
    finally:
        running.stop()


def test_over_the_rate_limit_is_429_with_retry_after(tmp_path: Path) -> None:
    advisor = scripted_advisor(tmp_path, api=APISettings(requests_per_minute=2))
    running = start_api(advisor.settings, advisor)
    try:
        client = running.client()
        client.models.list()
        client.models.list()
        with pytest.raises(openai.RateLimitError) as limited:
            client.models.list()
        assert limited.value.status_code == 429
        assert 1 <= int(limited.value.response.headers["retry-after"]) <= 60
        assert shape(limited.value)["type"] == "rate_limit_error"
    finally:
        running.stop()


def test_over_the_concurrency_limit_is_429_until_the_stream_ends(api: RunningAPI) -> None:
    client = api.client()
    slow = client.chat.completions.create(
        model="advisor", messages=[{"role": "user", "content": "Riverside Library card, slowly"}], stream=True
    )
    first = next(iter(slow))  # the stream is running
    assert first.choices[0].delta.role == "assistant"
    with pytest.raises(openai.RateLimitError) as busy:
        client.models.list()
    assert busy.value.response.headers["retry-after"]
    slow.close()  # the client goes away: its slot is freed
    for _ in range(50):
        try:
            client.models.list()
            break
        except openai.RateLimitError:
            threading.Event().wait(0.1)
    else:
        pytest.fail("the slot of a closed stream was never freed")


def test_oversize_uploads_are_413(api: RunningAPI) -> None:
    client = api.client()
    with pytest.raises(openai.APIStatusError) as audio:
        client.audio.transcriptions.create(model="whisper-1", file=("big.wav", b"\0" * (LIMIT + 1)))
    assert audio.value.status_code == 413 and shape(audio.value)["code"] == "request_too_large"
    big = base64.b64encode(b"\x89PNG" + b"\0" * LIMIT).decode()
    with pytest.raises(openai.APIStatusError) as image:
        client.chat.completions.create(
            model="advisor",
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{big}"}}],
                }
            ],
        )
    assert image.value.status_code == 413
    whole = base64.b64encode(b"\0" * (LIMIT * 3)).decode()
    with pytest.raises(openai.APIStatusError) as body:
        client.chat.completions.create(
            model="advisor",
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "input_audio", "input_audio": {"data": whole, "format": "wav"}}],
                }
            ],
        )
    assert body.value.status_code == 413


def test_malformed_bodies_are_400(api: RunningAPI) -> None:
    client = api.client()
    with pytest.raises(openai.BadRequestError) as wrong_type:
        client.chat.completions.create(model="advisor", messages="not a list")  # type: ignore[arg-type]
    assert shape(wrong_type.value)["type"] == "invalid_request_error"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="advisor", messages=[{"role": "wizard", "content": "hi"}])  # type: ignore[list-item]
    with pytest.raises(openai.BadRequestError) as assistant_last:
        client.chat.completions.create(model="advisor", messages=[{"role": "assistant", "content": "hi"}])
    assert shape(assistant_last.value)["param"] == "messages"
    with pytest.raises(openai.BadRequestError) as fetched:
        client.chat.completions.create(
            model="advisor",
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "http://example.com/x.png"}}],
                }
            ],
        )
    assert "data URL" in str(shape(fetched.value)["message"])
    with pytest.raises(openai.BadRequestError):
        client.post("/chat/completions", content=b"{not json", cast_to=object)
    with pytest.raises(openai.BadRequestError):
        client.audio.speech.create(model="tts-1", input="hi", voice="alloy", response_format="flac")


def test_unknown_model_is_404(api: RunningAPI) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        api.client().chat.completions.create(model="gpt-4o", messages=QUESTION)
    error = shape(missing.value)
    assert error["code"] == "model_not_found" and error["param"] == "model"


def test_no_cors_and_foreign_origins_refused(api: RunningAPI) -> None:
    foreign = api.client(default_headers={"Origin": "https://evil.example"})
    with pytest.raises(openai.PermissionDeniedError):
        foreign.models.list()
    raw = api.client().models.with_raw_response.list()
    assert not [h for h in raw.headers if h.lower().startswith("access-control-")]
