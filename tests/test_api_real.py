"""The API on the real default stack (packaged e5 retrieval over the shipped knowledge bases, the packaged
Qwen model), driven by the official `openai` package; and a second advisor whose own `openai` LLM backend
uses the first one's model through the API (one machine serving the model for another).

Kept to two questions: the real model is slow on two cores.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_server import RunningAPI, start_api

from advisor.config import LLMSettings, Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Sources, TurnEnd
from advisor.llm.llamacpp import LlamaCppChatModel
from advisor.llm.openai_compat import create_openai_chat

pytestmark = pytest.mark.slow
SALT = "成年人一天吃多少盐才不算多？"  # bench/questions/health.jsonl: health-01, key fact 5克
SALT_SOURCE = "health/salt-and-sugar.zh.md"


@pytest.fixture(scope="module")
def api(shipped_data_dir: Path, default_llm: LlamaCppChatModel) -> Iterator[RunningAPI]:
    settings = Settings(data_dir=shipped_data_dir)
    running = start_api(settings, Advisor(settings, llm=default_llm))
    yield running
    running.stop()


def test_streamed_chinese_question_on_the_real_stack(api: RunningAPI) -> None:
    stream = api.client().chat.completions.create(
        model="advisor", messages=[{"role": "user", "content": SALT}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    extension = (chunks[-1].model_extra or {})["advisor"]
    documents = [s["document"] for s in extension["sources"]]
    assert SALT_SOURCE in documents, documents
    # The text carries the right source: a [n] marker in it names the salt document in the extension.
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert SALT_SOURCE in {documents[n - 1] for n in cited if n <= len(documents)}, (text, documents)
    assert extension["language"] == "zh" and extension["grounded"], extension
    assert text.strip() == extension["answer"].strip() or extension["replaced"]


def test_another_advisor_answers_with_this_ones_model(api: RunningAPI, tmp_path: Path) -> None:
    """Advisor B (backend openai, model advisor-llm) runs its own retrieval and guard; the tokens come
    from advisor A's model, through A's API."""
    settings = Settings(
        data_dir=api.settings.data_dir,
        llm=LLMSettings(backend="openai", base_url=api.url, model="advisor-llm", api_key="local"),
    )
    # The backend as `create_llm` makes it, at the temperature and length of the in-process model here.
    llm = create_openai_chat(settings.llm, max_tokens=160, temperature=0.0)
    second = Advisor(settings, llm=llm)
    events = list(second.turn(SALT))
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.answer.strip()
    assert end.fallback == "" and end.grounded, (end.fallback, end.answer)
    documents = [s.document for e in events if isinstance(e, Sources) for s in e.items]
    assert SALT_SOURCE in documents, documents
    # What B's prompt makes the model write differs from A's own turn (B's guard then decides), so no
    # key fact is asserted here: the API hands the tokens on as the model writes them (checked against
    # the same model in-process while this test was written: the same text).
