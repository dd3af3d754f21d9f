"""Ingestion under faults: SIGKILL at random points, a broken index, a full or read-only disk."""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.embeddings.fake import HashingEmbedder
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.retriever import HybridRetriever


def make_corpus(folder: Path, count: int, sentences: int = 30) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        zh = "。".join(f"第{i}篇文档的第{j}句话讲的是储蓄与预算" for j in range(sentences)) + "。"
        en = " ".join(f"Document {i} sentence {j} is about saving and budgets." for j in range(sentences))
        (folder / f"doc{i}.md").write_text(f"# Doc {i}\n\n## 中文\n\n{zh}\n\n## English\n\n{en}\n")
    return folder


def hashing_library(data: Path) -> KnowledgeLibrary:
    settings = Settings(data_dir=data)
    settings.embeddings.backend = "hashing"
    return KnowledgeLibrary(settings, HashingEmbedder())


def ingest_process(data: Path, corpus: Path, **popen: object) -> subprocess.Popen[str]:
    """`advisor ingest` in its own process, on the hashing embedder."""
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data), "ADVISOR_EMBEDDINGS__BACKEND": "hashing"}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "advisor.cli", "ingest", str(corpus), "--kb", "kb", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def assert_exactly(data: Path, corpus: Path, tmp_path: Path) -> int:
    """The knowledge base in `data` holds exactly the chunks a clean ingest of `corpus` makes."""
    fresh = hashing_library(tmp_path / f"fresh-{time.monotonic_ns()}")
    ingest(fresh, [corpus], "kb")
    resumed = hashing_library(data)
    expected = fresh.catalog.chunk_ids("kb")
    assert resumed.catalog.chunk_ids("kb") == expected
    report = resumed.check("kb")
    assert report.ok, report
    assert report.store_count == report.bm25_chunks == len(expected)
    resumed.store.forget()
    return len(expected)


def resume_exactly(data: Path, corpus: Path, tmp_path: Path) -> int:
    """Run the same ingest again to the end; it must leave exactly the chunks of a clean ingest."""
    resumed = ingest_process(data, corpus)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    return assert_exactly(data, corpus, tmp_path)


def test_ingest_killed_at_random_points_ends_with_exactly_the_right_chunks(
    tmp_path: Path, reliability
) -> None:
    """SIGKILL an ingest again and again while documents change under it, then finish it once."""
    kills = int(os.environ.get("ADVISOR_TEST_KILLS", "40"))
    corpus = make_corpus(tmp_path / "corpus", count=40)
    # How long a whole uninterrupted ingest takes here (interpreter start-up included), measured on a
    # scratch copy: kills are timed inside that span, and the loop goes on until `kills` of them have
    # landed mid-run, however fast or slow the machine is.
    started = time.monotonic()
    ingest_process(tmp_path / "scratch", corpus).communicate(timeout=300)
    whole_s = time.monotonic() - started
    data = tmp_path / "data"
    rng = random.Random(7)
    killed = edits = attempts = 0
    while killed < kills and attempts < kills * 4:
        attempts += 1
        if attempts % 3 == 0:  # edit a file between crashes, so resumed runs also meet changed content
            target = corpus / f"doc{rng.randrange(40)}.md"
            target.write_text(target.read_text() + f"\n\nEdit {attempts}: keep receipts for returns.\n")
            edits += 1
        process = ingest_process(data, corpus)
        time.sleep(rng.uniform(0.2, whole_s))  # while loading, parsing, embedding and writing
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
    assert killed == kills, f"only {killed} of {attempts} kills landed mid-way"
    final = ingest_process(data, corpus)
    _, stderr = final.communicate(timeout=300)
    assert final.returncode == 0, stderr
    chunks = assert_exactly(data, corpus, tmp_path)
    reliability(
        "Faults",
        f"Ingest of 40 documents SIGKILLed at random points {kills} times ({edits} files edited between kills), "
        "then run to the end",
        cases=killed,
        result=(
            f"{killed} kills landed mid-run; the finished knowledge base holds exactly the {chunks} chunks of a "
            "clean ingest; catalog = vector store = BM25 (searchable = stored)"
        ),
    )


# -- a broken index heals itself ---------------------------------------------------------------------------


