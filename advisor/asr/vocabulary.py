"""Vocabulary for recognition: the names and terms of every knowledge base, given to Whisper as hints.

Whisper base confuses near-homophones ("工资" / "公司") and has never heard the names in the user's own
documents (安睿康终身寿险, Brightwater Horizon Fund). The knowledge library knows both. Its catalog (the
documents and chunks every ingest writes, shipped and user-ingested alike) and the shipped knowledge
folder are read into one hint per language:

1. Names of the documents the user ingested (advisor/asr/names.py), newest document first, one name per
   document in turn, so each document gets a share and a new one is never crowded out; up to 60% of the
   budget.
2. Chinese domain terms: the nouns of every Chinese document's title and headings (保险, 劳动合同,
   重疾险 ...), ranked by how much the documents use them, fill the rest (up to `hotword_limit` words).

The hint stays within `BUDGET_TOKENS` of Whisper's tokenizer (its prompt window is 223 tokens; 200 leaves
room for openai-whisper's Simplified prompt after it). faster-whisper gets it as `hotwords`, for any
language; openai-whisper as the start of its initial prompt. It is rebuilt only when the catalog's
generation (bumped by every added or removed document) or a shipped file changes; each document's names
are mined once per content.

The same documents give the names a transcript is corrected towards after recognition (`known_names`,
advisor/asr/correction.py): every name of every ingested document, not only those the budget fits,
and for Chinese the hint's terms too.

`settings.asr.hotwords`: "auto" (default) = from the knowledge bases; "" = off; anything else = the
caller's own words, separated by "、", "," or spaces.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from advisor.asr.correction import Lexicon
from advisor.asr.names import chinese_names, english_names

BUDGET_TOKENS = 200
NAME_SHARE = 0.6  # of the budget, at most, for the names of ingested documents
NAMES_PER_DOCUMENT = 3
_SEPARATOR = {"zh": "、", "en": ", "}
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z][a-z\-]*")
# jieba part-of-speech tags kept as domain terms: nouns of every kind, verbal nouns, fixed expressions.
_KEPT_TAGS = ("n", "nr", "ns", "nt", "nz", "vn", "l", "nrt", "nrfg")


@dataclass(frozen=True)
class Document:
    title: str
    language: str  # zh | en
    headings: tuple[str, ...]
    text: str
    ingested: bool  # added by the user, not shipped
    updated: float


# -- where the documents come from ----------------------------------------------------------------------
def _shipped(knowledge_dir: Path, skip: set[str]) -> list[Document]:
    docs = []
    for path in sorted(knowledge_dir.glob("*/*.md")):
        if str(path.resolve()) in skip:
            continue  # the catalog holds it already
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines()
        title = next((ln[len("title:") :].strip() for ln in lines if ln.startswith("title:")), "")
        headings = tuple(ln.lstrip("#").strip() for ln in lines if ln.startswith("#"))
        language = "zh" if path.name.endswith(".zh.md") else "en"
        docs.append(Document(title, language, headings, text, False, 0.0))
    return docs


def _catalog(path: Path | None, knowledge_dir: Path | None) -> tuple[list[Document], set[str]]:
    """The library's documents, read-only (nothing is created when there is no library yet)."""
    if path is None or not path.is_file():
        return [], set()
    shipped = str(knowledge_dir.resolve()) if knowledge_dir else None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = db.execute("SELECT kb, key, origin, title, language, updated FROM documents").fetchall()
            chunks: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for kb, key, heading, text in db.execute(
                "SELECT kb, doc_key, heading, text FROM chunks ORDER BY kb, doc_key, idx"
            ):
                chunks.setdefault((kb, key), []).append((heading, text))
        finally:
            db.close()
    except sqlite3.Error:
        return [], set()
    docs, origins = [], set()
    for kb, key, origin, title, language, updated in rows:
        parts = chunks.get((kb, key), [])
        headings = {h for heading, _ in parts for h in heading.split(" > ") if h}
        is_shipped = bool(shipped) and origin.startswith(f"{shipped}/")
        origins.add(origin)
        text = "\n".join(t for _, t in parts)
        docs.append(Document(title, language, tuple(sorted(headings)), text, not is_shipped, updated))
    return docs, origins


def _generation(path: Path | None) -> int:
    if path is None or not path.is_file():
        return -1
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return -2
    return int(row[0]) if row else 0


# -- what goes in the hint -------------------------------------------------------------------------------
@lru_cache(maxsize=512)
def document_names(language: str, title: str, text: str) -> tuple[str, ...]:
    """A document's names, best first (cached by content: a document is mined once)."""
    mine = chinese_names if language == "zh" else english_names
    return tuple(mine(title, text, NAMES_PER_DOCUMENT))


