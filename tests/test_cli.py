from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_EMBEDDINGS__BACKEND", "hashing")


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "search", "kb"):
        assert command in result.output
    kb_help = runner.invoke(app, ["kb", "--help"])
    for command in ("list", "show", "delete", "rebuild", "check", "init"):
        assert command in kb_help.output


def test_ingest_list_show_check_delete(tmp_path: Path) -> None:
    docs = tmp_path / "notes"
    docs.mkdir()
    (docs / "a.md").write_text("# 退货\n\n网购商品一般可以七日无理由退货。\n")
    (docs / "bad.pdf").write_bytes(b"%PDF-1.7 broken")
    result = runner.invoke(app, ["ingest", str(docs), "--kb", "我的资料"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output and "1 failed" in result.output
    listed = json.loads(runner.invoke(app, ["kb", "list", "--json"]).output)
    assert listed == [{"name": "我的资料", "documents": 1, "chunks": 1, "embedder": "hashing-64"}]
    shown = json.loads(runner.invoke(app, ["kb", "show", "我的资料", "--json"]).output)
    assert shown[0]["document"] == "notes/a.md" and shown[0]["title"] == "退货"
    assert runner.invoke(app, ["kb", "check", "我的资料"]).exit_code == 0
    found = json.loads(runner.invoke(app, ["search", "七日无理由退货", "--json"]).output)
    assert found["results"][0]["document"] == "notes/a.md"
    deleted = runner.invoke(app, ["kb", "delete", "我的资料", "--yes"])
    assert deleted.exit_code == 0
    assert json.loads(runner.invoke(app, ["kb", "list", "--json"]).output) == []


def test_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["kb", "show", "nope"])
    assert missing.exit_code == 1 and "no knowledge base named 'nope'" in missing.output
    assert "Traceback" not in missing.output
    bad_name = runner.invoke(app, ["ingest", str(tmp_path), "--kb", "a/b"])
    assert bad_name.exit_code == 2
    empty = runner.invoke(app, ["search", "   "])
    assert empty.exit_code == 2 and "empty" in empty.output
