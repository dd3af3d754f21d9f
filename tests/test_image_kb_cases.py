"""The image + question cases of bench/image_kb.py are sound: documents exist, pictures are read, and the
turn retrieves an expected document. A scripted model stands in for the LLM (the bench runs the real one)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import ImageText, Sources, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.knowledge.text import detect_language
from advisor.llm.fake import ScriptedChatModel
from advisor.vision.limits import limits_message
from bench.image_cases import (
    CASES,
    Case,
    document_path,
    image_bytes,
    printed_text,
    read_key_words,
    squash,
)

pytest.importorskip("rapidocr_onnxruntime")

TEXT_CASES = [c for c in CASES if not c.limits]


def test_the_case_set_is_large_bilingual_and_names_shipped_documents() -> None:
    assert len(TEXT_CASES) >= 12
    assert len({c.id for c in CASES}) == len(CASES)
    languages = Counter(c.language for c in TEXT_CASES)
    assert languages["zh"] == languages["en"]
    assert any(c.limits for c in CASES)
    for case in CASES:
        assert detect_language(case.question) == case.language, case.id
        if case.limits:
            assert not case.rows and not case.expected
            continue
        assert case.expected and case.key_words and case.facts, case.id
        # A fact must come from the document, not be copied from the picture or the question.
        printed = squash(printed_text(case) + case.question)
        assert not [f for f in case.facts if squash(f) in printed], case.id
        for document in case.expected:
            assert document_path(document).is_file(), f"{case.id}: {document} is not shipped"


@pytest.fixture(scope="module")
def advisor(shipped_data_dir: Path) -> Advisor:
    settings = Settings(data_dir=shipped_data_dir)
    return Advisor(
        settings,
        library=KnowledgeLibrary(settings),
        llm=ScriptedChatModel(replies=["[1]"]),
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_picture_is_read_and_an_expected_document_retrieved(advisor: Advisor, case: Case) -> None:
    image_text, documents, end = "", [], None
    for event in advisor.turn(case.question, image=image_bytes(case)):
        if isinstance(event, ImageText):
            image_text = event.text
        elif isinstance(event, Sources):
            documents = [s.document for s in event.items]
        elif isinstance(event, TurnEnd):
            end = event
    assert end is not None
    if case.limits:
        assert image_text.strip() == ""
        assert limits_message(case.language, no_text=True) in end.answer
        return
    assert read_key_words(case, image_text), f"OCR read {image_text!r}"
    assert set(case.expected) & set(documents), f"retrieved {documents}"


def _turn(advisor: Advisor, case: Case) -> tuple[list[int], TurnEnd]:
    numbers: list[int] = []
    end = None
    for event in advisor.turn(case.question, image=image_bytes(case)):
        if isinstance(event, Sources):
            numbers = [s.n for s in event.items]
        elif isinstance(event, TurnEnd):
            end = event
    assert end is not None
    return numbers, end


@pytest.mark.parametrize(
    ("case_id", "reply"),
    [
        # What the small model did in the bench: restated the picture and the question, no marker.
        ("zh-blood-pressure", "是的，这是我在家量的血压，这个数值算高血压。"),
        # Copied the picture's text: attribution once cited it as source n+1, which is no source.
        ("en-blood-pressure", "The reading says Systolic 142 mmHg, Diastolic 91 mmHg and Pulse 76 bpm."),
    ],
)
def test_an_image_answer_that_cites_no_passage_is_replaced_by_cited_quotes(
    shipped_data_dir: Path, case_id: str, reply: str
) -> None:
    case = next(c for c in CASES if c.id == case_id)
    settings = Settings(data_dir=shipped_data_dir)
    advisor = Advisor(settings, library=KnowledgeLibrary(settings), llm=ScriptedChatModel(replies=[reply]))
    numbers, end = _turn(advisor, case)
    assert end.fallback and end.grounded
    assert end.citations and set(end.citations) <= set(numbers)
    assert reply not in end.answer