def _break(data: Path, how: str) -> None:
    chroma, bm25 = data / "chroma", data / "cache" / "bm25"
    if how == "vector store folder deleted":
        shutil.rmtree(chroma)
    elif how == "vector store database overwritten with garbage":
        (chroma / "chroma.sqlite3").write_bytes(random.Random(1).randbytes(200_000))
    elif how == "vector store database truncated":
        db = chroma / "chroma.sqlite3"
        db.write_bytes(db.read_bytes()[:8192])
    elif how == "vector index segment files garbage":
        for file in (f for f in chroma.rglob("*") if f.is_file() and f.name != "chroma.sqlite3"):
            file.write_bytes(random.Random(2).randbytes(max(file.stat().st_size, 64)))
    elif how == "BM25 cache overwritten with garbage":
        for file in (f for f in bm25.rglob("*") if f.is_file()):
            file.write_bytes(b"\x00garbage")
    elif how == "BM25 cache deleted":
        shutil.rmtree(bm25)
    else:
        raise ValueError(how)


BREAKAGES = (
    "vector store folder deleted",
    "vector store database overwritten with garbage",
    "vector store database truncated",
    "vector index segment files garbage",
    "BM25 cache overwritten with garbage",
    "BM25 cache deleted",
)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[list[str]], int]]:
    """A knowledge base big enough (over 1,000 chunks) for Chroma to keep an HNSW index on disk, and the
    answers a healthy index gives to a few queries."""
    base = tmp_path_factory.mktemp("healthy")
    corpus = make_corpus(base / "corpus", count=150, sentences=60)
    library = hashing_library(base / "data")
    ingest(library, [corpus], "kb")
    chunks = library.check("kb").catalog_chunks
    assert chunks > 1000
    queries = ["Document 7 sentence 12 saving", "第33篇文档 储蓄", "budgets document 101"]
    answers = [[r.id for r in HybridRetriever(library).retrieve(q, 5)] for q in queries]
    library.store.forget()
    yield base / "data", answers, chunks


def test_a_broken_index_is_detected_and_rebuilt_from_the_catalog(
    healthy: tuple[Path, list[list[str]], int], tmp_path: Path, reliability
) -> None:
    source, answers, chunks = healthy
    queries = ["Document 7 sentence 12 saving", "第33篇文档 储蓄", "budgets document 101"]
    for n, how in enumerate(BREAKAGES):
        data = tmp_path / f"data-{n}"
        shutil.copytree(source, data)
        _break(data, how)
        library = hashing_library(data)  # as after a restart
        retriever = HybridRetriever(library)
        got = [[r.id for r in retriever.retrieve(q, 5)] for q in queries]
        assert got == answers, how
        assert any(r.similarity is not None for r in retriever.retrieve(queries[0], 5)), (
            f"{how}: no dense hits"
        )
        report = library.check("kb")
        assert report.ok, (how, report)
        library.store.forget()
    reliability(
        "Faults",
        f"A broken index found at the first search after a restart ({chunks:,} chunks): "
        + "; ".join(BREAKAGES),
        cases=len(BREAKAGES),
        result=(
            "each detected (store count against the catalog, or a failed open or query) and rebuilt from the "
            "catalog and the embedding cache without a command; the same top-5 answers as before; kb check ok"
        ),
    )


# -- a full or read-only disk ------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs (root only): a real 'No space left on device'."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _store_opens(data: Path) -> int:
    """After a failed write the store opens, holds only whole documents, and (once it has caught up with
    the catalog at its first search) agrees with itself; returns its chunk count."""
    library = hashing_library(data)
    per_document = Counter(key for _, key, _, _ in library.catalog.chunk_rows("kb"))
    assert per_document == {doc.key: doc.chunks for doc in library.catalog.documents("kb")}
    library.ensure_index(["kb"])
    report = library.check("kb")
    assert report.ok, report
    library.store.forget()
    return report.catalog_chunks


def test_a_full_disk_mid_ingest_is_a_clear_error(small_disk: Path, tmp_path: Path, reliability) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=16, sentences=150)  # ~3 MB of data dir: does not fit
    data = small_disk / "data"
    full = ingest_process(data, corpus)
    _, stderr = full.communicate(timeout=300)
    assert full.returncode == 3, stderr
    assert "disk is full" in stderr or "No space left" in stderr.lower() or "space" in stderr, stderr
    assert "Traceback" not in stderr
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    kept = _store_opens(data)
    chunks = resume_exactly(data, corpus, tmp_path)
    reliability(
        "Faults",
        "Disk full mid-ingest (a 3 MB tmpfs data dir, 16 documents)",
        cases=1,
        result=(
            f"exit 3 with 'cannot write to the data folder ... (disk is full)', no traceback; the store opened "
            f"and agreed with itself ({kept} chunks kept); after freeing space the same command finished with "
            f"exactly the {chunks} chunks of a clean ingest"
        ),
    )


