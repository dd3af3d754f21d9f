"""docs/RELIABILITY.md is written by the tests that produce its rows.

A test records what it tried with the `reliability` fixture:

    reliability("Bad input", "Audio: 30 s of silence, noise, 10 ms", cases=24, result="'no speech heard', app serves")

Every run writes test-artifacts/RELIABILITY.md. docs/RELIABILITY.md is rewritten only after a run of the
whole of tests/reliability that passed, so a partial or failing run never replaces the published table.
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor.config import REPO_ROOT

HERE = Path(__file__).resolve().parent
SECTIONS = ("Bad input", "Faults", "Attacks", "Load")


@dataclass(frozen=True)
class Row:
    section: str
    tried: str
    cases: int
    result: str
    test: str


_rows: dict[tuple[str, str], Row] = {}
_state = {"collected": 0, "passed": 0, "deselected": 0}

Record = Callable[..., None]


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Record:
    def record(section: str, tried: str, cases: int, result: str) -> None:
        if section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}")
        if cases < 1:
            raise ValueError("a row needs at least one case")
        _rows[(section, tried)] = Row(section, tried, cases, result, request.node.nodeid)

    return record


def _ours(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).resolve().is_relative_to(HERE)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    _state["collected"] = sum(1 for item in items if _ours(item))


def pytest_deselected(items: list[pytest.Item]) -> None:
    _state["deselected"] += sum(1 for item in items if _ours(item))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or not Path(report.fspath).resolve().is_relative_to(HERE):
        return
    # A test that could not check here (no service to ask) counts when its row says so.
    said_why = report.skipped and any(r.test == report.nodeid for r in _rows.values())
    if report.passed or said_why:
        _state["passed"] += 1


def _whole_folder(config: pytest.Config) -> bool:
    """Whether this run asked for all of tests/reliability (not one file of it, not a -k or -m selection)."""
    if config.option.keyword or config.option.markexpr:
        return False
    base = config.invocation_params.dir
    asked = [(base / str(arg).split("::")[0]).resolve() for arg in config.args]
    return any(HERE.is_relative_to(path) for path in asked)


def _render() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Reliability and security",
        "",
        "Written by `pytest tests/reliability` (part of `make test`); do not edit by hand. Each row is one test's",
        "record of what it tried, how many cases, and what happened. Every test here asserts what its row says.",
        "",
    ]
    for section in SECTIONS:
        rows = sorted((r for r in _rows.values() if r.section == section), key=lambda r: r.tried)
        if not rows:
            continue
        lines += [
            f"## {section}",
            "",
            "| what was tried | cases | what happened | test |",
            "| --- | --- | --- | --- |",
        ]
        for r in rows:
            cell = lambda s: s.replace("|", "\\|").replace("\n", " ")  # noqa: E731
            lines.append(f"| {cell(r.tried)} | {r.cases} | {cell(r.result)} | `{r.test}` |")
        lines.append("")
    lines.append(
        f"_Run {when} at commit `{commit}` on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}._"
    )
    return "\n".join(lines) + "\n"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _rows:
        return
    text = _render()
    artifacts = REPO_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "RELIABILITY.md").write_text(text, encoding="utf-8")
    whole = (
        _whole_folder(session.config)
        and exitstatus == 0
        and _state["deselected"] == 0
        and _state["collected"] > 0
        and _state["passed"] == _state["collected"]
    )
    if whole:
        (REPO_ROOT / "docs" / "RELIABILITY.md").write_text(text, encoding="utf-8")
