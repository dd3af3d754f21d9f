"""The knowledge library: the catalog, the stored source documents, the vector store and BM25, kept in step.

The catalog and the stored documents are the source of truth; the vector store is rebuilt from them
whenever it disagrees (`reconcile`), and from scratch on `rebuild`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.config import Settings
from advisor.embeddings import Embedder, create_embedder
from advisor.knowledge.bm25 import BM25Index
from advisor.knowledge.catalog import Catalog, DocumentRecord
from advisor.knowledge.chunking import Chunk, chunk_document
from advisor.knowledge.loaders import LoadedDocument, load_document
from advisor.knowledge.store import EmbedderMismatch, StoreUnavailable, VectorStore
from advisor.knowledge.text import tokenize

Progress = Callable[[str, int, int], None]  # (stage, done, total)
EMBED_BATCH = 32


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class StorageError(RuntimeError):
    """The data dir cannot be written (disk full, read-only, a file-size limit): not a document's fault.
    What was committed before stays whole; the same command, run again with room, finishes the job."""


_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}
_NO_ROOM_WORDS = (
    "disk is full",
    "no space left",
    "readonly database",
    "read-only file system",
    "file too large",
    "disk i/o error",  # what SQLite says when a write fails with EFBIG or EIO
)


def as_storage_error(exc: BaseException, data_dir: Path) -> StorageError | None:
    """A StorageError with a plain message when `exc` means the data dir cannot be written, else None."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno in _NO_ROOM:
        reason = os.strerror(exc.errno or 0).lower()
    elif any(words in text for words in _NO_ROOM_WORDS):
        reason = next(words for words in _NO_ROOM_WORDS if words in text)
    elif "permission denied" in text and (str(data_dir) in str(exc) or not os.access(data_dir, os.W_OK)):
        reason = "permission denied"  # our own folder: not a document that cannot be read
    elif (
        isinstance(exc, OSError)
        and exc.errno in (errno.EACCES, errno.EPERM)
        and _inside(exc.filename, data_dir)
    ):
        reason = "permission denied"
    elif data_dir.exists() and not os.access(data_dir, os.W_OK):
        reason = "it is read-only"  # Chroma may only say "Error in compaction"; the folder says why
    elif _free_bytes(data_dir) < 1 << 20:
        reason = "disk is full"  # Chroma words it as e.g. "Error in compaction"; the disk says why
    else:
        return None
    if reason in ("readonly database", "read-only file system") or (
        data_dir.exists() and not os.access(data_dir, os.W_OK)  # SQLite may just say "disk I/O error"
    ):
        reason = "it is read-only"
    return StorageError(
        f"cannot write to the data folder {data_dir} ({reason}); free some space or make it writable, then run "
        "the same command again: what was saved before is kept"
    )


def _inside(filename: object, folder: Path) -> bool:
    return isinstance(filename, str | os.PathLike) and Path(filename).resolve().is_relative_to(
        folder.resolve()
    )


def _free_bytes(path: Path) -> int:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 1 << 62  # cannot tell: do not blame the disk


class UnknownKnowledgeBase(KeyError):
    def __str__(self) -> str:
        return f"no knowledge base named {self.args[0]!r}; see: advisor kb list"


@dataclass(frozen=True)
class CheckReport:
    kb: str
    documents: int
    catalog_chunks: int
    store_count: int
    store_reachable: int  # ids the store returns when listed
    bm25_chunks: int
    missing: int  # in the catalog, not in the store
    extra: int  # in the store, not in the catalog

    @property
    def ok(self) -> bool:
        counts = {self.catalog_chunks, self.store_count, self.store_reachable, self.bm25_chunks}
        return len(counts) == 1 and self.missing == 0 and self.extra == 0


