"""The model's context: passages cut to their relevant sentences within a token budget."""

from __future__ import annotations

from advisor.dialogue.context import focus_passages
from advisor.knowledge.chunking import estimate_tokens

FILLER_ZH = "本节介绍了相关背景和一般原则，供读者参考。"
FILLER_EN = "This section gives general background for readers who want context."


def test_passages_that_fit_are_unchanged() -> None:
    passages = ["成年人每天食盐不超过5克。", "Adults should eat less than 5 g of salt a day."]
    assert focus_passages("每天吃多少盐？", passages, 250) == passages


def test_the_matching_sentence_survives_and_the_budget_holds() -> None:
    passage = FILLER_ZH * 12 + "《中国居民膳食指南》建议成年人每天食盐不超过5克。" + FILLER_ZH * 12
    other = "退货需要在七日内提出申请，商品应当完好。" * 10
    focused = focus_passages("成年人每天吃多少盐？", [passage, other], 60)
    assert "每天食盐不超过5克" in focused[0]
    assert sum(estimate_tokens(t) for t in focused) <= 60
    assert len(focused) == 2  # one entry per passage, so the citation numbers still line up


def test_kept_sentences_stay_in_their_original_order_with_gaps_marked() -> None:
    passage = " ".join(
        [
            "Sodium is listed on nutrition labels in milligrams.",
            *[FILLER_EN] * 6,
            "To convert sodium to salt, multiply the milligrams by 2.5.",
            *[FILLER_EN] * 6,
            "Adults should keep salt under 5 g a day.",
        ]
    )
    focused = focus_passages(
        "Where do nutrition labels list sodium, and how to convert it to salt?", [passage], 90
    )[0]
    assert focused.index("nutrition labels") < focused.index("multiply")
    assert "…" in focused


def test_a_question_of_quantity_prefers_the_sentence_with_a_figure() -> None:
    passage = " ".join(
        [
            "Sleep matters for adults and for children alike.",
            *[FILLER_EN] * 8,
            "Most adults need 7 to 9 hours.",
            *[FILLER_EN] * 8,
        ]
    )
    focused = focus_passages("How many hours of sleep do adults need?", [passage], 40)[0]
    assert "7 to 9 hours" in focused


def test_a_passage_in_the_other_language_keeps_its_opening() -> None:
    english = " ".join(["The WHO recommends less than 5 g of salt a day.", *[FILLER_EN] * 20])
    chinese = FILLER_ZH * 20
    focused = focus_passages("每天吃多少盐合适？", [chinese, english], 80)
    assert "less than 5 g of salt" in focused[1]


def test_the_sentences_about_the_asked_thing_win_over_a_neighbour_topic() -> None:
    """Bug: asked about salt, the model read the sugar section first (it shares 成年人 and 每天 with the
    question) and answered with sugar's 25克; 盐 inside 食盐 did not count as a match."""
    from advisor.config import REPO_ROOT

    document = (REPO_ROOT / "knowledge" / "health" / "salt-and-sugar.zh.md").read_text(encoding="utf-8")
    salt = document.split("## 盐：成人每天不超过5克")[1].split("## 糖")[0].strip()
    sugar = document.split("## 糖：添加糖最好不超过25克")[1].strip()
    focused = focus_passages("成年人每天吃多少盐合适？", [sugar, salt], 120)
    assert "不超过5克" in focused[1]
    assert "25克" not in focused[0]
