"""The "openai" backend against a scripted fake OpenAI-compatible server: streaming, retries, timeouts, cuts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import openai
import pytest
from fake_openai_server import THREAD_PREFIX, FakeOpenAIServer, closed_port_url, cut, hang, status, stream
from langchain_core.exceptions import ModelConnectionError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from advisor.config import LLMSettings
from advisor.llm.base import LLMUnavailable, stream_text
from advisor.llm.openai_compat import create_openai_chat, explain

CONNECT_S, READ_S = 1.0, 1.5


def _settings(url: str) -> LLMSettings:
    return LLMSettings(
        backend="openai", base_url=url, model="test-model", connect_timeout_s=CONNECT_S, read_timeout_s=READ_S
    )


def _collect(model: BaseChatModel, into: list[str]) -> None:
    """Streams into `into`, so what arrived before an exception can still be checked."""
    for piece in stream_text(model, [HumanMessage("hi")]):
        into.append(piece)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def test_streams_the_pieces_in_order(server: FakeOpenAIServer) -> None:
    server.add(stream(["Hel", "lo", ", 世界"]))
    pieces: list[str] = []
    _collect(create_openai_chat(_settings(server.url), max_tokens=64), pieces)
    assert pieces == ["Hel", "lo", ", 世界"]
    [request] = server.requests
    assert request["model"] == "test-model"
    assert request["stream"] is True
    assert request["messages"] == [{"role": "user", "content": "hi"}]
    # Both names: Ollama and llama-cpp-python ignore max_completion_tokens.
    assert request["max_tokens"] == request["max_completion_tokens"] == 64


def test_invoke_goes_through_the_same_stream(server: FakeOpenAIServer) -> None:
    server.add(status(503), stream(["a", "b"]))
    assert create_openai_chat(_settings(server.url)).invoke("hi").content == "ab"
    assert server.request_count == 2


def test_a_429_is_retried_before_the_first_token(server: FakeOpenAIServer) -> None:
    server.add(status(429), stream(["Hello", " there"]))
    pieces: list[str] = []
    _collect(create_openai_chat(_settings(server.url)), pieces)
    assert "".join(pieces) == "Hello there"  # once, not repeated
    assert server.request_count == 2


def test_two_500s_are_retried(server: FakeOpenAIServer) -> None:
    server.add(status(500), status(500), stream(["ok"]))
    pieces: list[str] = []
    _collect(create_openai_chat(_settings(server.url)), pieces)
    assert pieces == ["ok"]
    assert server.request_count == 3


def test_three_500s_raise_a_clear_error(server: FakeOpenAIServer) -> None:
    server.add(status(500), status(500), status(500), stream(["never"]))
    settings = _settings(server.url)
    with pytest.raises(openai.InternalServerError) as caught:
        _collect(create_openai_chat(settings), [])
    assert server.request_count == 3  # the first try and 2 retries
    assert explain(caught.value, settings) == f"the LLM server at {server.url} answered 500: fake error 500"


def test_a_404_is_not_retried_and_names_the_model(server: FakeOpenAIServer) -> None:
    server.add(status(404), stream(["never"]))
    settings = _settings(server.url)
    with pytest.raises(openai.NotFoundError) as caught:
        _collect(create_openai_chat(settings), [])
    assert server.request_count == 1
    assert "'test-model'" in explain(caught.value, settings)
    assert "ADVISOR_LLM__MODEL" in explain(caught.value, settings)


def test_a_silent_server_times_out_after_the_read_timeout() -> None:
    fake = FakeOpenAIServer(hang(30), stream(["too late"])).start()
    settings = _settings(fake.url)
    try:
        start = time.monotonic()
        with pytest.raises(openai.APITimeoutError) as caught:
            _collect(create_openai_chat(settings), [])
        elapsed = time.monotonic() - start
        assert READ_S - 0.2 < elapsed < READ_S + 3
        assert fake.request_count == 1  # a timeout is not retried: it would triple the wait
        assert explain(caught.value, settings) == (
            f"the LLM server at {fake.url} sent nothing for 1.5 s (overloaded, or still loading the model?)"
        )
    finally:
        start = time.monotonic()
        fake.stop()  # wakes the hanging handler and joins it
    assert time.monotonic() - start < 2
    assert not [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_a_cut_stream_raises_after_its_pieces_and_is_not_retried(chunked: bool) -> None:
    with FakeOpenAIServer(cut(["one ", "two "]), stream(["one ", "two ", "three"]), chunked=chunked) as fake:
        settings = _settings(fake.url)
        pieces: list[str] = []
        start = time.monotonic()
        with pytest.raises(ModelConnectionError) as caught:
            _collect(create_openai_chat(settings), pieces)
        assert time.monotonic() - start < READ_S
        assert pieces == ["one ", "two "]
        assert fake.request_count == 1  # nothing retried, so nothing repeated
    message = explain(caught.value, settings)
    if chunked:  # the HTTP layer sees the missing end of the chunked body
        assert isinstance(caught.value, openai.APIConnectionError)
        assert message == f"the connection to the LLM server at {fake.url} broke off"
    else:  # a clean end of the body: caught because no chunk carried a finish_reason
        assert message == "the LLM server closed the stream before the answer was finished"


def test_stopping_early_is_not_an_error(server: FakeOpenAIServer) -> None:
    server.add(stream(["a", "b", "c"]))
    for piece in stream_text(create_openai_chat(_settings(server.url)), [HumanMessage("hi")]):
        assert piece == "a"
        break


def test_a_refused_connection_fails_quickly_and_clearly() -> None:
    settings = _settings(closed_port_url())
    start = time.monotonic()
    with pytest.raises(openai.APIConnectionError) as caught:
        _collect(create_openai_chat(settings), [])
    assert time.monotonic() - start < CONNECT_S + 3  # 2 retries, 0.5 s and 1 s apart
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert explain(caught.value, settings) == (
        f"could not connect to the LLM server at {settings.base_url}: is it running? (ADVISOR_LLM__BASE_URL)"
    )


@pytest.mark.parametrize(("field", "variable"), [("base_url", "BASE_URL"), ("model", "MODEL")])
def test_missing_settings_name_the_environment_variable(field: str, variable: str) -> None:
    settings = _settings("http://127.0.0.1:1/v1").model_copy(update={field: ""})
    with pytest.raises(LLMUnavailable, match=f"ADVISOR_LLM__{variable}"):
        create_openai_chat(settings)
