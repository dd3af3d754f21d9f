"""A SQLite file shared by threads: one connection per thread, explicit transactions, WAL journal."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SQLiteFile:
    """Subclasses pass their schema; `_tx()` is one all-or-nothing transaction."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._db().executescript(schema)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            # isolation_level=None: transactions are ours (BEGIN IMMEDIATE), not the driver's guesses.
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=ON")
            except sqlite3.OperationalError as exc:
                # WAL needs to write beside the file even to read; say so instead of "unable to open".
                if not os.access(self.path.parent, os.W_OK):
                    raise sqlite3.OperationalError(
                        f"readonly database: the folder {self.path.parent} cannot be written"
                    ) from exc
                raise
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except BaseException:
            # A COMMIT that fails (disk full, read-only) leaves the transaction open: end it, keep nothing.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
