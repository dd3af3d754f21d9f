"""The vector store against a real Chroma server (`chroma run`) on 127.0.0.1, as a deployment uses it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.embeddings.fake import HashingEmbedder
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.retriever import HybridRetriever

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    executable = str(CHROMA) if CHROMA.exists() else shutil.which("chroma")
    assert executable, "the chroma command ships with the chromadb wheel"
    port = free_port()
    process = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_ingest_search_check_and_rebuild_through_a_chroma_server(chroma_server: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.store.url = chroma_server
    settings.embeddings.backend = "hashing"
    library = KnowledgeLibrary(settings, HashingEmbedder())
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Salt\n\nAdults should eat less than 5 g of salt a day.\n")
    (docs / "b.md").write_text("# 睡眠\n\n成年人每天需要7到9小时睡眠。\n")
    report = ingest(library, [docs], "remote")
    assert report.chunks_added == 2
    assert library.store.location == chroma_server
    assert not (tmp_path / "data" / "chroma").exists(), "server mode must not create an embedded store"
    results = HybridRetriever(library, "dense").retrieve("salt a day", k=1)
    assert results[0].doc_key == "docs/a.md"
    assert library.check("remote").ok
    library.rebuild("remote")
    assert library.check("remote").ok
    library.delete("remote")
    assert library.names() == []


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.store.url = f"http://127.0.0.1:{free_port()}"
    settings.embeddings.backend = "hashing"
    library = KnowledgeLibrary(settings, HashingEmbedder())
    from advisor.knowledge.store import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="cannot open the vector store"):
        library.store.ids("kb", "hashing-64")
