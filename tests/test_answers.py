"""What the turn does with a model answer that is partly wrong, uncited, or has nothing to answer from
(shipped knowledge bases, real embedder, scripted chat model)."""

from __future__ import annotations

from pathlib import Path

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Event, Sentence, TextDelta, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel


def run(
    shipped: KnowledgeLibrary, tmp_path: Path, question: str, *replies: str
) -> tuple[list[Event], TurnEnd, ScriptedChatModel]:
    llm = ScriptedChatModel(replies=list(replies))
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    events = list(advisor.turn(question))
    end = events[-1]
    assert isinstance(end, TurnEnd)
    return events, end, llm


def test_one_unsupported_sentence_is_dropped_and_the_rest_stands(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    """Bug: one invented figure replaced the whole (otherwise right) answer with quoted passages."""
    events, end, _ = run(
        shipped,
        tmp_path,
        "成年人每天吃多少盐合适？",
        "成年人每天食盐不超过5克。[1] 有人说每天12克也行。[1] 少吃咸菜。",
    )
    assert not end.fallback and end.grounded
    assert "不超过5克" in end.answer and "12克" not in end.answer and "少吃咸菜" in end.answer
    assert any(e.replace and "12克" not in e.text for e in events if isinstance(e, TextDelta))
    assert not any("12克" in e.text for e in events if isinstance(e, Sentence))


def test_the_sugar_figure_given_for_salt_is_not_passed(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    """Bug: the README's first example answered 约25克 (sugar) for salt, and the guard let it through."""
    events, end, _ = run(shipped, tmp_path, "成年人每天吃多少盐合适？", "成年人一天吃约25克。[1]")
    assert end.fallback.startswith("said of something else")
    assert not any("约25克。" in e.text for e in events if isinstance(e, Sentence))


def test_an_uncited_answer_gets_its_markers(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    _, end, _ = run(shipped, tmp_path, "成年人每天吃多少盐合适？", "成年人每天食盐不超过5克。")
    assert not end.fallback and end.grounded and end.citations
    assert "[" in end.answer


def test_on_topic_but_not_in_the_documents_is_said_honestly(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    _, end, llm = run(shipped, tmp_path, "《中国居民膳食指南（2022）》的主编是谁？", "主编是张三。[1]")
    assert end.fallback.startswith("not answerable")
    assert "没有提到" in end.answer and "主编" in end.answer and "资料里有" in end.answer
    assert not end.citations and not end.grounded and not llm.seen, "no quote, no model answer"
    _, english, _ = run(shipped, tmp_path, "Who invented the first blood pressure cuff?", "Dr. Smith. [1]")
    assert english.fallback.startswith("not answerable") and "do not mention" in english.answer


def test_a_looping_answer_is_cut_after_it_repeats_itself(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    """Bug: the 0.5B model repeated one sentence until max_tokens (512 tokens, 200 s of speech)."""
    loop = "因此，成年人每天食盐不超过5克。[1] " * 6
    _, end, _ = run(
        shipped, tmp_path, "成年人每天吃多少盐合适？", f"成年人每天食盐不超过5克。[1] {loop}少吃咸菜。"
    )
    assert not end.fallback and end.grounded
    assert end.answer.count("不超过5克") == 1
    assert "少吃咸菜" not in end.answer  # reading stopped at the loop


def test_the_question_said_back_and_the_prompt_layout_are_not_an_answer(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    """Bug: the small model's "answer" was the question itself, or "[Sources] [1] [2] [3]"."""
    _, end, _ = run(
        shipped,
        tmp_path,
        "成年人每天吃多少盐合适？",
        "成年人每天吃多少盐合适 [1]。【资料】[1] [2]。成年人每天食盐不超过5克。[1]",
    )
    assert not end.fallback and end.answer.startswith("成年人每天食盐不超过5克")
    assert "【资料】" not in end.answer
    _, end, _ = run(shipped, tmp_path, "成年人每天吃多少盐合适？", "成年人每天吃多少盐合适？[1]")
    assert end.fallback.startswith("restates the question")


def test_citation_markers_alone_are_no_answer(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    """Bug: the 1.5B model once answered "[1] [2]" and nothing else, and it passed as its own words."""
    _, end, _ = run(shipped, tmp_path, "成年人每天吃多少盐合适？", "[1] [2]")
    assert end.fallback == "nothing but citation markers"
    assert "不超过5克" in end.answer  # the passages are quoted instead


def test_a_source_title_is_not_an_answer(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    """Bug: the README's first question got "[1] 《少盐少糖：每天吃多少才合适》" and nothing else."""
    _, end, _ = run(shipped, tmp_path, "成年人每天吃多少盐合适？", "[1] 《少盐少糖：每天吃多少才合适》")
    assert end.fallback.startswith("names a source and says nothing")
    assert "不超过5克" in end.answer
