"""Bilingual chunking: split by headings, then by sentences (。！？； and . ! ? ;), packed to a token budget.

LangChain's splitters do the splitting; what is ours is the separators for both languages, a token
estimate that treats a Chinese character and an English word alike, and content-hash chunk ids.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from advisor.knowledge.text import detect_language

SENTENCE_SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "! ", "? ", ". ", "; ", "，", ", ", " ", ""]
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Chunk:
    id: str  # content hash of (document key, heading path, text, occurrence)
    text: str
    heading_path: str  # "Title > Section > Subsection"
    index: int  # position in the document
    language: str

    @property
    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: the heading path gives a bare paragraph its topic."""
        return f"{self.heading_path}\n{self.text}" if self.heading_path else self.text


def estimate_tokens(text: str) -> int:
    """Rough subword count: ~1 per Chinese character, ~1.3 per English word or number."""
    cjk = len(_CJK_CHAR.findall(text))
    words = len(_WORD.findall(text))
    return cjk + int(words * 1.3) + 1


def chunk_document(
    doc_key: str, title: str, text: str, max_tokens: int = 300, overlap_tokens: int = 40
) -> list[Chunk]:
    sections = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(text)
    splitter = RecursiveCharacterTextSplitter(
        separators=SENTENCE_SEPARATORS,
        keep_separator="end",
        chunk_size=max_tokens,
        chunk_overlap=min(overlap_tokens, max_tokens // 4),
        length_function=estimate_tokens,
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section in sections:
        # A document's '#' heading is its title line; with a title known, the path starts there instead.
        levels = _HEADERS[1:] if title else _HEADERS
        headings = [section.metadata[key] for _, key in levels if key in section.metadata]
        heading_path = " > ".join([title, *headings]) if title else " > ".join(headings)
        for piece in splitter.split_text(section.page_content):
            piece = piece.strip()
            if not _has_words(piece):
                continue
            basis = f"{doc_key}\x00{heading_path}\x00{piece}"
            occurrence = seen.get(basis, 0)
            seen[basis] = occurrence + 1
            digest = hashlib.sha256(f"{basis}\x00{occurrence}".encode()).hexdigest()[:32]
            chunks.append(Chunk(digest, piece, heading_path, len(chunks), detect_language(piece)))
    return chunks


def _has_words(text: str) -> bool:
    return bool(re.search(r"\w", text))