def domain_terms(docs: Sequence[Document]) -> list[str]:
    """Nouns of the Chinese documents' titles and headings, most used (times length) first."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    chinese = [d for d in docs if d.language == "zh"]
    body = "\n".join(d.text for d in chinese)
    candidates: set[str] = set()
    for doc in chinese:
        for heading in (doc.title, *doc.headings):
            for word, tag in jieba.posseg.cut(heading):
                if tag in _KEPT_TAGS and _HAN_WORD.fullmatch(word):
                    candidates.add(word)
    # Frequent and long first: a three-character term (重疾险) is worth more as a hint than a common
    # two-character word the model already knows.
    return sorted(candidates, key=lambda w: (-body.count(w) * len(w), w))


def estimate_tokens(text: str) -> int:
    """Whisper tokens, over-counted: rare Chinese characters take two or three, common ones one."""
    return 2 * len(_CJK.findall(text)) + 2 * len(re.findall(r"[A-Za-z0-9]+", text)) + 1


@lru_cache(maxsize=1)
def token_counter() -> Callable[[str], int]:
    """Whisper's own token count (the packaged model's tokenizer.json, the same for every multilingual
    Whisper); without it, the over-counting estimate."""
    try:
        import importlib.resources

        from tokenizers import Tokenizer

        from advisor.asr.packaged import WHISPER_BASE

        module, inner, _ = next(f for f in WHISPER_BASE.files if f[1].endswith("tokenizer.json"))
        tokenizer = Tokenizer.from_file(str(importlib.resources.files(module).joinpath(inner)))
    except Exception:  # no tokenizers package (openai-whisper only) or no packaged model
        return estimate_tokens

    def count(text: str) -> int:  # faster-whisper encodes " " + hotwords
        return len(tokenizer.encode(" " + text, add_special_tokens=False).ids)

    return count


def assemble(
    names_by_document: Sequence[Sequence[str]],
    terms: Sequence[str],
    language: str,
    limit: int,
    count: Callable[[str], int],
    budget: int = BUDGET_TOKENS,
) -> tuple[str, ...]:
    """Names first, one per document in turn, up to NAME_SHARE of the budget; then terms. Whole words only."""
    chosen: list[str] = []

    def fits(word: str, within: float) -> bool:
        candidate = _SEPARATOR[language].join([*chosen, word])
        return word not in chosen and len(chosen) < limit and count(candidate) <= within

    for rank in range(NAMES_PER_DOCUMENT):
        for names in names_by_document:
            if rank < len(names) and fits(names[rank], budget * NAME_SHARE):
                chosen.append(names[rank])
    for term in terms:
        if not any(term in name for name in chosen) and fits(term, budget):
            chosen.append(term)
    return tuple(chosen)


def _documents(knowledge_dir: Path | None, catalog: Path | None) -> list[Document]:
    docs, origins = _catalog(catalog, knowledge_dir)
    if knowledge_dir is not None and knowledge_dir.is_dir():
        docs += _shipped(knowledge_dir, origins)
    return docs


@lru_cache(maxsize=4)
def _library(
    knowledge_dir: Path | None, catalog: Path | None, signature: object, language: str
) -> tuple[list[Document], list[Document]]:
    """Every document, and the user's own in `language` newest first; read once per library change (the
    hint and the corrector's names both start here)."""
    docs = _documents(knowledge_dir, catalog)
    ingested = sorted((d for d in docs if d.ingested and d.language == language), key=lambda d: -d.updated)
    return docs, ingested


def _signature(knowledge_dir: Path | None, catalog: Path | None) -> object:
    shipped = sorted(knowledge_dir.glob("*/*.md")) if knowledge_dir and knowledge_dir.is_dir() else []
    return (_generation(catalog), tuple((str(p), p.stat().st_mtime_ns) for p in shipped))


@lru_cache(maxsize=16)
def _vocabulary(
    knowledge_dir: Path | None,
    catalog: Path | None,
    signature: object,
    language: str,
    limit: int,
    count: Callable[[str], int],
) -> tuple[str, ...]:
    docs, ingested = _library(knowledge_dir, catalog, signature, language)
    names = [document_names(language, d.title, d.text) for d in ingested]
    terms = domain_terms(docs) if language == "zh" else []
    return assemble(names, terms, language, limit, count)


def vocabulary(
    knowledge_dir: Path | None,
    catalog: Path | None = None,
    language: str = "zh",
    limit: int = 40,
    count: Callable[[str], int] = estimate_tokens,
) -> tuple[str, ...]:
    """The hint words for `language`, best first, from the shipped folder and the library's catalog."""
    if limit <= 0 or language not in _SEPARATOR:
        return ()
    return _vocabulary(knowledge_dir, catalog, _signature(knowledge_dir, catalog), language, limit, count)


@lru_cache(maxsize=8)
def _known_names(
    knowledge_dir: Path | None,
    catalog: Path | None,
    signature: object,
    language: str,
    limit: int,
    count: Callable[[str], int],
) -> Lexicon:
    docs, ingested = _library(knowledge_dir, catalog, signature, language)
    names = [n for d in ingested for n in document_names(language, d.title, d.text)]
    if language == "zh":
        names += vocabulary(knowledge_dir, catalog, language, limit, count)  # the hint's terms
        return Lexicon(language, tuple(dict.fromkeys(names)))
    plain = frozenset(w for d in docs if d.language == language for w in _LOWER_WORD.findall(d.text))
    return Lexicon(language, tuple(dict.fromkeys(names)), plain)


def known_names(
    knowledge_dir: Path | None,
    catalog: Path | None = None,
    language: str = "zh",
    limit: int = 40,
    count: Callable[[str], int] = estimate_tokens,
) -> Lexicon:
    """The names a `language` transcript is corrected towards; the same object until the library changes."""
    if language not in _SEPARATOR:
        return Lexicon(language, ())
    return _known_names(knowledge_dir, catalog, _signature(knowledge_dir, catalog), language, limit, count)


def hotwords(
    setting: str,
    knowledge_dir: Path | None,
    limit: int = 40,
    language: str = "zh",
    catalog: Path | None = None,
    count: Callable[[str], int] = estimate_tokens,
) -> str | None:
    """The hint text for decoding `language` under `setting` ("auto", "", or the caller's own words)."""
    setting = setting.strip()
    if setting == "auto":
        terms = vocabulary(knowledge_dir, catalog, language, limit, count)
    else:
        terms = tuple(t for t in re.split(r"[、,，;；\s]+", setting) if t)
    return _SEPARATOR.get(language, "、").join(terms) or None
