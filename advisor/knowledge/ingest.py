"""`advisor ingest`: files and folders into a knowledge base, idempotent and safe to kill at any point.

Each document is swapped into the catalog in one transaction; the vector store is then reconciled with
the catalog. Run it again after a crash and it finishes the job: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from advisor.knowledge.library import KnowledgeLibrary, Progress, _no_progress, as_storage_error
from advisor.knowledge.loaders import SUPPORTED_SUFFIXES, DocumentError


@dataclass
class IngestReport:
    kb: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # key -> reason, in plain words
    skipped: list[str] = field(default_factory=list)  # files of types we do not read, found in folders
    chunks_added: int = 0
    chunks_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.chunks_added or self.chunks_removed)


@dataclass(frozen=True)
class _Found:
    key: str  # the document's name in the knowledge base
    path: Path


def discover(paths: list[Path], report: IngestReport) -> Iterator[_Found]:
    for raw in paths:
        path = raw.expanduser()
        if path.is_dir():
            root = path.resolve().name
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    report.skipped.append(f"{root}/{relative.as_posix()}")
                    continue
                yield _Found(f"{root}/{relative.as_posix()}", file)
        elif path.is_file():
            yield _Found(path.name, path)
        else:
            report.failed[str(raw)] = "no such file or folder"


def ingest_shipped(
    library: KnowledgeLibrary, progress: Progress = _no_progress
) -> Iterator[tuple[str, IngestReport]]:
    """Build or refresh the shipped knowledge bases: one per folder of `settings.knowledge_dir`, named
    after it, synced (a document deleted from the folder leaves its knowledge base)."""
    knowledge = library.settings.knowledge_dir
    for folder in sorted(p for p in knowledge.iterdir() if p.is_dir() and not p.name.startswith(".")):
        yield folder.name, ingest(library, [folder], folder.name, sync=True, progress=progress)


def ingest(
    library: KnowledgeLibrary,
    paths: list[Path],
    kb: str,
    sync: bool = False,
    domain: str = "",
    progress: Progress = _no_progress,
) -> IngestReport:
    try:
        return _ingest(library, paths, kb, sync, domain, progress)
    except Exception as exc:
        problem = as_storage_error(exc, library.settings.data_dir)
        if problem is None:
            raise
        raise problem from exc


def _ingest(
    library: KnowledgeLibrary, paths: list[Path], kb: str, sync: bool, domain: str, progress: Progress
) -> IngestReport:
    report = IngestReport(kb)
    found = list(discover(paths, report))
    if not found and kb not in library.names():
        return report  # nothing to add: do not leave an empty knowledge base behind
    library.create(kb)
    signature = library.chunker_signature()
    max_bytes = library.settings.retrieval.max_file_bytes
    for done, item in enumerate(found):
        progress("reading", done, len(found))
        try:
            size = item.path.stat().st_size
            if size > max_bytes:
                raise DocumentError(
                    f"the file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB"
                )
            data = item.path.read_bytes()
            existing = library.catalog.document(kb, item.key)
            if (
                existing
                and existing.sha256 == hashlib.sha256(data).hexdigest()
                and existing.meta.get("chunker") == signature
            ):
                report.unchanged.append(item.key)
                continue
            library.index_document(
                kb, item.key, str(item.path.resolve()), data, item.path.suffix.lower(), domain
            )
            (report.updated if existing else report.added).append(item.key)
        except DocumentError as exc:
            report.failed[item.key] = str(exc)
        except OSError as exc:
            if as_storage_error(exc, library.settings.data_dir):
                raise  # the data dir is full or read-only: every later file would fail the same way
            report.failed[item.key] = f"cannot read the file ({exc.strerror or exc})"
    progress("reading", len(found), len(found))
    if sync:
        roots = {p.expanduser().resolve().name for p in paths if p.expanduser().is_dir()}
        _remove_vanished(library, kb, roots, {item.key for item in found}, report)
    report.chunks_added, report.chunks_removed = library.reconcile(kb, progress)
    return report


def _remove_vanished(
    library: KnowledgeLibrary, kb: str, roots: set[str], seen: set[str], report: IngestReport
) -> None:
    """--sync: documents under an ingested folder that no longer exist there leave the knowledge base."""
    for doc in library.catalog.documents(kb):
        root = doc.key.split("/", 1)[0] if "/" in doc.key else None
        if root in roots and doc.key not in seen:
            library.catalog.delete_document(kb, doc.key)
            report.removed.append(doc.key)
