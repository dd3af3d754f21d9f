"""The chat API driven through the official `openai` package (and LangChain's ChatOpenAI) against a running
server: a small knowledge base on the real default embedder, a chat model scripted by the question, the
real OCR for pictures.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_server import RunningAPI, scripted_advisor, start_api
from e2e.appserver import KB, picture_of

pytestmark = pytest.mark.slow
PARKING = "星河小区的访客车辆可以免费停放多久？"
# A reply with one invented figure (99 dollars is in no document): the guard drops that sentence.
INVENTED = (
    "lost card",
    "A Riverside Library card costs 12 dollars a year. [1] A lost card costs 99 dollars to replace. [1] "
    "Members may borrow up to 8 books at a time. [1]",
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAPI]:
    root = tmp_path_factory.mktemp("api-chat")
    advisor = scripted_advisor(root, routes=[INVENTED])
    running = start_api(advisor.settings, advisor)
    yield running
    running.stop()


def extension(obj: Any) -> dict[str, Any]:
    """The `advisor` field of a completion or chunk, as the SDK keeps it (an extra field)."""
    extra = obj.model_extra or {}
    assert "advisor" in extra, f"no advisor extension in {obj}"
    return dict(extra["advisor"])


def test_models_are_the_advisors_with_their_knowledge_bases(api: RunningAPI) -> None:
    models = {m.id: m for m in api.client().models.list()}
    assert "advisor" in models and "advisor-health" in models and "advisor-finance" in models
    assert "advisor-llm" in models and "whisper-1" in models and "tts-1" in models
    general = (models["advisor"].model_extra or {})["advisor"]
    assert KB in general["knowledge_bases"]
    assert api.client().models.retrieve("advisor-health").id == "advisor-health"


def test_streamed_chinese_question_carries_text_and_sources(api: RunningAPI) -> None:
    stream = api.client().chat.completions.create(
        model="advisor", messages=[{"role": "user", "content": PARKING}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "3小时" in text and "[1]" in text, text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    ext = extension(last)
    assert ext["grounded"] is True and ext["language"] == "zh"
    first = ext["sources"][0]
    assert first["kb"] == KB and first["document"].startswith("parking") and "3小时" in first["text"]
    assert {"kb", "source", "title", "text", "score"} <= set(first)
    assert ext["timings_ms"]["total_ms"] > 0
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 2, "not streamed"


def test_a_sentence_the_guard_drops_is_never_streamed(api: RunningAPI) -> None:
    """The page redraws an answer when the guard drops a sentence; a stream cannot take text back, so the
    API sends only checked sentences: the invented figure never reaches the client."""
    chunks = list(
        api.client().chat.completions.create(
            model="advisor",
            messages=[{"role": "user", "content": "Riverside Library lost card: what does it cost?"}],
            stream=True,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "12 dollars" in text and "8 books" in text, text
    assert "99" not in text, text
    ext = extension(chunks[-1])
    assert "99" not in ext["answer"] and text.strip() == ext["answer"].strip()


def test_whole_answer_matches_and_unknown_parameters_are_ignored(api: RunningAPI) -> None:
    reply = api.client().chat.completions.create(
        model="advisor",
        messages=[{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": PARKING}],
        presence_penalty=0.5,
        user="tester",
        extra_body={"no_such_parameter": {"x": 1}},
    )
    assert reply.object == "chat.completion"
    assert "3小时" in (reply.choices[0].message.content or "")
    ext = extension(reply)
    assert ext["sources"][0]["kb"] == KB and ext["answer"] == reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.completion_tokens > 0


def test_follow_up_reads_the_history_in_messages(api: RunningAPI) -> None:
    model = api.advisor.stages.llm.get()
    before = len(model.seen)
    reply = api.client().chat.completions.create(
        model="advisor",
        messages=[
            {"role": "user", "content": "Riverside Library card rules?"},
            {"role": "assistant", "content": "The card is 12 dollars a year, the desk said. [1]"},
            {"role": "user", "content": "And how many books can members borrow?"},
        ],
    )
    assert "8 books" in (reply.choices[0].message.content or "")
    prompt = "\n".join(str(m.content) for m in model.seen[before])
    assert "the desk said" in prompt, "the earlier answer did not reach the model as history"
    assert extension(reply)["sources"][0]["document"].startswith("library")
    # Nothing of the conversation stays on the server.
    assert not [s for s in api.advisor.conversations.sessions(None) if s.owner.startswith("api:")]


def test_image_question_as_a_data_url(api: RunningAPI, tmp_path: Path) -> None:
    picture = picture_of("Riverside Library card price?", tmp_path / "q.png")
    data = base64.b64encode(picture.read_bytes()).decode()
    stream = api.client().chat.completions.create(
        model="advisor",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What does this say?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}},
                ],
            }
        ],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "12 dollars" in text, text
    ext = extension(chunks[-1])
    assert "riverside" in ext["image_text"]["text"].lower()


def test_max_tokens_and_stop(api: RunningAPI) -> None:
    short = api.client().chat.completions.create(
        model="advisor", messages=[{"role": "user", "content": PARKING}], max_tokens=5
    )
    assert short.choices[0].finish_reason == "length"
    assert len(short.choices[0].message.content or "") < 12
    stopped = api.client().chat.completions.create(
        model="advisor", messages=[{"role": "user", "content": PARKING}], stop=["小时"], stream=False
    )
    content = stopped.choices[0].message.content or ""
    assert stopped.choices[0].finish_reason == "stop" and "小时" not in content and "3" in content


def test_include_usage_sends_a_usage_chunk(api: RunningAPI) -> None:
    chunks = list(
        api.client().chat.completions.create(
            model="advisor-shopping",
            messages=[{"role": "user", "content": "How much is a Riverside Library card?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None


def test_langchain_chat_openai_answers(api: RunningAPI) -> None:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=api.url, api_key="local", model="advisor", max_retries=0)  # type: ignore[arg-type]
    answer = chat.invoke(PARKING)
    assert "3小时" in str(answer.content)
    streamed = "".join(str(c.content) for c in chat.stream("How much is a Riverside Library card?"))
    assert "12 dollars" in streamed


def test_raw_model_for_another_advisor(api: RunningAPI) -> None:
    """advisor-llm hands the messages to the model as they are (no retrieval, no guard)."""
    reply = api.client().chat.completions.create(
        model="advisor-llm",
        messages=[{"role": "system", "content": "x"}, {"role": "user", "content": "[Question] borrow?"}],
    )
    assert (
        reply.choices[0].message.content
        == "Members may borrow up to 8 books at a time, for 21 days each. [1]"
    )
    assert "advisor" not in (reply.model_extra or {})


def test_another_advisor_uses_this_model_with_its_own_prompt(api: RunningAPI) -> None:
    """A second advisor with the `openai` backend (model advisor-llm) sends its whole prompt, system
    message included, and gets the model's reply as its answer."""
    from advisor.config import LLMSettings
    from advisor.dialogue.advisor import Advisor
    from advisor.events import TurnEnd
    from advisor.llm.openai_compat import create_openai_chat

    settings = api.advisor.settings.model_copy(
        update={"llm": LLMSettings(backend="openai", base_url=api.url, model="advisor-llm", api_key="local")}
    )
    second = Advisor(settings, library=api.advisor.library, llm=create_openai_chat(settings.llm))
    model = api.advisor.stages.llm.get()
    before = len(model.seen)
    end = list(second.turn("How much is a Riverside Library card?"))[-1]
    assert isinstance(end, TurnEnd) and "12 dollars" in end.answer and not end.fallback, end
    seen = model.seen[before]
    assert [type(m).__name__ for m in seen][:1] == ["SystemMessage"] and len(str(seen[0].content)) > 200
    # B's passages reached the model:
    assert "Riverside Library card costs 12 dollars" in str(seen[-1].content)
