"""The shipped knowledge bases meet their brief: domains, sizes, both languages, front matter."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from advisor.knowledge.loaders import split_front_matter

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
QUESTIONS = Path(__file__).resolve().parent.parent / "bench" / "questions"
DOMAINS = sorted(p.name for p in KNOWLEDGE.iterdir() if p.is_dir())
REQUIRED = {"title", "domain", "language", "source", "updated"}


def documents(domain: str) -> list[Path]:
    return sorted((KNOWLEDGE / domain).glob("*.md"))


def test_at_least_six_domains_including_the_core_four() -> None:
    assert len(DOMAINS) >= 6
    assert {"finance", "health", "shopping", "education"} <= set(DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_has_enough_documents_in_both_languages(domain: str) -> None:
    docs = documents(domain)
    assert len(docs) >= 12
    languages = Counter()
    for path in docs:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        assert set(meta) >= REQUIRED, f"{path.name} lacks {REQUIRED - set(meta)}"
        assert meta["domain"] == domain
        assert meta["language"] in {"zh", "en"}
        assert 400 <= len(body.strip()) <= 2000, f"{path.name}: {len(body.strip())} characters"
        assert path.name.endswith(f".{meta['language']}.md")
        languages[meta["language"]] += 1
    for language in ("zh", "en"):
        assert languages[language] / len(docs) >= 0.4, f"{domain}: {languages}"


def test_front_matter_is_strict_yaml() -> None:
    for domain in DOMAINS:
        for path in documents(domain):
            text = path.read_text(encoding="utf-8")
            assert isinstance(yaml.safe_load(text.split("---")[1]), dict), path


def load_questions() -> list[dict]:
    rows = []
    for path in sorted(QUESTIONS.glob("*.jsonl")):
        rows.extend(
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    return rows


def test_question_set_is_bilingual_and_points_at_real_documents() -> None:
    rows = load_questions()
    assert len(rows) >= 60
    languages = Counter(r["language"] for r in rows)
    assert min(languages.values()) >= 0.4 * len(rows)
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["cross_language"] >= 6 and kinds["not_covered"] >= 3 and kinds["safety"] >= 3
    for row in rows:
        for source in row["expected_sources"]:
            text = (KNOWLEDGE / source).read_text(encoding="utf-8")
            for fact in row["key_facts"]:
                assert fact in text, f"{row['id']}: {fact!r} not in {source}"
