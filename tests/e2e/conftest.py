"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`), the app server,
and a folder for screenshots (env ADVISOR_TEST_ARTIFACTS, default test-artifacts/ at the repo root)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.config import REPO_ROOT

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from e2e.appserver import Server, scripted_server  # noqa: E402
from e2e.chatpage import ChatPage  # noqa: E402


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("ADVISOR_TEST_ARTIFACTS") or REPO_ROOT / "test-artifacts") / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app with the scripted model; its answers come a word at a time so the page can show them stream."""
    server = scripted_server(tmp_path_factory.mktemp("e2e"), word_s=0.02)
    yield server
    server.close()


@pytest.fixture
def open_page(
    chromium: Any, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., ChatPage]]:
    pages: list[ChatPage] = []

    def make(server: Server, locale: str = "en-US", browser: Any = None) -> ChatPage:
        name = request.node.name.replace("test_", "", 1)
        page = ChatPage(browser or chromium, server.url, artifacts, locale, name)
        pages.append(page)
        return page

    yield make
    failed = getattr(getattr(request.node, "rep_call", None), "failed", False)
    for page in pages:
        with contextlib.suppress(Exception):  # the page may be gone with its own browser
            if failed:
                page.shot("failed")
            page.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