class KnowledgeLibrary:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        data = settings.ensure_data_dir()
        self.catalog = Catalog(data / "catalog.sqlite3")
        self.store = VectorStore(settings.store, data / "chroma")
        self.bm25 = BM25Index(
            self.catalog, data / "cache" / "bm25", settings.retrieval.bm25_k1, settings.retrieval.bm25_b
        )
        self.blob_dir = data / "sources"
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._verified: set[str] = set()  # knowledge bases whose index was checked in this process
        self._heal_lock = threading.Lock()

    # -- the embedder is loaded on first use, once ------------------------------------------------
    @property
    def embedder_loaded(self) -> bool:
        return self._embedder is not None

    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = create_embedder(self.settings)
            return self._embedder

    @property
    def embedder_name(self) -> str:
        return self.embedder.name  # backends load their weights on first use, so this stays cheap

    def chunk_budget(self) -> tuple[int, int]:
        r = self.settings.retrieval
        limit = self.embedder.max_tokens - 32  # room for the heading path and special tokens
        return min(r.chunk_tokens, limit), r.chunk_overlap_tokens

    # -- knowledge bases ---------------------------------------------------------------------------
    def names(self) -> list[str]:
        return self.catalog.kb_names()

    def require(self, kb: str) -> None:
        if kb not in self.names():
            raise UnknownKnowledgeBase(kb)

    def create(self, kb: str, description: str = "") -> None:
        self.catalog.ensure_kb(kb, self.embedder_name, description)

    def delete(self, kb: str) -> None:
        self.require(kb)
        self.store.drop(kb)
        self.catalog.drop_kb(kb)
        self._collect_blobs()

    def delete_document(self, kb: str, key: str) -> None:
        self.require(kb)
        if self.catalog.document(kb, key) is None:
            raise KeyError(f"knowledge base {kb!r} has no document {key!r}")
        self.catalog.delete_document(kb, key)
        self.reconcile(kb)
        self._collect_blobs()

    # -- stored source documents --------------------------------------------------------------------
    def blob_path(self, sha256: str, suffix: str) -> Path:
        return self.blob_dir / f"{sha256}{suffix}"

    def keep_blob(self, data: bytes, sha256: str, suffix: str) -> None:
        target = self.blob_path(sha256, suffix)
        if target.exists():
            return
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def _collect_blobs(self) -> None:
        if not self.blob_dir.is_dir():
            return
        keep = self.catalog.referenced_blobs()
        for blob in self.blob_dir.iterdir():
            if blob.name not in keep and not blob.name.startswith("."):
                blob.unlink(missing_ok=True)

    # -- documents into the catalog -------------------------------------------------------------------
    def index_document(
        self, kb: str, key: str, origin: str, data: bytes, suffix: str, domain: str = ""
    ) -> int:
        """Load, chunk and record one document atomically; returns its chunk count.

        Raises DocumentError for a document that cannot be read; the catalog is then untouched.
        """
        sha256 = hashlib.sha256(data).hexdigest()
        blob = self.blob_path(sha256, suffix)
        fresh = not blob.exists()
        self.keep_blob(data, sha256, suffix)
        try:
            loaded = load_document(blob, self.settings.retrieval.max_file_bytes)
            chunks = self._chunk(key, loaded)
            if not chunks:
                from advisor.knowledge.loaders import DocumentError

                raise DocumentError("the document contains no text to index")
        except BaseException:
            # A file that cannot be indexed leaves no stored copy behind (unless a document uses it).
            if fresh and blob.name not in self.catalog.referenced_blobs():
                blob.unlink(missing_ok=True)
            raise
        record = DocumentRecord(
            kb=kb,
            key=key,
            origin=origin,
            sha256=sha256,
            suffix=suffix,
            title=loaded.title,
            language=loaded.language,
            domain=loaded.metadata.get("domain", domain),
            meta={**loaded.metadata, "chunker": self.chunker_signature()},
            chunks=len(chunks),
            updated=os.path.getmtime(blob),
        )
        self.catalog.replace_document(record, chunks, [" ".join(tokenize(c.indexed_text)) for c in chunks])
        return len(chunks)

    def chunker_signature(self) -> str:
        size, overlap = self.chunk_budget()
        return f"v3/{size}/{overlap}"  # bump when loading or chunking changes what chunks hold

    def _chunk(self, key: str, loaded: LoadedDocument) -> list[Chunk]:
        size, overlap = self.chunk_budget()
        return chunk_document(key, loaded.title, loaded.text, size, overlap)

    # -- the vector store follows the catalog -------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings by content hash: unchanged text is never embedded twice."""
        name = self.embedder.name
        hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        cached = self.catalog.cached_embeddings(name, hashes)
        todo = [i for i, h in enumerate(hashes) if h not in cached]
        if todo:
            fresh = self.embedder.embed_documents([texts[i] for i in todo])
            new = {hashes[i]: fresh[j] for j, i in enumerate(todo)}
            self.catalog.cache_embeddings(name, new)
            cached.update(new)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([cached[h] for h in hashes])

    def reconcile(self, kb: str, progress: Progress = _no_progress) -> tuple[int, int]:
        """Make the vector store hold exactly the catalog's chunks; returns (added, removed)."""
        name = self.embedder.name
        wanted = self.catalog.chunk_ids(kb)
        try:
            present = self.store.ids(kb, name)
        except (EmbedderMismatch, StoreUnavailable):
            raise
        except Exception:
            # A store left unreadable (e.g. its writer was killed): the catalog can rebuild it.
            self._reset_embedded_store()
            present = self.store.ids(kb, name)
        extra = sorted(present - wanted)
        if extra:
            self.store.delete(kb, name, extra)
        missing = wanted - present
        rows = self.catalog.chunk_rows(kb, missing) if missing else []
        docs = {d.key: d for d in self.catalog.documents(kb)}
        for start in range(0, len(rows), EMBED_BATCH):
            progress("embedding", start, len(rows))
            batch = rows[start : start + EMBED_BATCH]
            vectors = self.embed([text for _, _, text, _ in batch])
            metadatas = [
                {
                    "kb": kb,
                    "doc_key": key,
                    "domain": docs[key].domain,
                    "language": lang,
                    "title": docs[key].title,
                }
                for _, key, _, lang in batch
            ]
            self.store.upsert(kb, name, [r[0] for r in batch], vectors, [r[2] for r in batch], metadatas)
        progress("embedding", len(rows), len(rows))
        return len(rows), len(extra)

    # -- a broken index heals itself from the catalog -----------------------------------------------------
    def ensure_index(self, kbs: Sequence[str]) -> list[str]:
        """Before a knowledge base is first searched in this process, check its vector store against the
        catalog (one count) and rebuild what is missing or unreadable; returns the names repaired.

        BM25 heals on its own: a damaged or missing cache is rebuilt from the catalog when loaded.
        """
        repaired = []
        for kb in kbs:
            if kb in self._verified:
                continue
            with self._heal_lock:
                if kb in self._verified:
                    continue
                name = self.embedder.name
                try:
                    healthy = self.store.count(kb, name) == self.catalog.kb_stats(kb)[1]
                except EmbedderMismatch:
                    raise
                except Exception:
                    healthy = False
                if not healthy:
                    self.repair(kb)
                    repaired.append(kb)
                self._verified.add(kb)
        return repaired

    def repair(self, kb: str) -> tuple[int, int]:
        """Make a knowledge base's vector store whole again from the catalog and the embedding cache.

        An embedded store that cannot be read is moved aside (every knowledge base in it is then rebuilt
        on its first search); a Chroma server that fails raises StoreUnavailable.
        """
        try:
            self.store.ids(kb, self.embedder.name)
        except EmbedderMismatch:
            raise
        except Exception as exc:
            problem = as_storage_error(exc, self.settings.data_dir)
            if problem is not None:
                raise problem from exc  # a full or read-only disk: moving the store aside would not help
            self._reset_embedded_store()
            self._verified.clear()
        return self.reconcile(kb)

    def rebuild(self, kb: str, progress: Progress = _no_progress) -> int:
        """Rebuild a knowledge base from its stored source documents: re-chunk, re-embed, re-index."""
        self.require(kb)
        documents = self.catalog.documents(kb)
        for done, doc in enumerate(documents):
            progress("chunking", done, len(documents))
            blob = self.blob_path(doc.sha256, doc.suffix)
            source = blob if blob.exists() else Path(doc.origin)
            self.index_document(kb, doc.key, doc.origin, source.read_bytes(), doc.suffix, doc.domain)
        try:
            self.store.drop(kb)
        except Exception:
            self._reset_embedded_store()
        self.catalog.set_kb_embedder(kb, self.embedder.name)
        self.reconcile(kb, progress)
        return len(documents)

    def _reset_embedded_store(self) -> None:
        """A store that cannot even be opened: move it aside; every collection is rebuilt on use."""
        if self.settings.store.url:
            raise StoreUnavailable(f"the Chroma server at {self.settings.store.url} failed; check the server")
        self.store.forget()
        folder = self.settings.data_dir / "chroma"
        if folder.exists():
            shutil.move(str(folder), str(folder.with_name(f"chroma.broken.{os.getpid()}")))

    def check(self, kb: str) -> CheckReport:
        self.require(kb)
        name = self.embedder_name
        wanted = self.catalog.chunk_ids(kb)
        present = self.store.ids(kb, name)
        documents, chunks = self.catalog.kb_stats(kb)
        bm25 = self.bm25.count(kb)
        return CheckReport(
            kb,
            documents,
            chunks,
            self.store.count(kb, name),
            len(present),
            bm25,
            missing=len(wanted - present),
            extra=len(present - wanted),
        )
