"""Shared fixtures: an isolated data dir per test, a fast hashing embedder, and the real e5 over the shipped KBs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.config import REPO_ROOT, Settings
from advisor.embeddings.fake import HashingEmbedder
from advisor.knowledge.library import KnowledgeLibrary

KNOWLEDGE = REPO_ROOT / "knowledge"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's config or writes to their data dir."""
    for key in list(os.environ):
        if key.startswith("ADVISOR_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ADVISOR_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    from advisor.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def library(settings: Settings) -> KnowledgeLibrary:
    """A library on the deterministic hashing embedder: fast, for ingestion logic and faults."""
    settings.embeddings.backend = "hashing"
    return KnowledgeLibrary(settings, HashingEmbedder())


@pytest.fixture(scope="session")
def shipped_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge bases ingested once with the real default embedder (multilingual-e5-small)."""
    from advisor.knowledge.ingest import ingest_shipped

    data = tmp_path_factory.mktemp("shipped")
    for _, report in ingest_shipped(KnowledgeLibrary(Settings(data_dir=data))):
        assert not report.failed, report.failed
    return data


@pytest.fixture
def shipped(shipped_data_dir: Path) -> KnowledgeLibrary:
    return KnowledgeLibrary(Settings(data_dir=shipped_data_dir))


@pytest.fixture(scope="session")
def default_llm(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The packaged default model (Qwen2.5 0.5B, llama.cpp) as the app runs it, loaded once for the run."""
    from advisor.config import LLMSettings
    from advisor.llm.llamacpp import LlamaCppChatModel
    from advisor.models import assemble, profile_weights, requantized

    chosen, weights = profile_weights(LLMSettings().profile, LLMSettings().requantize)
    packaged = assemble(chosen, tmp_path_factory.mktemp("models"))
    model = LlamaCppChatModel(
        model_path=str(requantized(packaged, weights) if weights else packaged),
        max_tokens=160,
        temperature=0.0,
    )
    model.load()
    return model


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright driver for the whole run: its sync API cannot be started twice in one thread."""
    api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    from e2e.chatpage import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with api.sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Any) -> Iterator[Any]:
    """Debian's Chromium, headless, shared by the browser tests (tests/e2e, tests/reliability)."""
    from e2e.chatpage import CHROMIUM, CHROMIUM_ARGS

    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
