"""The catalog: a SQLite record of knowledge bases, documents and chunks, and the embedding cache.

It is the desired state. Every change to a document is one transaction, so an ingest killed at any
point leaves either the old or the new version of that document, never a mix. The vector store and
the BM25 index are derived from it and reconciled against it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.knowledge.chunking import Chunk
from advisor.sqlite import SQLiteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS kbs (
    name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', embedder TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    kb TEXT NOT NULL, key TEXT NOT NULL, origin TEXT NOT NULL, sha256 TEXT NOT NULL, suffix TEXT NOT NULL,
    title TEXT NOT NULL, language TEXT NOT NULL, domain TEXT NOT NULL, meta TEXT NOT NULL,
    chunks INTEGER NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (kb, key)
);
CREATE TABLE IF NOT EXISTS chunks (
    kb TEXT NOT NULL, id TEXT NOT NULL, doc_key TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL,
    heading TEXT NOT NULL, language TEXT NOT NULL, tokens TEXT NOT NULL,
    PRIMARY KEY (kb, id)
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (kb, doc_key);
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocumentRecord:
    kb: str
    key: str  # the document's name inside its knowledge base, e.g. "finance/emergency-fund.en.md"
    origin: str  # where it was ingested from
    sha256: str
    suffix: str
    title: str
    language: str
    domain: str
    meta: dict[str, str]
    chunks: int
    updated: float


@dataclass(frozen=True)
class ChunkRecord:
    kb: str
    id: str
    doc_key: str
    index: int
    text: str
    heading: str
    language: str
    title: str
    domain: str
    source: str  # the document's public source (front matter), or its origin


class Catalog(SQLiteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    # -- knowledge bases -------------------------------------------------------------------------
    def ensure_kb(self, name: str, embedder: str, description: str = "") -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO kbs (name, description, embedder, created) VALUES (?, ?, ?, ?)",
                (name, description, embedder, time.time()),
            )

    def set_kb_embedder(self, name: str, embedder: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE kbs SET embedder = ? WHERE name = ?", (embedder, name))

    def kb_names(self) -> list[str]:
        return [r[0] for r in self._db().execute("SELECT name FROM kbs ORDER BY name")]

    def kb_embedder(self, name: str) -> str | None:
        row = self._db().execute("SELECT embedder FROM kbs WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def kb_stats(self, name: str) -> tuple[int, int]:
        db = self._db()
        docs = db.execute("SELECT COUNT(*) FROM documents WHERE kb = ?", (name,)).fetchone()[0]
        chunks = db.execute("SELECT COUNT(*) FROM chunks WHERE kb = ?", (name,)).fetchone()[0]
        return int(docs), int(chunks)

    def drop_kb(self, name: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE kb = ?", (name,))
            db.execute("DELETE FROM documents WHERE kb = ?", (name,))
            db.execute("DELETE FROM kbs WHERE name = ?", (name,))
            self._bump(db)

    # -- documents -------------------------------------------------------------------------------
    def documents(self, kb: str) -> list[DocumentRecord]:
        rows = self._db().execute(
            "SELECT kb, key, origin, sha256, suffix, title, language, domain, meta, chunks, updated"
            " FROM documents WHERE kb = ? ORDER BY key",
            (kb,),
        )
        return [
            DocumentRecord(
                kb=r[0],
                key=r[1],
                origin=r[2],
                sha256=r[3],
                suffix=r[4],
                title=r[5],
                language=r[6],
                domain=r[7],
                meta=json.loads(r[8]),
                chunks=r[9],
                updated=r[10],
            )
            for r in rows
        ]

    def document(self, kb: str, key: str) -> DocumentRecord | None:
        return next((d for d in self.documents(kb) if d.key == key), None)

    def replace_document(
        self, record: DocumentRecord, chunks: Sequence[Chunk], tokens: Sequence[str]
    ) -> None:
        """Swap a document and exactly its chunks in one transaction."""
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE kb = ? AND doc_key = ?", (record.kb, record.key))
            db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.kb,
                    record.key,
                    record.origin,
                    record.sha256,
                    record.suffix,
                    record.title,
                    record.language,
                    record.domain,
                    json.dumps(record.meta, ensure_ascii=False),
                    record.chunks,
                    record.updated,
                ),
            )
            db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (record.kb, c.id, record.key, c.index, c.text, c.heading_path, c.language, t)
                    for c, t in zip(chunks, tokens, strict=True)
                ],
            )
            self._bump(db)

    def delete_document(self, kb: str, key: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE kb = ? AND doc_key = ?", (kb, key))
            db.execute("DELETE FROM documents WHERE kb = ? AND key = ?", (kb, key))
            self._bump(db)

    def referenced_blobs(self) -> set[str]:
        return {f"{r[0]}{r[1]}" for r in self._db().execute("SELECT sha256, suffix FROM documents")}

    # -- chunks ----------------------------------------------------------------------------------
    def chunk_ids(self, kb: str) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT id FROM chunks WHERE kb = ?", (kb,))}

    def chunk_rows(self, kb: str, ids: Iterable[str] | None = None) -> list[tuple[str, str, str, str]]:
        """(id, doc_key, indexed text, language) for building the vector store."""
        sql = "SELECT id, doc_key, heading, text, language FROM chunks WHERE kb = ?"
        rows = self._db().execute(sql, (kb,)).fetchall()
        if ids is not None:
            wanted = set(ids)
            rows = [r for r in rows if r[0] in wanted]
        return [(r[0], r[1], f"{r[2]}\n{r[3]}" if r[2] else r[3], r[4]) for r in rows]

    def all_tokens(self) -> list[tuple[str, str, str, str, str]]:
        """(kb, id, domain, language, space-joined BM25 tokens) of every chunk, in a stable order."""
        return (
            self._db()
            .execute(
                "SELECT c.kb, c.id, d.domain, c.language, c.tokens FROM chunks c"
                " JOIN documents d ON d.kb = c.kb AND d.key = c.doc_key ORDER BY c.kb, c.doc_key, c.idx"
            )
            .fetchall()
        )

    def hydrate(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ChunkRecord]:
        """Full records for (kb, chunk id) pairs, with their document's title, domain and source."""
        db = self._db()
        found: dict[tuple[str, str], ChunkRecord] = {}
        for kb, chunk_id in keys:
            row = db.execute(
                "SELECT c.kb, c.id, c.doc_key, c.idx, c.text, c.heading, c.language, d.title, d.domain,"
                " d.meta, d.origin FROM chunks c JOIN documents d ON d.kb = c.kb AND d.key = c.doc_key"
                " WHERE c.kb = ? AND c.id = ?",
                (kb, chunk_id),
            ).fetchone()
            if row:
                meta = json.loads(row[9])
                found[(kb, chunk_id)] = ChunkRecord(
                    kb=row[0],
                    id=row[1],
                    doc_key=row[2],
                    index=row[3],
                    text=row[4],
                    heading=row[5],
                    language=row[6],
                    title=row[7],
                    domain=row[8],
                    source=meta.get("source") or row[10],
                )
        return found

    # -- embedding cache -------------------------------------------------------------------------
    def cached_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        db = self._db()
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            batch = list(hashes[start : start + 500])
            marks = ",".join("?" * len(batch))
            for h, blob in db.execute(
                f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({marks})", (model, *batch)
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )

    # -- generation: bumps on every change, so derived indexes know when they are stale -----------
    def generation(self) -> int:
        row = self._db().execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO state VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET value = value + 1"
        )
