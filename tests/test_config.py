from __future__ import annotations

from pathlib import Path

import pytest

from advisor.config import Settings, default_data_dir
from advisor.embeddings import EMBEDDERS, create_embedder
from advisor.registry import Registry, UnknownBackend


def test_environment_sets_nested_sections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADVISOR_STORE__URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("ADVISOR_RETRIEVAL__TOP_K", "7")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "d"))
    settings = Settings()
    assert settings.store.url == "http://127.0.0.1:9999"
    assert settings.retrieval.top_k == 7
    assert settings.data_dir == tmp_path / "d"


def test_toml_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "advisor.toml"
    config.write_text(
        '[embeddings]\nbackend = "sentence-transformers"\n[retrieval]\ntop_k = 3\ncandidates = 11\n'
    )
    monkeypatch.setenv("ADVISOR_CONFIG_FILE", str(config))
    monkeypatch.setenv("ADVISOR_RETRIEVAL__TOP_K", "9")
    settings = Settings()
    assert settings.embeddings.backend == "sentence-transformers"
    assert settings.retrieval.candidates == 11
    assert settings.retrieval.top_k == 9


def test_every_stage_has_a_section() -> None:
    fields = set(Settings.model_fields)
    assert {"llm", "asr", "tts", "vision", "embeddings", "store", "retrieval", "ui"} <= fields


def test_default_data_dir_is_outside_the_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.config import REPO_ROOT

    monkeypatch.delenv("ADVISOR_DATA_DIR")
    assert Settings().data_dir == default_data_dir()
    assert REPO_ROOT not in default_data_dir().parents


def test_default_embedding_backend_is_registered() -> None:
    assert Settings().embeddings.backend in EMBEDDERS.names()
    assert {"e5-small", "sentence-transformers", "hashing"} <= set(EMBEDDERS.names())


def test_unknown_backend_names_the_choices() -> None:
    settings = Settings()
    settings.embeddings.backend = "word2vec"
    with pytest.raises(UnknownBackend, match="e5-small"):
        create_embedder(settings)


def test_registry_rejects_unknown_names() -> None:
    registry: Registry[int] = Registry("demo")
    registry.register("one")(lambda: 1)
    assert registry.create("one") == 1
    with pytest.raises(UnknownBackend, match="one"):
        registry.create("two")


def test_an_unknown_setting_is_an_error_naming_the_nearest(monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.config import SettingsError, get_settings

    monkeypatch.setenv("ADVISOR_LLM__MODLE", "x")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match=r"MODLE in \[llm\]; did you mean MODEL \(ADVISOR_LLM__MODEL\)"):
        get_settings()
    monkeypatch.delenv("ADVISOR_LLM__MODLE")
    monkeypatch.setenv("ADVISOR_RETRIVAL__TOP_K", "3")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="did you mean RETRIEVAL"):
        get_settings()
    get_settings.cache_clear()


def test_an_unknown_key_in_the_toml_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from advisor.config import SettingsError, get_settings

    config = tmp_path / "advisor.toml"
    config.write_text("[asr]\nhotword = 'auto'\n", encoding="utf-8")
    monkeypatch.setenv("ADVISOR_CONFIG_FILE", str(config))
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="did you mean HOTWORDS"):
        get_settings()
    get_settings.cache_clear()


def test_the_cli_stops_on_an_unknown_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from advisor.cli import app
    from advisor.config import get_settings

    monkeypatch.setenv("ADVISOR_LLM__MODLE", "x")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["ask", "hello"])
    get_settings.cache_clear()
    assert result.exit_code == 2 and "ADVISOR_LLM__MODEL" in result.stderr.replace("\n", "")


def test_declared_stage_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_ASR__THREADS", "1")
    monkeypatch.setenv("ADVISOR_VISION__API_KEY", "k")
    settings = Settings()
    assert settings.asr.threads == 1 and settings.vision.api_key == "k"
