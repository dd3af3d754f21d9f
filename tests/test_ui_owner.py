"""Whose conversations a request sees: the browser's token or the logged-in user, and the conversation store
that keys sessions by that owner (including a database written before owners existed)."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from advisor.config import REPO_ROOT
from advisor.dialogue.history import LOCAL_OWNER, ConversationStore

if importlib.util.find_spec("ui") is None:  # until pyproject packages ui/ beside advisor/
    sys.path.insert(0, str(REPO_ROOT))

from ui.owner import SECRET_FILE, browser_secret, ensure_token, new_token, owner_of, valid_token


def test_a_browser_without_a_token_gets_a_fresh_one_and_keeps_its_own() -> None:
    first, second = ensure_token(None), ensure_token("")
    assert valid_token(first) and valid_token(second) and first != second
    kept = new_token()
    assert ensure_token(kept) == kept
    for forged in ("local", "x" * 32, kept.upper(), kept + "0", {"token": kept}, 42):
        assert not valid_token(forged)
        assert ensure_token(forged) != forged


def test_the_owner_is_the_logged_in_user_else_the_browser() -> None:
    token = new_token()
    assert owner_of(token, SimpleNamespace(username=None)) == f"browser:{token}"
    assert owner_of(token, SimpleNamespace(username="ada")) == "user:ada"
    assert owner_of(None, SimpleNamespace(username="ada")) == "user:ada"
    assert owner_of("local", SimpleNamespace(username=None)) is None, "a forged token owns nothing"
    assert owner_of(None, None) is None


def test_the_token_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    secret = browser_secret(tmp_path)
    assert browser_secret(tmp_path) == secret, "the same after a restart, so browsers keep their token"
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o077 == 0
    (tmp_path / SECRET_FILE).write_text("short")
    replaced = browser_secret(tmp_path)
    assert replaced != secret and browser_secret(tmp_path) == replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == [SECRET_FILE]


def test_each_owner_lists_and_opens_only_its_own_sessions(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    mine = store.create(owner="browser:a")
    theirs = store.create(owner="browser:b")
    local = store.create()
    store.append_turn(mine, "my question", "answer", {})
    assert [s.id for s in store.sessions("browser:a")] == [mine]
    assert [s.id for s in store.sessions("browser:b")] == [theirs]
    assert [s.id for s in store.sessions()] == [local], "the CLI's own, by default"
    assert {s.id for s in store.sessions(None)} == {mine, theirs, local}
    assert store.exists(mine, "browser:a") and not store.exists(mine, "browser:b")
    assert store.exists(mine), "without an owner: any session (the local CLI)"
    assert store.get(mine).owner == "browser:a" and store.get(local).owner == LOCAL_OWNER


def test_a_database_from_before_owners_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE sessions (id TEXT PRIMARY KEY, title TEXT NOT NULL, advisor TEXT NOT NULL,
                created REAL NOT NULL, updated REAL NOT NULL);
            CREATE TABLE messages (session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, extra TEXT NOT NULL,
                created REAL NOT NULL, PRIMARY KEY (session_id, seq));
            INSERT INTO sessions VALUES ('old', 'Salt', 'health', 1, 1);
            INSERT INTO messages VALUES ('old', 1, 'user', 'How much salt?', '{}', 1);
            """
        )
    store = ConversationStore(path)
    assert [(s.id, s.title, s.owner) for s in store.sessions()] == [("old", "Salt", LOCAL_OWNER)]
    assert store.messages("old")[0].content == "How much salt?"
    new = store.create(owner="user:ada")
    again = ConversationStore(path)  # a second open finds the column and leaves it
    assert [s.id for s in again.sessions("user:ada")] == [new]
    assert [s.id for s in again.sessions()] == ["old"]


def test_the_cli_lists_its_own_conversations_or_everyones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from advisor.cli import app
    from advisor.config import get_settings

    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ADVISOR_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    get_settings.cache_clear()
    try:
        store = ConversationStore(tmp_path / "conversations.sqlite3")
        local = store.create("in the terminal")
        web = store.create("in a browser", owner=f"browser:{new_token()}")
        runner = CliRunner()
        own = json.loads(runner.invoke(app, ["sessions", "--json"]).stdout)
        every = json.loads(runner.invoke(app, ["sessions", "--json", "--all"]).stdout)
        assert [row["id"] for row in own] == [local]
        assert {row["id"] for row in every} == {local, web}
        assert runner.invoke(app, ["sessions", "--rename", web, "renamed"]).exit_code == 0
        assert store.get(web).title == "renamed", "the local CLI may manage any conversation"
    finally:
        get_settings.cache_clear()
