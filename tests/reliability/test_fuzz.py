"""Property-based fuzzing (hypothesis) of the turn and of ingestion, on the scripted chat model and the
hashing embedder so hundreds of cases run in seconds."""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.embeddings.fake import HashingEmbedder
from advisor.events import Sentence, TextDelta, TurnEnd
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "advisor-hypothesis")  # no .hypothesis/ in the repo

TURNS = 150
INGESTS = 40

# Any code point, surrogates and private use included, mixed with words the knowledge base knows.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
WORDS = st.sampled_from(
    ["盐", "每天", "预算", "budget", "salt", "[1]", "5克", "？", "\n", " ", "\u200b", "\U000e0041"]
)
QUESTIONS = st.lists(st.one_of(st.text(ANY_CHAR, max_size=40), WORDS), max_size=12).map("".join)
REPLIES = st.lists(st.one_of(st.text(ANY_CHAR, max_size=30), WORDS, st.just("[9]")), max_size=10).map("".join)


def _library(data: Path) -> KnowledgeLibrary:
    config = Settings(data_dir=data)
    config.embeddings.backend = "hashing"
    return KnowledgeLibrary(config, HashingEmbedder())


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeLibrary]:
    base = tmp_path_factory.mktemp("fuzz-kb")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "盐.md").write_text(
        "# 食盐\n\n成年人每天食盐不超过5克。少吃咸菜和加工食品。\n", encoding="utf-8"
    )
    (corpus / "budget.md").write_text(
        "# Budget\n\nWrite a monthly budget. Keep three months of costs saved.\n"
    )
    library = _library(base / "data")
    assert not ingest(library, [corpus], "kb").failed
    yield library
    library.store.forget()


_seen = {"turns": 0, "model": 0}


@settings(
    max_examples=TURNS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(question=QUESTIONS, reply=REPLIES, fail_after=st.none() | st.integers(0, 5))
def test_fuzzed_turns_always_end_cleanly(
    small_kb: KnowledgeLibrary, tmp_path: Path, reliability, question: str, reply: str, fail_after: int | None
) -> None:
    llm = ScriptedChatModel(replies=[reply], fail_after=fail_after)
    config = Settings(data_dir=tmp_path / "app")
    # No relevance floor: every question gets sources, so every turn reaches the model and the guard.
    config.retrieval.min_similarity_zh = config.retrieval.min_similarity_en = -1.0
    advisor = Advisor(config, library=small_kb, llm=llm)
    events = list(advisor.turn(question))
    ends = [e for e in events if isinstance(e, TurnEnd)]
    assert len(ends) == 1 and events[-1] is ends[0]
    end = ends[0]
    assert end.answer.strip() and end.language in ("zh", "en")
    assert all(n >= 1 for n in end.citations)
    shown = ""
    for event in events:
        if isinstance(event, TextDelta):
            shown = event.text if event.replace else shown + event.text
    assert shown.strip(), "the user saw nothing"
    for sentence in (e for e in events if isinstance(e, Sentence)):
        assert "[9]" not in sentence.text, "a citation of a source that does not exist was passed on"
    for messages in llm.seen:
        for message in messages:
            text = str(message.content)
            assert not any(unicodedata.category(ch) in {"Cs", "Co"} for ch in text)
            assert not any(0xE0000 <= ord(ch) <= 0xE007F for ch in text)
    _seen["turns"] += 1
    _seen["model"] += bool(llm.seen)
    reliability(  # each example rewrites the row with the running totals; the last one stands
        "Bad input",
        "Text, property-based (hypothesis): random questions of any code point (surrogates, private use, "
        "tags, zero-width) mixed with known words, random model replies (also citing a missing [9]), "
        "streams cut at random points",
        cases=_seen["turns"],
        result=(
            f"every turn ended with exactly one TurnEnd and a visible answer ({_seen['model']} reached the model); "
            "no surrogate, private-use or tag character reached the model; no sentence citing a missing "
            "source was passed on"
        ),
    )


SUFFIXES = st.sampled_from([".md", ".txt", ".html", ".htm", ".pdf", ".docx", ".markdown"])
CONTENT = st.one_of(
    st.binary(max_size=3000),
    st.text(ANY_CHAR, max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(max_size=2000).map(lambda t: ("# 标题\n\n" + t).encode("utf-8")),
    st.text(max_size=500).map(lambda t: ("---\ntitle: [\n---\n" + t).encode("utf-8")),
    st.builds(
        lambda a, b: a + b,
        st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe"]),
        st.binary(max_size=2000),
    ),
)
FILES = st.dictionaries(
    st.text(
        st.characters(codec="utf-8", exclude_characters="/\\\x00.", exclude_categories=("Cs",)),
        min_size=1,
        max_size=30,
    ),
    st.tuples(SUFFIXES, CONTENT),
    min_size=1,
    max_size=6,
)

_ingests = {"runs": 0, "files": 0, "failed": 0, "landed": 0}


@settings(
    max_examples=INGESTS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(files=FILES)
def test_fuzzed_ingests_keep_the_store_consistent(
    tmp_path_factory: pytest.TempPathFactory, reliability, files: dict
) -> None:
    folder = tmp_path_factory.mktemp("batch")
    written = {}
    for stem, (suffix, data) in files.items():
        path = folder / f"{stem}{suffix}"
        try:
            path.write_bytes(data)
        except OSError:
            continue  # a name this filesystem refuses (e.g. too long in bytes) is not an ingest case
        written[f"{folder.name}/{path.name}"] = path
    library = _library(tmp_path_factory.mktemp("data"))
    report = ingest(library, [folder], "fuzz")
    assert set(report.failed) | set(report.added) == set(written), report
    assert not set(report.failed) & set(report.added)
    for reason in report.failed.values():
        assert reason.strip() and "Traceback" not in reason
    if report.added:
        check = library.check("fuzz")
        assert check.ok and check.documents == len(report.added), check
        kept = {f"{d.sha256}{d.suffix}" for d in library.catalog.documents("fuzz")}
        assert {p.name for p in library.blob_dir.iterdir()} == kept
    else:
        assert "fuzz" not in library.names() or library.catalog.kb_stats("fuzz") == (0, 0)
    library.store.forget()
    shutil.rmtree(folder, ignore_errors=True)
    _ingests["runs"] += 1
    _ingests["files"] += len(written)
    _ingests["failed"] += len(report.failed)
    _ingests["landed"] += len(report.added)
    reliability(
        "Bad input",
        "Documents, property-based (hypothesis): batches of 1-6 files with random names (any script) and "
        "random content (bytes, any code point, broken front matter, PDF/zip/BOM magic then noise) as "
        ".md/.txt/.html/.pdf/.docx",
        cases=_ingests["files"],
        result=(
            f"{_ingests['runs']} ingests; every file either landed ({_ingests['landed']}) or failed alone with a "
            f"plain reason ({_ingests['failed']}); nothing raised; catalog = vector store = BM25 and only the "
            "landed files' sources kept, every time"
        ),
    )