def test_a_file_size_limit_mid_ingest_is_a_clear_error(tmp_path: Path, reliability) -> None:
    """RLIMIT_FSIZE (no root needed): writes past 1 MB fail with 'File too large'."""
    corpus = make_corpus(tmp_path / "corpus", count=16, sentences=150)
    data = tmp_path / "data"

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    limited = ingest_process(data, corpus, preexec_fn=limit)
    _, stderr = limited.communicate(timeout=300)
    assert limited.returncode == 3 and "cannot write to the data folder" in stderr, stderr
    assert "Traceback" not in stderr
    kept = _store_opens(data)
    chunks = resume_exactly(data, corpus, tmp_path)
    reliability(
        "Faults",
        "File-size limit hit mid-ingest (RLIMIT_FSIZE 1 MB)",
        cases=1,
        result=(
            f"exit 3 with a plain 'cannot write to the data folder' error; the store opened ({kept} chunks, "
            f"consistent); re-run without the limit: exactly the {chunks} chunks of a clean ingest"
        ),
    )


def test_a_read_only_data_dir_is_a_clear_error(small_disk: Path, tmp_path: Path, reliability) -> None:
    """The kernel refuses to remount a filesystem read-only while a process holds files open for writing,
    so the data dir goes read-only between a first ingest and a second one."""
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    corpus = make_corpus(tmp_path / "corpus", count=10)
    data = small_disk / "data"
    first = ingest_process(data, corpus)
    assert first.wait(timeout=300) == 0
    make_corpus(tmp_path / "more", count=10)
    for extra in (tmp_path / "more").iterdir():
        shutil.copy(extra, corpus / f"new-{extra.name}")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        refused = ingest_process(data, corpus)
        _, stderr = refused.communicate(timeout=300)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert refused.returncode == 3, stderr
    assert "read-only" in stderr and "Traceback" not in stderr, stderr
    kept = _store_opens(data)
    chunks = resume_exactly(data, corpus, tmp_path)
    reliability(
        "Faults",
        "Data dir remounted read-only between two ingests (10 documents in, 10 more to add)",
        cases=1,
        result=(
            f"exit 3 with 'cannot write to the data folder ... (it is read-only)', no traceback; once writable "
            f"the store opened with the first {kept} chunks intact, and the same command finished with "
            f"exactly the {chunks} chunks"
        ),
    )


def _chmod_tree(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        try:
            mode = path.stat().st_mode
            path.chmod(mode | 0o200 if writable else mode & ~0o222)
        except FileNotFoundError:  # a journal the running ingest removed between listing and chmod
            continue


def test_a_data_dir_made_read_only_mid_ingest(tmp_path: Path, reliability) -> None:
    """The data dir loses write permission while an ingest runs. The ingest runs as root without the
    capability to override file permissions (setpriv), as an ordinary user would."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop CAP_DAC_OVERRIDE")
    corpus = make_corpus(tmp_path / "corpus", count=40, sentences=120)
    outcomes = []
    for delay in (2.0, 3.5):
        data = tmp_path / f"data-{delay}"
        env = {**os.environ, "ADVISOR_DATA_DIR": str(data), "ADVISOR_EMBEDDINGS__BACKEND": "hashing"}
        drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
        running = subprocess.Popen(
            [*drop, sys.executable, "-m", "advisor.cli", "ingest", str(corpus), "--kb", "kb"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        if not data.exists():
            running.kill()
            pytest.fail(f"the ingest had not started writing after {delay} s")
        _chmod_tree(data, writable=False)
        try:
            _, stderr = running.communicate(timeout=300)
        finally:
            _chmod_tree(data, writable=True)
        if running.returncode == 0:
            outcomes.append("finished before the change")  # nothing left to write: not a failure
        else:
            assert running.returncode == 3, stderr
            said = " ".join(stderr.split())  # the console wraps long lines
            assert "cannot write to the data folder" in said and "Traceback" not in said, stderr
            assert "(permission denied)" in said or "(it is read-only)" in said, said
            outcomes.append(f"stopped with {_store_opens(data)} chunks kept")
        resumed = ingest_process(data, corpus)
        _, stderr = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, stderr
        chunks = assert_exactly(data, corpus, tmp_path)
    assert any(o.startswith("stopped") for o in outcomes), outcomes
    reliability(
        "Faults",
        "Data dir made read-only (write permission removed) 2 s and 3.5 s into an ingest of 40 documents",
        cases=len(outcomes),
        result=(
            f"{'; '.join(outcomes)}: exit 3 with 'cannot write to the data folder ... (permission denied / it "
            "is read-only)', "
            f"no traceback, the store consistent; once writable, the same command finished with exactly the "
            f"{chunks} chunks"
        ),
    )
