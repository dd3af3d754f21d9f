"""An answer without [n] markers is cited from the passages it was drawn from, not replaced by quotes."""

from __future__ import annotations

from advisor.dialogue.attribution import attribute

GAOKAO = "平行志愿的投档原则是“分数优先、遵循志愿”：按分数从高到低排序，轮到某位考生时按志愿顺序检索。"
STUDY = "Spaced repetition beats cramming: review a topic after a day, then after a few days."
OTHER = "退货需要在七日内提出申请，商品应当完好。"


def test_words_beyond_the_question_point_to_their_passage() -> None:
    """Bug: right answers that restated the question and added the passage's point were replaced by
    quotes ("the answer cites no source")."""
    answer = "高考志愿里的平行志愿是按照分数优先、遵循志愿的原则进行投档的。"
    assert attribute(answer, [OTHER, GAOKAO], "高考志愿里的平行志愿到底是怎么投档的？") == [2]
    english = "The most effective way to study so you remember things is to use spaced repetition."
    assert attribute(english, [STUDY], "What's the most effective way to study so I remember things?") == [1]


def test_restating_the_question_cites_nothing() -> None:
    assert attribute("平行志愿是怎么投档的呢。", [GAOKAO], "平行志愿是怎么投档的？") == []
