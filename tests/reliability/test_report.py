"""The report fixture refuses rows that would make the table misleading."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def test_rows_need_a_known_section_and_cases(reliability: Callable[..., None]) -> None:
    with pytest.raises(ValueError):
        reliability("Misc", "anything", 1, "ok")
    with pytest.raises(ValueError):
        reliability("Faults", "nothing tried", 0, "ok")
