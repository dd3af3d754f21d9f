"""The claim check: a figure must come from a source sentence about the thing asked, not only appear in
the sources."""

from __future__ import annotations

from advisor.config import REPO_ROOT
from advisor.dialogue.claims import ClaimCheck

SALT_AND_SUGAR = (REPO_ROOT / "knowledge" / "health" / "salt-and-sugar.zh.md").read_text(encoding="utf-8")


def test_the_sugar_figure_is_not_an_answer_about_salt() -> None:
    """Bug: asked how much salt an adult may eat, the model answered 25克, the sugar figure of the same
    document, and the guard passed it because 25克 is in the source."""
    check = ClaimCheck("成年人每天吃多少盐合适？", [SALT_AND_SUGAR])
    assert check.misattributed("成年人一天吃约25克（约6茶匙）。") == ("25克", "6")
    assert check.misattributed("成年人每天食盐不超过5克，大约一啤酒瓶盖。") == ()


def test_a_figure_in_a_paragraph_about_the_subject_passes() -> None:
    check = ClaimCheck("儿童每天吃多少盐？", [SALT_AND_SUGAR])
    assert check.misattributed("4-5岁的孩子每天少于3克。") == ()


def test_nothing_to_check_when_the_sources_never_name_the_thing_asked() -> None:
    check = ClaimCheck("How much salt should adults eat?", ["Adults need 7-9 hours of sleep."])
    assert check.misattributed("About 9 hours.") == ()


def test_the_same_check_in_english() -> None:
    source = (
        "Salt: adults should eat less than 5 g a day.\n"
        "Sugar: free sugars should stay under 25 g a day for an adult."
    )
    check = ClaimCheck("How much salt should an adult eat a day?", [source])
    assert check.misattributed("An adult may eat up to 25 g a day.") == ("25 g",)
    assert check.misattributed("Less than 5 g a day.") == ()
