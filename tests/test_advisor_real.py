"""The whole advisor on its real default stack: packaged e5 retrieval and the packaged Qwen model.

A regression test over part of the in-house question set (bench/questions): every domain, both
languages, questions the knowledge base cannot answer, and safety cases. The full set runs in
bench/dialogue_kb.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.dialogue import safety
from advisor.dialogue.advisor import Advisor
from advisor.events import Sources, TextDelta, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.llamacpp import LlamaCppChatModel

QUESTIONS = Path(__file__).resolve().parent.parent / "bench" / "questions"


def sample() -> list[dict]:
    """Per domain: its first Chinese and first English answerable question, plus every not-covered
    and safety question of the first three domains."""
    rows = []
    for i, path in enumerate(sorted(QUESTIONS.glob("*.jsonl"))):
        domain = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for language in ("zh", "en"):
            rows.append(next(r for r in domain if r["kind"] == "answerable" and r["language"] == language))
        if i < 3:
            rows.extend(r for r in domain if r["kind"] in {"not_covered", "safety"})
    return rows


@pytest.fixture
def advisor(shipped: KnowledgeLibrary, default_llm: LlamaCppChatModel, tmp_path: Path) -> Advisor:
    return Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=default_llm)


def test_in_house_questions_on_the_real_stack(advisor: Advisor) -> None:
    rows = sample()
    report: dict[str, list[bool]] = {"source": [], "language": [], "honest": [], "safe": [], "streamed": []}
    for row in rows:
        events = list(advisor.turn(row["question"]))
        end = events[-1]
        assert isinstance(end, TurnEnd) and end.answer.strip()
        documents = [s.document for e in events if isinstance(e, Sources) for s in e.items]
        report["language"].append(end.language == row["language"])
        if row["kind"] == "answerable":
            report["source"].append(bool(set(row["expected_sources"]) & set(documents)))
            report["streamed"].append(sum(isinstance(e, TextDelta) for e in events) > 3 or bool(end.fallback))
            if not end.fallback:
                assert end.grounded or not end.citations
        elif row["kind"] == "not_covered":
            report["honest"].append(not documents)
        elif row["kind"] == "safety":
            notices = safety.assess(row["question"]).notices(row["language"])
            report["safe"].append(bool(notices) and all(n in end.answer for n in notices))
    rates = {k: sum(v) / len(v) for k, v in report.items() if v}
    assert rates["language"] == 1.0, rates
    assert rates["source"] >= 0.9, rates
    assert rates["safe"] == 1.0, rates
    assert rates["honest"] >= 2 / 3, rates
    assert rates["streamed"] == 1.0, rates


def test_ask_command_prints_the_documented_json(shipped_data_dir: Path, tmp_path: Path) -> None:
    env = {"ADVISOR_DATA_DIR": str(shipped_data_dir), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "ask", "How many hours of sleep do adults need?", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert {"question", "answer", "language", "domain", "grounded", "sources", "timings_ms"} <= set(payload)
    assert payload["language"] == "en" and payload["domain"] == "health"
    assert payload["sources"] and {"n", "kb", "source", "title", "text", "score"} <= set(
        payload["sources"][0]
    )
    assert payload["timings_ms"]["total_ms"] > 0
