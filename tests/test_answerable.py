"""Answerability: passages on the topic that do not hold the asked-for fact are not an answer."""

from __future__ import annotations

from advisor.dialogue.answerable import Passage, judge

BANK_ZH = Passage(
    "星澜银行存款利率",
    "星澜银行一年期定期存款利率为1.65%，三年期为2.15%。活期存款利率为0.2%。"
    "存款可以在网点或手机银行办理，起存金额为50元。",
)
BANK_EN = Passage(
    "Starlight Bank deposit rates",
    "Starlight Bank pays 1.65% a year on one-year deposits and 2.15% on three-year deposits. "
    "Deposits can be opened in a branch or in the app, from 50 dollars.",
)


def test_a_question_the_passages_answer() -> None:
    assert judge("星澜银行一年期定期存款利率是多少？", [BANK_ZH]).answerable
    assert judge("How much do I need to open a deposit at Starlight Bank?", [BANK_EN]).answerable


def test_the_thing_asked_about_is_in_no_passage() -> None:
    verdict = judge("星澜银行的董事长是谁？", [BANK_ZH])
    assert not verdict.answerable
    assert verdict.missing == ("董事长",)
    assert verdict.covered == ("星澜银行存款利率",)
    english = judge("Who chairs Starlight Bank?", [BANK_EN])
    assert not english.answerable and "chairs" in english.missing


def test_a_year_or_a_name_the_passages_never_give() -> None:
    assert judge("星澜银行2019年的存款利率是多少？", [BANK_ZH]).missing == ("2019",)
    assert judge("What deposit rate does Starlight Bank pay in Canada?", [BANK_EN]).missing == ("Canada",)
    # A name in the sentence that tells the user's situation is not what is asked.
    assert judge(
        "I live in Canada. How much do I need to open a deposit at Starlight Bank?", [BANK_EN]
    ).answerable


def test_a_question_of_quantity_needs_a_figure_in_the_unit_it_asks() -> None:
    no_figure = Passage("星澜银行简介", "星澜银行的网点遍布全省，员工服务热情。")
    verdict = judge("星澜银行有多少个网点？", [no_figure])
    assert not verdict.answerable and verdict.reason == "no_value"
    assert not judge("星澜银行一共有多少人？", [BANK_ZH]).answerable


def test_passages_in_another_language_cannot_be_judged_by_words() -> None:
    assert judge("星澜银行的董事长是谁？", [BANK_EN]).answerable
