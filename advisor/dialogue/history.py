"""Conversations in SQLite in the data dir: several sessions, resumable, renamable, deletable.

Each session has an owner: the web page's browser or logged-in user, or LOCAL_OWNER for the command line.
Lists and ownership checks take the owner; `owner=None` means every owner (the trusted local CLI).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.sqlite import SQLiteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, advisor TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,
    owner TEXT NOT NULL DEFAULT 'local'
);
CREATE TABLE IF NOT EXISTS messages (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    role TEXT NOT NULL, content TEXT NOT NULL, extra TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""
LOCAL_OWNER = "local"
_SESSION_COLUMNS = "id, title, advisor, created, updated, owner"


@dataclass(frozen=True)
class SessionInfo:
    id: str
    title: str
    advisor: str
    created: float
    updated: float
    owner: str = LOCAL_OWNER


@dataclass(frozen=True)
class Message:
    role: str  # user | assistant
    content: str
    extra: dict[str, Any]  # sources, retrieval query, language...


class UnknownSession(KeyError):
    def __str__(self) -> str:
        return f"no conversation with id {self.args[0]!r}"


class ConversationStore(SQLiteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Databases from before owners: their conversations were made locally, so they stay the CLI's."""
        with self._tx() as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
            if "owner" not in columns:
                db.execute(f"ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}'")
            db.execute("CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions(owner, updated)")

    def create(self, title: str = "", advisor: str = "general", owner: str = LOCAL_OWNER) -> str:
        session_id = uuid.uuid4().hex[:12]
        now = time.time()
        with self._tx() as db:
            db.execute(
                f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, title, advisor, now, now, owner),
            )
        return session_id

    def get(self, session_id: str) -> SessionInfo:
        row = (
            self._db()
            .execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,))
            .fetchone()
        )
        if row is None:
            raise UnknownSession(session_id)
        return SessionInfo(*row)

    def exists(self, session_id: str, owner: str | None = None) -> bool:
        """Whether the session exists and, when `owner` is given, belongs to that owner."""
        row = self._db().execute("SELECT owner FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None and (owner is None or row[0] == owner)

    def sessions(self, owner: str | None = LOCAL_OWNER) -> list[SessionInfo]:
        """The owner's sessions, most recent first; `owner=None`: everyone's."""
        query = f"SELECT {_SESSION_COLUMNS} FROM sessions"
        rows = (
            self._db().execute(query + " ORDER BY updated DESC")
            if owner is None
            else self._db().execute(query + " WHERE owner = ? ORDER BY updated DESC", (owner,))
        )
        return [SessionInfo(*r) for r in rows]

    def rename(self, session_id: str, title: str) -> None:
        with self._tx() as db:
            if (
                db.execute(
                    "UPDATE sessions SET title = ? WHERE id = ?", (title.strip()[:80], session_id)
                ).rowcount
                == 0
            ):
                raise UnknownSession(session_id)

    def set_advisor(self, session_id: str, advisor: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET advisor = ? WHERE id = ?", (advisor, session_id))

    def delete(self, session_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
            if db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount == 0:
                raise UnknownSession(session_id)

    def append_turn(self, session_id: str, question: str, answer: str, extra: dict[str, Any]) -> None:
        """The question and its answer together, in one transaction: a turn is saved whole or not at all."""
        now = time.time()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                raise UnknownSession(session_id)
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = ?", (session_id,))
            start = int(seq.fetchone()[0])
            db.executemany(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (session_id, start + 1, "user", question, json.dumps({}, ensure_ascii=False), now),
                    (session_id, start + 2, "assistant", answer, json.dumps(extra, ensure_ascii=False), now),
                ],
            )
            db.execute(
                "UPDATE sessions SET updated = ?, title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (now, question.strip().replace("\n", " ")[:40], session_id),
            )

    def amend_last_answer(self, session_id: str, answer: str, extra: dict[str, Any]) -> bool:
        """Replace the last answer's text and add to its extra (a spoken reply cut short: only what was
        heard stays). False when the conversation holds no answer."""
        with self._tx() as db:
            row = db.execute(
                "SELECT seq, extra FROM messages WHERE session_id = ? AND role = 'assistant' ORDER BY seq DESC",
                (session_id,),
            ).fetchone()
            if row is None:
                return False
            merged = {**json.loads(row[1]), **extra}
            db.execute(
                "UPDATE messages SET content = ?, extra = ? WHERE session_id = ? AND seq = ?",
                (answer, json.dumps(merged, ensure_ascii=False), session_id, row[0]),
            )
        return True

    def messages(self, session_id: str) -> list[Message]:
        rows = self._db().execute(
            "SELECT role, content, extra FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)
        )
        return [Message(role, content, json.loads(extra)) for role, content, extra in rows]
