from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.embeddings.fake import HashingEmbedder
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.store import EmbedderMismatch


def make_corpus(folder: Path, count: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        zh = "。".join(f"第{i}篇文档的第{j}句话讲的是储蓄与预算" for j in range(30)) + "。"
        en = " ".join(f"Document {i} sentence {j} is about saving and budgets." for j in range(30))
        (folder / f"doc{i}.md").write_text(f"# Doc {i}\n\n## 中文\n\n{zh}\n\n## English\n\n{en}\n")
    return folder


def test_second_ingest_writes_nothing(library: KnowledgeLibrary, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    first = ingest(library, [corpus], "kb")
    assert len(first.added) == 6 and first.chunks_added > 6
    generation = library.catalog.generation()
    second = ingest(library, [corpus], "kb")
    assert second.unchanged == sorted(second.unchanged) and len(second.unchanged) == 6
    assert not second.changed
    assert library.catalog.generation() == generation


def test_edited_file_replaces_exactly_its_chunks(library: KnowledgeLibrary, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    ingest(library, [corpus], "kb")
    before = {r[0]: r[1] for r in library.catalog.chunk_rows("kb")}
    (corpus / "doc2.md").write_text("# Doc 2\n\nA completely new text about index funds and fees.\n")
    report = ingest(library, [corpus], "kb")
    assert report.updated == ["corpus/doc2.md"]
    after = {r[0]: r[1] for r in library.catalog.chunk_rows("kb")}
    others_before = {cid for cid, key in before.items() if key != "corpus/doc2.md"}
    others_after = {cid for cid, key in after.items() if key != "corpus/doc2.md"}
    assert others_before == others_after
    assert [key for key in after.values()].count("corpus/doc2.md") == 1
    assert library.check("kb").ok


def test_sync_removes_chunks_of_vanished_files(library: KnowledgeLibrary, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    ingest(library, [corpus], "kb")
    (corpus / "doc0.md").unlink()
    kept = ingest(library, [corpus], "kb")
    assert not kept.removed and library.catalog.document("kb", "corpus/doc0.md") is not None
    synced = ingest(library, [corpus], "kb", sync=True)
    assert synced.removed == ["corpus/doc0.md"]
    assert library.catalog.document("kb", "corpus/doc0.md") is None
    assert library.check("kb").ok


def test_bad_documents_fail_alone(library: KnowledgeLibrary, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=2)
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "garbage.pdf").write_bytes(b"%PDF-1.4 not really")
    (corpus / "notes.xyz").write_text("ignored type")
    report = ingest(library, [corpus], "kb")
    assert sorted(report.added) == ["corpus/doc0.md", "corpus/doc1.md"]
    assert set(report.failed) == {"corpus/empty.md", "corpus/garbage.pdf"}
    assert "empty" in report.failed["corpus/empty.md"]
    assert report.skipped == ["corpus/notes.xyz"]
    assert library.catalog.document("kb", "corpus/garbage.pdf") is None


def test_a_failed_update_keeps_the_previous_version(library: KnowledgeLibrary, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=1)
    ingest(library, [corpus], "kb")
    before = library.catalog.chunk_ids("kb")
    (corpus / "doc0.md").write_bytes(b"\x00\x01 binary now")
    report = ingest(library, [corpus], "kb")
    assert "corpus/doc0.md" in report.failed
    assert library.catalog.chunk_ids("kb") == before


def test_rebuild_restores_from_stored_sources_after_the_originals_are_gone(
    library: KnowledgeLibrary, tmp_path: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=3)
    ingest(library, [corpus], "kb")
    expected = library.catalog.chunk_ids("kb")
    shutil.rmtree(corpus)
    library.store.forget()
    shutil.rmtree(library.settings.data_dir / "chroma")
    assert library.rebuild("kb") == 3
    assert library.catalog.chunk_ids("kb") == expected
    assert library.check("kb").ok


def test_querying_with_another_embedder_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    settings.embeddings.backend = "hashing"
    KnowledgeLibrary(settings, HashingEmbedder())
    library = KnowledgeLibrary(settings, HashingEmbedder())
    ingest(library, [make_corpus(tmp_path / "c", 1)], "kb")

    class OtherEmbedder(HashingEmbedder):
        name = "other-model"

    other = KnowledgeLibrary(settings, OtherEmbedder())
    with pytest.raises(EmbedderMismatch, match="advisor kb rebuild kb"):
        other.store.query("kb", other.embedder.name, other.embedder.embed_query("x"), 3)
    other.rebuild("kb")
    assert other.check("kb").ok
