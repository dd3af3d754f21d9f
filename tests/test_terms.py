"""What a question asks: the slot, the thing asked about, and matching words inside words."""

from __future__ import annotations

import pytest

from advisor.knowledge.terms import asked, key_terms, mentions


@pytest.mark.parametrize(
    ("question", "slot", "heads"),
    [
        ("成年人每天吃多少盐合适？", "quantity", ("盐",)),
        ("星澜银行的董事长是谁？", "who", ("董事长",)),
        ("血压多少算高血压？", "quantity", ("血压",)),
        ("How much salt should adults eat per day?", "quantity", ("salt",)),
        ("Who chairs Starlight Bank?", "who", ("chairs", "starlight")),
        ("How many hours of sleep do adults need?", "quantity", ("sleep",)),
        ("我每个月开销8000块，应急的钱要备多少？放余额宝里安全吗？", "quantity", ("备",)),
    ],
)
def test_the_slot_and_the_thing_asked_about(question: str, slot: str, heads: tuple[str, ...]) -> None:
    ask = asked(question)
    assert ask.slot == slot
    assert ask.heads == heads


def test_a_measure_word_is_not_the_thing_asked_about() -> None:
    assert asked("成年人每天要睡几个小时才够？").heads == ("每天", "睡")


def test_key_terms_leave_out_the_question_frame() -> None:
    assert key_terms("成年人每天吃多少盐合适？") == ["成年人", "每天", "吃", "盐"]
    assert key_terms("What is the minimum wage in Texas?") == ["minimum", "wage", "texas"]


def test_words_are_matched_inside_words() -> None:
    assert mentions("建议成人每天摄入食盐不超过5克", "盐")
    assert not mentions("游离糖摄入量低于每日总能量的10%", "盐")
    assert mentions("The chairman of the board", "chairs")
    assert not mentions("a wheelchair ramp", "chair")
