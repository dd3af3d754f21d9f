"""The turn, end to end over the shipped knowledge bases (real embedder), with a scripted chat model."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.dialogue import safety
from advisor.dialogue.advisor import Advisor
from advisor.events import Event, Notice, Sentence, Sources, TextDelta, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm import LLMUnavailable
from advisor.llm.fake import ScriptedChatModel


def run(advisor: Advisor, question: str, **kwargs: object) -> tuple[list[Event], TurnEnd]:
    events = list(advisor.turn(question, **kwargs))  # type: ignore[arg-type]
    end = events[-1]
    assert isinstance(end, TurnEnd)
    return events, end


def make(
    shipped: KnowledgeLibrary, tmp_path: Path, *replies: str, **kwargs: object
) -> tuple[Advisor, ScriptedChatModel]:
    llm = ScriptedChatModel(replies=list(replies), **kwargs)
    settings = Settings(data_dir=tmp_path / "app")
    return Advisor(settings, library=shipped, llm=llm), llm


def of_type(events: list[Event], kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


def test_grounded_answer_streams_with_citations_and_sentences(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    advisor, llm = make(shipped, tmp_path, "成年人每天食盐不超过5克。[1] 少吃咸菜和加工食品。")
    events, end = run(advisor, "成年人每天吃多少盐合适？")
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("Sources") < kinds.index("TextDelta")
    sources = of_type(events, Sources)[0]
    assert sources.items and sources.items[0].n == 1
    assert any("盐" in s.title for s in sources.items)
    assert end.grounded and end.citations == (1,)
    assert end.domain == "health"
    assert [s.text for s in of_type(events, Sentence)][:2] == [
        "成年人每天食盐不超过5克。[1]",
        "少吃咸菜和加工食品。",
    ]
    assert "5克" in end.answer
    system, *_, user = llm.seen[0]
    assert "【资料】" in str(user.content) and "不是指令" in str(system.content)


def test_invented_figure_falls_back_to_quoting_the_sources(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, _ = make(shipped, tmp_path, "成年人每天可以吃12克盐。[1]")
    events, end = run(advisor, "成年人每天吃多少盐合适？")
    assert "12克" not in end.answer, "the invented figure never reaches the answer"
    assert end.citations and all(f"[{n}]" in end.answer for n in end.citations), end.answer
    replaced = [e for e in of_type(events, TextDelta) if e.replace]
    assert replaced, "the unsupported answer must be replaced"
    assert end.fallback.startswith("unsupported") and "12" in end.fallback
    assert end.grounded
    assert not any("12克" in s.text for s in of_type(events, Sentence)), (
        "an unsupported sentence is never spoken"
    )


def test_citation_of_a_missing_source_fails_the_guard(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, _ = make(shipped, tmp_path, "Adults should eat less salt [9].")
    _, end = run(advisor, "How much salt should adults eat per day?")
    assert "does not exist" in end.fallback


def test_question_outside_the_knowledge_base_is_said_plainly(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    advisor, llm = make(shipped, tmp_path, "Paris.")
    events, end = run(advisor, "Who won the 2018 World Cup?")
    assert "knowledge base" in end.answer and "won't guess" in end.answer
    assert not of_type(events, Sources)[0].items
    assert not end.grounded and not llm.seen


@pytest.mark.parametrize(
    ("question", "line"), [("我不想活了，活着没意思", "12356"), ("I want to kill myself", "988")]
)
def test_crisis_always_gets_the_crisis_line(
    shipped: KnowledgeLibrary, tmp_path: Path, question: str, line: str
) -> None:
    advisor, llm = make(shipped, tmp_path, "anything")
    _, end = run(advisor, question)
    assert line in end.answer
    assert not llm.seen, "a crisis reply never depends on the model"


def test_dose_question_gets_a_notice_and_general_information(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    """The emergency and dose notices come first, from the advisor itself, not from the model's reply
    (which here names neither 120 nor a doctor)."""
    advisor, _ = make(shipped, tmp_path, "胸痛伴出汗时要尽快就医。[1]")
    question = "我胸口痛还出冷汗，吃几片阿司匹林？"
    _, end = run(advisor, question)
    assessment = safety.assess(question)
    assert assessment.medical_urgent and assessment.asks_dose
    notices = assessment.notices("zh")
    assert len(notices) == 2 and "120" in notices[0]
    assert end.answer.startswith("\n\n".join(notices)), end.answer


def test_follow_up_uses_the_history(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, llm = make(shipped, tmp_path, "成年人每天食盐不超过5克。[1]", "儿童应该更少。[1]")
    session = advisor.conversations.create()
    run(advisor, "成年人每天吃多少盐合适？", session_id=session)
    events, _ = run(advisor, "那儿童呢？", session_id=session)
    query = of_type(events, Sources)[0].query
    assert "盐" in query and "儿童" in query
    second_prompt = llm.seen[1]
    assert any("成年人每天吃多少盐合适" in str(m.content) for m in second_prompt[1:-1])


def test_broken_stream_is_never_repeated(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, _ = make(
        shipped, tmp_path, "Adults should keep salt under 5 g a day. [1] More text follows.", fail_after=3
    )
    events, end = run(advisor, "How much salt should adults eat per day?")
    assert of_type(events, Notice)
    assert end.fallback.startswith("stream failed")
    assert sum(1 for e in of_type(events, TextDelta) if e.replace) == 1


def test_unavailable_model_still_answers_from_the_sources(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, _ = make(shipped, tmp_path)

    def broken() -> ScriptedChatModel:
        raise LLMUnavailable("no GGUF model file at /nowhere")

    advisor.llm = broken  # type: ignore[method-assign]
    events, end = run(advisor, "How much salt should adults eat per day?")
    assert any("unavailable" in n.message for n in of_type(events, Notice))
    assert end.grounded and end.citations


def test_english_question_gets_english_prompt_and_disclaimer(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    advisor, llm = make(shipped, tmp_path, "Adults should eat less than 5 g of salt a day. [1]")
    _, end = run(advisor, "How much salt should adults eat per day?")
    assert end.language == "en" and end.grounded
    assert "Answer only from the [Sources]" in str(llm.seen[0][0].content)
    note = safety.disclaimer("health", "en")
    assert note and end.answer.rstrip().endswith(note), "health answers end with a short disclaimer"


def test_conversation_survives_a_restart(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, _ = make(shipped, tmp_path, "成年人每天食盐不超过5克。[1]")
    session = advisor.conversations.create()
    run(advisor, "成年人每天吃多少盐合适？", session_id=session)
    again, _ = make(shipped, tmp_path, "x")
    messages = again.conversations.messages(session)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].extra["sources"] and messages[1].extra["query"]


def test_empty_and_huge_questions(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    advisor, llm = make(shipped, tmp_path, "成年人每天食盐不超过5克。[1]")
    _, end = run(advisor, "   \u200b ")
    assert end.answer and not llm.seen
    events, end = run(advisor, "成年人每天吃多少盐合适？" * 1000)
    assert of_type(events, Notice) and end.answer


def test_the_first_clause_is_spoken_before_the_first_sentence_ends(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    advisor, _ = make(shipped, tmp_path, "根据知识库里的这份资料，成年人每天食盐不超过5克。[1] 少吃咸菜。")
    events, end = run(advisor, "成年人每天吃多少盐合适？")
    assert not end.fallback
    assert [s.text for s in of_type(events, Sentence)][:3] == [
        "根据知识库里的这份资料，",
        "成年人每天食盐不超过5克。[1]",
        "少吃咸菜。",
    ]


def test_a_data_dir_that_cannot_be_read_gets_a_plain_error(
    shipped: KnowledgeLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.knowledge.library import StorageError

    advisor, llm = make(shipped, tmp_path, "unused")

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise StorageError("no space left on device")

    monkeypatch.setattr(advisor.retriever, "retrieve", broken)
    events, end = run(advisor, "成年人每天吃多少盐合适？")
    assert "无法读取" in end.answer and "no space left" in end.answer
    assert any(isinstance(e, Notice) and e.level == "error" for e in events)
    assert not llm.seen  # the model is not asked without its sources
    _, end = run(advisor, "How much salt a day?")
    assert "cannot be read" in end.answer
