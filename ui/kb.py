"""The Knowledge bases tab: create, upload into, inspect, prune, delete and rebuild knowledge bases.

Uploaded files are copied into a fresh temporary folder under a cleaned-up version of their own name
(ingest keys a document by its file name) and ingested from there: never from a path the browser named.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from advisor.knowledge.ingest import IngestReport, ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.loaders import SUPPORTED_SUFFIXES
from ui.i18n import human_size, t
from ui.render import plain

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
MAX_NAMES_SHOWN = 12


class KBError(ValueError):
    """A knowledge-base action was refused; the message is for the user."""


def valid_kb_name(name: str) -> bool:
    return (
        bool(name.strip())
        and len(name) <= 64
        and not any(c in name for c in "/\\\x00")
        and name.isprintable()
    )


def clean_file_name(name: str) -> str:
    """A browser-supplied file name made safe to use as a file name and a document key."""
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    stem, suffix = Path(base).stem[:100], Path(base).suffix[:10].lower()
    return (stem or "document") + suffix


class KnowledgeAdmin:
    def __init__(self, library: KnowledgeLibrary) -> None:
        self.library = library
        self.max_bytes = library.settings.retrieval.max_file_bytes
        self._write = (
            threading.Lock()
        )  # one change at a time: ingest, delete and rebuild touch the same index

    def names(self) -> list[str]:
        return self.library.names()

    def documents(self, kb: str | None) -> list[list[object]]:
        if not kb or kb not in self.names():
            return []
        return [[d.key, d.title, d.language, d.domain, d.chunks] for d in self.library.catalog.documents(kb)]

    def stats(self, kb: str | None, lang: str) -> str:
        names = self.names()
        if not names:
            return t(lang, "kb_empty")
        if not kb or kb not in names:
            return t(lang, "kb_pick")
        docs, chunks = self.library.catalog.kb_stats(kb)
        return t(lang, "kb_stats", kb=plain(kb, keep_lines=False), docs=docs, chunks=chunks)

    def create(self, name: str, lang: str) -> str:
        name = name.strip()
        if not valid_kb_name(name):
            raise KBError(t(lang, "kb_bad_name"))
        if name in self.names():
            raise KBError(t(lang, "kb_exists", kb=plain(name, keep_lines=False)))
        with self._write:
            self.library.create(name)
        return t(lang, "kb_created", kb=plain(name, keep_lines=False))

    def upload(self, kb: str | None, files: Sequence[str], lang: str, progress: Progress) -> str:
        if not kb or kb not in self.names():
            raise KBError(t(lang, "kb_pick"))
        if not files:
            raise KBError(t(lang, "kb_no_files"))
        refused: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="advisor-upload-") as folder:
            staged: list[Path] = []
            for done, name in enumerate(files):
                progress("copying", done, len(files))
                source = Path(name)
                clean = clean_file_name(source.name)
                target = Path(folder) / clean
                size = source.stat().st_size
                if target.suffix not in SUPPORTED_SUFFIXES:
                    refused[clean] = t(lang, "file_type_reason", suffix=target.suffix or "?")
                elif size > self.max_bytes:
                    refused[clean] = t(
                        lang, "file_big_reason", size=human_size(size), limit=human_size(self.max_bytes)
                    )
                elif target.exists():
                    continue  # the same name twice in one upload: the first one counts
                else:
                    shutil.copyfile(source, target)
                    staged.append(target)
            report = IngestReport(kb)
            if staged:
                with self._write:
                    report = ingest(self.library, staged, kb, progress=progress)
        report.failed.update(refused)
        return self.describe(report, lang)

    @staticmethod
    def describe(report: IngestReport, lang: str) -> str:
        def names(keys: list[str]) -> str:
            shown = ", ".join(plain(k, keep_lines=False) for k in keys[:MAX_NAMES_SHOWN])
            return shown + (" …" if len(keys) > MAX_NAMES_SHOWN else "")

        lines = []
        if report.added:
            lines.append(t(lang, "kb_added", n=len(report.added), names=names(report.added)))
        if report.updated:
            lines.append(t(lang, "kb_updated", n=len(report.updated), names=names(report.updated)))
        if report.unchanged:
            lines.append(t(lang, "kb_unchanged", n=len(report.unchanged), names=names(report.unchanged)))
        for key, reason in report.failed.items():
            lines.append(
                t(
                    lang,
                    "kb_failed",
                    name=plain(key, keep_lines=False),
                    reason=plain(reason, keep_lines=False),
                )
            )
        return "\n\n".join(lines) or t(lang, "kb_nothing")

    def delete_document(self, kb: str | None, key: str | None, lang: str) -> str:
        if not kb or kb not in self.names():
            raise KBError(t(lang, "kb_pick"))
        if not key:
            raise KBError(t(lang, "kb_pick_doc"))
        with self._write:
            try:
                self.library.delete_document(kb, key)
            except KeyError as exc:
                raise KBError(t(lang, "kb_error", reason=plain(str(exc), keep_lines=False))) from exc
        return t(lang, "kb_doc_deleted", doc=plain(key, keep_lines=False))

    def delete(self, kb: str | None, lang: str) -> str:
        if not kb or kb not in self.names():
            raise KBError(t(lang, "kb_pick"))
        with self._write:
            self.library.delete(kb)
        return t(lang, "kb_deleted", kb=plain(kb, keep_lines=False))

    def rebuild(self, kb: str | None, lang: str, progress: Progress) -> str:
        if not kb or kb not in self.names():
            raise KBError(t(lang, "kb_pick"))
        with self._write:
            count = self.library.rebuild(kb, progress)
        return t(lang, "kb_rebuilt", kb=plain(kb, keep_lines=False), docs=count)
