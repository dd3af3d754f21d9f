"""Domain vocabulary for Chinese recognition: the advisor's own terms, given to Whisper as hints.

Whisper base confuses near-homophones ("工资" / "公司", "到期" / "到气") and has no idea which words this
advisor's users are likely to say. The knowledge bases know: the nouns in their titles and headings
(保险, 劳动合同, 试用期, 重疾险, 养老金 ...), ranked by how often the documents use them, are handed to
Whisper with the Simplified prompt (faster-whisper's `hotwords`; for openai-whisper the same words lead
the carried initial prompt). Only headings are mined, not body sentences, and the list is capped, so it
stays a short vocabulary (about 40 words, well inside Whisper's 223-token prompt window).

`settings.asr.hotwords`: "auto" (default) = from the shipped knowledge bases; "" = off; anything else =
the caller's own words, separated by "、", "," or spaces.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# jieba part-of-speech tags kept: nouns of every kind, verbal nouns, idioms/fixed expressions.
_KEPT_TAGS = ("n", "nr", "ns", "nt", "nz", "vn", "l", "nrt", "nrfg")


def _headings(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            lines.append(line.lstrip("#").strip())
        elif line.startswith("title:"):  # front matter
            lines.append(line[len("title:") :].strip())
    return lines


@lru_cache(maxsize=8)
def _terms(folder: str, signature: tuple[tuple[str, int], ...], limit: int) -> tuple[str, ...]:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    texts = [Path(path).read_text(encoding="utf-8", errors="replace") for path, _ in signature]
    body = "\n".join(texts)
    candidates: set[str] = set()
    for text in texts:
        for heading in _headings(text):
            for word, tag in jieba.posseg.cut(heading):
                if tag in _KEPT_TAGS and _HAN_WORD.fullmatch(word):
                    candidates.add(word)
    # Frequent and long first: a three-character term (重疾险) is worth more as a hint than a common
    # two-character word the model already knows.
    ranked = sorted(candidates, key=lambda w: (-body.count(w) * len(w), w))
    return tuple(ranked[:limit])


def domain_terms(knowledge_dir: Path, limit: int = 40) -> tuple[str, ...]:
    """The Chinese domain terms of the knowledge bases under `knowledge_dir` (`*/*.zh.md`), best first."""
    if limit <= 0 or not knowledge_dir.is_dir():
        return ()
    files = sorted(knowledge_dir.glob("*/*.zh.md"))
    signature = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    return _terms(str(knowledge_dir), signature, limit) if files else ()


def hotwords(setting: str, knowledge_dir: Path | None, limit: int = 40) -> str | None:
    """The hint text for Chinese decoding under `setting` ("auto", "", or the caller's own words)."""
    setting = setting.strip()
    if setting == "auto":
        terms = domain_terms(knowledge_dir, limit) if knowledge_dir else ()
    else:
        terms = tuple(t for t in re.split(r"[、,，;；\s]+", setting) if t)
    return "、".join(terms) or None
