"""API keys: made by `advisor keys create`, kept only as SHA-256 hashes in the data dir, checked per request.

A key is `sk-advisor-` and 32 random URL-safe characters (192 bits), so a plain hash is enough to store
it: nobody can guess their way back from the hash. A request carries it as `Authorization: Bearer KEY`,
as every OpenAI client sends it.

When a key is required (`Gate.required`): once any key has been made (revoking them all does not
reopen the server); on a bind address other than loopback;
for a client that is not on loopback; or always with `[api] require_key`. Only a loopback server with no
keys at all is open, and then any key or none is let in (as Ollama does), so a local SDK's placeholder
key works.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from advisor.api.errors import APIError
from advisor.sqlite import SQLiteFile

PREFIX = "sk-advisor-"
SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, shown TEXT NOT NULL,
    created REAL NOT NULL, revoked REAL
);
"""
LOCAL = "local"  # the caller's id on an open loopback server


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    shown: str  # the key's first characters, to recognise it in a list
    created: float
    revoked: float | None

    @property
    def active(self) -> bool:
        return self.revoked is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore(SQLiteFile):
    """`<data dir>/api_keys.sqlite3`: the hashes of the keys, their names, and when each was revoked."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> KeyStore:
        return cls(data_dir / "api_keys.sqlite3")

    def create(self, name: str = "") -> tuple[KeyInfo, str]:
        """A new key: its record and the key itself, which is shown once and never stored."""
        key = PREFIX + secrets.token_urlsafe(24)
        info = KeyInfo("key_" + uuid.uuid4().hex[:10], name.strip()[:80], key[:15] + "…", time.time(), None)
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
                (info.id, info.name, _hash(key), info.shown, info.created),
            )
        return info, key

    def list(self) -> list[KeyInfo]:
        rows = self._db().execute("SELECT id, name, shown, created, revoked FROM api_keys ORDER BY created")
        return [KeyInfo(*row) for row in rows]

    def revoke(self, which: str) -> KeyInfo:
        """Revoke the key with this id (or, if unambiguous, this name). KeyError when there is none."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, name, shown, created, revoked FROM api_keys WHERE id = ? OR name = ?",
                (which, which),
            ).fetchall()
            if len(rows) != 1:
                raise KeyError(
                    f"no key {which!r}" if not rows else f"{len(rows)} keys are named {which!r}: use the id"
                )
            info = KeyInfo(*rows[0])
            if info.revoked is None:
                db.execute("UPDATE api_keys SET revoked = ? WHERE id = ?", (time.time(), info.id))
        return info

    def any_made(self) -> bool:
        """Whether a key was ever made here (revoked ones count: revoking the last key does not reopen)."""
        return self._db().execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None

    def check(self, key: str) -> KeyInfo | None:
        """The active key's record, or None."""
        row = (
            self._db()
            .execute(
                "SELECT id, name, shown, created, revoked FROM api_keys WHERE hash = ? AND revoked IS NULL",
                (_hash(key),),
            )
            .fetchone()
        )
        return KeyInfo(*row) if row else None


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Gate:
    """Who is calling: a key's id, or LOCAL on an open loopback server; APIError(401) otherwise."""

    def __init__(self, store: KeyStore, bind_host: str, always: bool = False) -> None:
        self.store = store
        self.open_bind = is_loopback(bind_host) and not always

    def required(self, client_host: str | None) -> bool:
        return not (self.open_bind and is_loopback(client_host)) or self.store.any_made()

    def caller(self, authorization: str | None, client_host: str | None) -> str:
        key = _bearer(authorization)
        if not self.required(client_host):
            return LOCAL
        if not key:
            raise APIError(
                401,
                "An API key is required: send 'Authorization: Bearer KEY' (make one with: advisor keys create)",
                "需要 API 密钥：请在请求头中加入 Authorization: Bearer 密钥（用 advisor keys create 创建）",
                code="missing_api_key",
            )
        info = self.store.check(key)
        if info is None:
            raise APIError(
                401,
                "The API key is not valid (unknown or revoked)",
                "API 密钥无效（不存在或已撤销）",
                code="invalid_api_key",
            )
        return info.id


def _bearer(authorization: str | None) -> str:
    if not authorization:
        return ""
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
