"""The names a document introduces (安睿康终身寿险, 澜庭国际学校, Brightwater Horizon Fund, NHS), for Whisper.

A document a user ingests usually exists because of its names: a product, a fund, a hospital, a firm.
Whisper base has never heard them, so it writes the nearest words it knows (安瑞康, Bright Water).

- Chinese: jieba's part-of-speech tags cannot find a name it has never seen (安睿康 comes out as
  安/v 睿康/a), so names are found the way new-word discovery does it: strings of 3-10 characters that
  the document repeats (its title included), kept only where no longer string always surrounds them,
  and only when jieba's dictionary cannot spell them as known words (two or more single characters in a
  row: 安/睿/康, 澜/庭). Names jieba does know (nr, ns, nt, nz), repeated, follow.
- English: runs of capitalised words, acronyms and CamelCase, with "of", "and", "&" inside a run, that
  the document repeats, puts in its title, or writes as two words or more. A run starts only at a word the document never writes in
  lower case (The, Our, Annual are ordinary words), so sentence starts are not names.

Pure functions of a document's text, best name first; advisor/asr/vocabulary.py decides how many fit.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from advisor.knowledge.text import STOPWORDS

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Characters that glue words together rather than belong to a name: trimmed from a candidate's ends.
_GLUE = set("的了是在和与及或等为由对把被给向从以其该本此这那一个位款于将也都而并有可请问吗呢么哪什怎")
_PROPER_TAGS = ("nr", "ns", "nt", "nz", "nrt", "nrfg")
_MIN_ZH, _MAX_ZH = 3, 10

_EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*|&|[.,;:!?()\"“”\n]")
_CONNECTORS = {"of", "and", "&", "for", "de", "van", "von", "la", "le"}
_NOT_NAMES = {"I", "A", "OK", "FAQ", "Q", "Mr", "Mrs", "Ms", "Dr"}


def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _looks_new(text: str) -> bool:
    """jieba spells it with two or more single characters in a row that are not glue: a word it lacks."""
    jieba = _jieba()
    run = 0
    for token in jieba.cut(text, HMM=False):  # type: ignore[attr-defined]
        run = run + 1 if len(token) == 1 and token not in _GLUE else 0
        if run >= 2:
            return True
    return False


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _GLUE:
        start += 1
    while end > start and text[end - 1] in _GLUE:
        end -= 1
    return text[start:end]


def chinese_names(title: str, text: str, limit: int = 6) -> list[str]:
    """The Chinese names `text` (with its `title`) introduces, best first."""
    runs = _CJK_RUN.findall(f"{title}\n{text}")
    counts: Counter[str] = Counter()
    for run in runs:
        for size in range(_MIN_ZH, min(_MAX_ZH + 1, len(run)) + 1):  # +1: to see what surrounds a name
            for start in range(len(run) - size + 1):
                counts[run[start : start + size]] += 1
    repeated = {s: n for s, n in counts.items() if n >= 2}

    def closed(s: str) -> bool:  # no one-character-longer string occurs exactly as often
        n = repeated[s]
        return all(repeated.get(c, 0) < n for c in _extensions(s, runs))

    candidates: dict[str, int] = {}
    for s, n in repeated.items():
        name = _trim(s)
        if _MIN_ZH <= len(name) <= _MAX_ZH and closed(s) and _looks_new(name):
            candidates[name] = max(candidates.get(name, 0), n)
    ranked = sorted(candidates, key=lambda s: (-candidates[s] * len(s), s))
    chosen: list[str] = []
    for name in ranked:
        if not any(name in other or other in name for other in chosen):
            chosen.append(name)
    for name in _known_proper_nouns(runs):
        if len(chosen) >= limit:
            break
        if not any(name in other or other in name for other in chosen):
            chosen.append(name)
    return chosen[:limit]


def _extensions(s: str, runs: list[str]) -> set[str]:
    found = set()
    for run in runs:
        start = run.find(s)
        while start >= 0:
            if start > 0:
                found.add(run[start - 1] + s)
            if start + len(s) < len(run):
                found.add(s + run[start + len(s)])
            start = run.find(s, start + 1)
    return found


def _known_proper_nouns(runs: list[str]) -> list[str]:
    import jieba.posseg

    _jieba()
    counts: Counter[str] = Counter()
    for run in runs:
        for word, tag in jieba.posseg.cut(run):
            if tag in _PROPER_TAGS and len(word) >= 2:
                counts[word] += 1
    return [w for w, n in sorted(counts.items(), key=lambda x: (-x[1] * len(x[0]), x[0])) if n >= 2]


def english_names(title: str, text: str, limit: int = 6) -> list[str]:
    """The English names `text` (with its `title`) introduces, best first."""
    lower_words = set(re.findall(r"(?<![A-Za-z])[a-z][a-z'’\-]*", text))
    counts: Counter[str] = Counter()
    for source, weight in ((title, 2), (text, 1)):
        for name in _capitalised_runs(source, lower_words):
            counts[name] += weight
    kept = {n: c for n, c in counts.items() if c >= 2 or " " in n}  # a name of two words stands alone
    ranked = sorted(kept, key=lambda n: (-kept[n] * len(n.split()), n))
    chosen: list[str] = []
    for name in ranked:
        if not any(f" {name} " in f" {other} " or f" {other} " in f" {name} " for other in chosen):
            chosen.append(name)
    return chosen[:limit]


def _capitalised_runs(text: str, lower_words: set[str]) -> list[str]:
    def is_name_word(token: str) -> bool:
        if token in _NOT_NAMES or not token[0].isupper() or token.lower() in STOPWORDS:
            return False
        if token.isupper() and len(token) >= 2:
            return True  # an acronym
        return token.lower() not in lower_words or any(c.isupper() for c in token[1:])

    names: list[str] = []
    run: list[str] = []
    for token in [*_EN_TOKEN.findall(text), "."]:
        # A run starts at a word only names use; inside one, any capitalised word belongs (Horizon Fund).
        inside = run and ((token[0].isupper() and token not in _NOT_NAMES) or token.lower() in _CONNECTORS)
        if is_name_word(token) or inside:
            run.append(token)
            continue
        while run and run[-1].lower() in _CONNECTORS:
            run.pop()
        if run:
            names.append(" ".join(run))
        run = []
    return names
