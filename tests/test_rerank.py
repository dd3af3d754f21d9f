"""The heading rerank: a passage whose section heading names the question's topic moves up; without
section headings, and with an English-only embedder, the fused order stands."""

from __future__ import annotations

from advisor.config import RetrievalSettings
from advisor.embeddings.fake import HashingEmbedder
from advisor.knowledge.rerank import HeadingReranker
from advisor.knowledge.retriever import RetrievedChunk


class Multilingual(HashingEmbedder):
    multilingual = True


def chunk(name: str, heading: str, similarity: float) -> RetrievedChunk:
    return RetrievedChunk(
        "kb",
        name,
        f"{name}.md",
        "少盐少糖",
        heading,
        "每天的建议量见下。",
        "zh",
        "health",
        "",
        0.0,
        1,
        1,
        similarity,
    )


def test_the_section_about_the_question_moves_first() -> None:
    embedder = Multilingual()
    reranker = HeadingReranker(embedder, RetrievalSettings())
    sugar = chunk("sugar", "少盐少糖 > 糖 添加糖", 0.90)
    salt = chunk("salt", "少盐少糖 > 盐 食盐 每天 吃 多少", 0.89)
    ranked = reranker.rerank(embedder.embed_query("每天吃多少盐"), [sugar, salt], "zh")
    assert [c.id for c in ranked] == ["salt", "sugar"]


def test_without_section_headings_or_a_multilingual_embedder_nothing_moves() -> None:
    embedder = Multilingual()
    reranker = HeadingReranker(embedder, RetrievalSettings())
    a, b = chunk("a", "无关标题", 0.90), chunk("b", "每天 吃 多少 盐", 0.89)
    assert [c.id for c in reranker.rerank(embedder.embed_query("每天吃多少盐"), [a, b], "zh")] == ["a", "b"]
    assert not HeadingReranker(HashingEmbedder(), RetrievalSettings()).applies
