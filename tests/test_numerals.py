"""Chinese numerals, as the guard and the speech scorer read them."""

from __future__ import annotations

import pytest

from advisor.numerals import chinese_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("五", 5),
        ("两", 2),
        ("十五", 15),
        ("一百二十", 120),
        ("三百零五", 305),
        ("一千五", 1500),
        ("三万五千", 35000),
        ("三万五", 35000),
        ("二〇二六", 2026),
        ("一亿", 100_000_000),
    ],
)
def test_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


def test_not_a_number() -> None:
    assert chinese_number("万一") is None
    assert chinese_number("") is None
