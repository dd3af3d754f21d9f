"""`advisor see IMAGE [--question TEXT] [--json]`, on a local Typer app (the main app wires `register`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from fake_openai_server import FakeOpenAIServer, status, stream
from typer.testing import CliRunner

from advisor.config import get_settings
from advisor.vision.cli import register
from bench.vision_samples import cjk_font, jpeg, photo, png, render_text

FONT = cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font: apt-get install fonts-wqy-microhei")
pytestmark = pytest.mark.slow


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A stand-in for the advisor app."""

    register(app)
    return app


def see(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(make_app(), ["see", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def label(tmp_path: Path) -> Path:
    assert FONT is not None
    path = tmp_path / "label.png"
    path.write_bytes(png(render_text(["钠 680毫克", "Sodium 680mg"], FONT, 36)))
    return path


@needs_font
def test_see_prints_the_text(label: Path) -> None:
    code, out, _ = see(str(label))
    assert code == 0
    assert out.startswith("Text in the image:\n")
    assert "Sodium 680mg" in out and "680毫克" in out


@needs_font
def test_see_json(label: Path) -> None:
    code, out, _ = see(str(label), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["backend"] == "ocr"
    assert payload["image"]["format"] == "PNG"
    assert [line["text"].replace(" ", "") for line in payload["lines"]] == ["钠680毫克", "Sodium680mg"]
    assert all(0.5 < line["confidence"] <= 1 and len(line["box"]) == 4 for line in payload["lines"])
    assert payload["description"] == "" and payload["limits"] is None and payload["warnings"] == []


def test_a_photo_without_text_gets_the_honest_limits(tmp_path: Path) -> None:
    path = tmp_path / "plant.jpg"
    path.write_bytes(jpeg(photo("chelsea"), 85))
    code, out, _ = see(str(path), "--question", "这是什么动物？")
    assert code == 0
    assert out.startswith("这张图片中没有找到可识别的文字")
    assert "不会猜测" in out and "ADVISOR_VISION__BACKEND=transformers" in out
    code, out, _ = see(str(path), "--json")
    payload = json.loads(out)
    assert payload["text"] == "" and "cannot recognise objects" in payload["limits"]


def test_a_refused_file_exits_1_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "evil.png"
    path.write_text("<html><script>alert(1)</script></html>")
    code, out, err = see(str(path))
    assert code == 1 and out == ""
    assert "HTML page" in err
    code, out, _ = see(str(path), "--json", "--question", "这是什么？")
    assert code == 1
    assert "HTML" in json.loads(out)["error"] and "不是可接受的图片" in json.loads(out)["error"]
    code, _, err = see(str(tmp_path / "missing.png"))
    assert code == 1 and "could not open" in err


@needs_font
def test_with_an_endpoint_configured_see_shows_text_and_description(
    label: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer(stream(["A nutrition label showing sodium."])) as server:
        monkeypatch.setenv("ADVISOR_VISION__BACKEND", "openai")
        monkeypatch.setenv("ADVISOR_VISION__BASE_URL", server.url)
        monkeypatch.setenv("ADVISOR_VISION__MODEL", "test-vlm")
        get_settings.cache_clear()
        code, out, _ = see(str(label), "--json", "--question", "How much sodium?")
        assert code == 0
        payload = json.loads(out)
        assert payload["backend"] == "ocr+openai"
        assert "Sodium 680mg" in payload["text"]
        assert payload["description"] == "A nutrition label showing sodium."
        assert "How much sodium?" in server.requests[0]["messages"][0]["content"][0]["text"]
        assert server.authorizations[0] != "Bearer secret-key"

        monkeypatch.setenv("ADVISOR_VISION__API_KEY", "secret-key")  # a declared setting: it is sent
        get_settings.cache_clear()
        server.add(stream(["A label."]))
        assert see(str(label))[0] == 0
        assert server.authorizations[-1] == "Bearer secret-key"

        server.add(status(500), status(500), status(500))
        code, out, err = see(str(label))
        assert code == 0
        assert "Sodium 680mg" in out
        assert "warning:" in err and "answered 500" in err
