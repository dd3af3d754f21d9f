"""Names heard by sound: after recognition, a near-miss spelling of a known name becomes the name.

A hint (advisor/asr/vocabulary.py) only steers Whisper between spellings it already finds likely; for a
name it has never heard it still writes the nearest words it knows: 澜庭 -> 蓝天, 沁蔚 -> 庆蔚, 衡谦 -> 红千,
鑫睿稳盈 -> 新任为营, Lindqvist -> Lindvist. The sounds are right, the spelling is not, so the transcript is
compared with the known names by sound and a close match is rewritten.

- Chinese: toneless pinyin, syllable by syllable. A syllable costs 0 when equal, 0.25 when only the
  confusions every Mandarin speaker makes separate them (l/n, z/zh, c/ch, s/sh, an/ang, en/eng, in/ing),
  0.5 when its initial or its final still agrees, 1 otherwise (and 1 for an extra or a missing syllable).
  A window of the transcript (the name's length, +-1 character) becomes a new name (one jieba cannot
  spell: 澜庭国际学校) when it costs at most 0.2 per syllable of the name (a syllable wholly lost only in
  five or more) and most of the name's syllables, three at least, are heard right: by sound alone,
  新任为营 (for 鑫睿稳盈, half heard) is as close as 蓝筹印花 is to 岚川银行, so neither is taken.
  A two-character new name needs the same pinyin exactly (anything looser is chance). A name
  that is a dictionary word or made of them (the shipped terms: 劳动者, 试用期) is a word Whisper knows,
  so only a homophone of the same length replaces it (劳动着, not 劳动中), and never with two characters
  (但未 is not 单位). A window starts and ends where jieba's words do (a word of the sentence is never
  cut), holds only Chinese characters (never crosses punctuation), and is not itself a dictionary word
  or a known name (使用期 is not a mishearing of 试用期). A name spelled right keeps its place; the longest,
  best matches win and overlapping ones are dropped.
- English: a word of five letters or more whose spelling is within a quarter of a name word's letters
  (Levenshtein over the longer), with the same first letter. Never an ordinary word: one the knowledge
  bases write in lower case, or one Whisper's tokenizer holds whole.

Each name's pinyin is computed once per vocabulary (`corrector` is cached on it); a sentence takes about
a millisecond.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")
_INITIALS = ("zh", "ch", "sh", *"bpmfdtnlgkhjqxrzcsyw")  # y, w: the initials of yi, wu, yu syllables
_NEAR_INITIAL = {"zh": "z", "ch": "c", "sh": "s", "n": "l"}
_NEAR_FINAL = {"ang": "an", "eng": "en", "ing": "in", "iang": "ian", "uang": "uan"}
MAX_COST = 0.2  # per syllable of a new Chinese name: no syllable wholly lost in four
MAX_EDITS = 0.25  # per letter of the longer word, English
MIN_LETTERS = 5

Syllable = tuple[str, str]  # (initial, final), toneless: ("x", "in")


@dataclass(frozen=True)
class Lexicon:
    """What a transcript is corrected towards: the known names of one language."""

    language: str
    names: tuple[str, ...]
    plain_words: frozenset[str] = frozenset()  # English words the knowledge bases write in lower case


def _split(syllable: str) -> Syllable:
    initial = next((i for i in _INITIALS if syllable.startswith(i) and len(syllable) > len(i)), "")
    return initial, syllable[len(initial) :]


def syllables(text: str) -> list[Syllable]:
    """One toneless (initial, final) per character; a character without a reading keeps itself."""
    from pypinyin import lazy_pinyin

    readings = lazy_pinyin(text)
    if len(readings) != len(text):  # characters without a reading came back joined: one at a time
        readings = [lazy_pinyin(c)[0] for c in text]
    return [_split(r) for r in readings]


def _near(s: Syllable) -> Syllable:
    return _NEAR_INITIAL.get(s[0], s[0]), _NEAR_FINAL.get(s[1], s[1])


def syllable_cost(a: Syllable, b: Syllable) -> float:
    if a == b:
        return 0.0
    (ai, af), (bi, bf) = _near(a), _near(b)
    if ai == bi and af == bf:
        return 0.25
    return 0.5 if ai == bi or af == bf else 1.0


def align(heard: list[Syllable], name: list[Syllable]) -> tuple[float, list[bool]]:
    """Weighted edit distance between two syllable sequences, and for each of the name's syllables
    whether it was heard right (near-initials and -finals allowed)."""
    table = [[float(j) for j in range(len(name) + 1)]]
    for i, h in enumerate(heard, 1):
        row = [float(i)]
        for j, n in enumerate(name, 1):
            row.append(min(table[i - 1][j] + 1, row[j - 1] + 1, table[i - 1][j - 1] + syllable_cost(h, n)))
        table.append(row)
    right = [False] * len(name)
    i, j = len(heard), len(name)
    while i and j:
        cost = syllable_cost(heard[i - 1], name[j - 1])
        if table[i][j] == table[i - 1][j - 1] + cost:
            right[j - 1] = cost <= 0.25
            i, j = i - 1, j - 1
        elif table[i][j] == table[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return table[-1][-1], right


def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba


class ChineseCorrector:
    def __init__(self, names: Iterable[str]) -> None:
        from advisor.asr.names import _looks_new

        kept = [n for n in dict.fromkeys(names) if 2 <= len(n) <= 10 and _CJK_RUN.fullmatch(n)]
        # Names jieba cannot spell (new words) are matched loosely; dictionary words only by homophone.
        new = {n: _looks_new(n) for n in kept}
        self.names = {n: syllables(n) for n in kept if new[n] or len(n) >= 3}
        self.new = {n: new[n] for n in self.names}
        self.near = {n: {_near(s) for s in sy} for n, sy in self.names.items()}

    def __call__(self, text: str) -> str:
        if not self.names:
            return text
        return _CJK_RUN.sub(lambda m: self._run(m.group(0)), text)

    def _cost(self, name: str, heard: list[Syllable]) -> float | None:
        """What `heard` costs as `name`, or None when it is too far to be a mishearing of it."""
        size, sounds = len(name), self.names[name]
        if not self.new[name]:  # a dictionary word: the same syllables, near-initials and -finals at most
            costs = [syllable_cost(h, n) for h, n in zip(heard, sounds, strict=True)]
            return sum(costs) if max(costs) <= 0.25 else None
        if size == 2:
            return 0.0 if heard == sounds else None
        cost, right = align(heard, sounds)
        heard_right = sum(right)
        recognisable = heard_right >= 3 and 2 * heard_right > size  # three of its syllables, and most
        return cost if recognisable and cost <= MAX_COST * size else None

    def _run(self, run: str) -> str:
        jieba = _jieba()
        heard = syllables(run)
        near_heard = {_near(s) for s in heard}
        edges, at = {0}, 0
        for word in jieba.cut(run, HMM=False):  # type: ignore[attr-defined]
            at += len(word)
            edges.add(at)
        words = jieba.dt.FREQ  # type: ignore[attr-defined]
        found: list[tuple[float, float, int, int, str]] = []  # (-score, cost, start, end, name)
        for name in self.names:
            size = len(name)
            start = run.find(name)
            while start >= 0:  # spelled right: it holds its place, wherever the words fall
                found.append((-size, 0.0, start, start + size, name))
                start = run.find(name, start + 1)
            if 2 * sum(s in near_heard for s in self.near[name]) < len(self.near[name]):
                continue  # fewer than half its syllables are anywhere in the run
            lengths = (size - 1, size, size + 1) if self.new[name] and size > 2 else (size,)
            for length in lengths:
                for start in sorted(edges):
                    end = start + length
                    window = run[start:end]
                    if end not in edges or end > len(run) or window == name:
                        continue
                    if window in self.names or words.get(window, 0) > 0:
                        continue  # a correct spelling of another word
                    cost = self._cost(name, heard[start:end])
                    if cost is not None:
                        found.append((cost - size, cost, start, end, name))
        taken: list[tuple[int, int, str]] = []
        for _, _, start, end, name in sorted(found):
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, name))
        for start, end, name in sorted(taken, reverse=True):
            run = run[:start] + name + run[end:]
        return run


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two sequences (letters here; words or characters in the benchmarks)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


class EnglishCorrector:
    def __init__(self, names: Iterable[str], plain: frozenset[str], whole: Callable[[str], bool]) -> None:
        self.plain, self.whole = plain, whole
        self.spelling = {
            w.lower(): w
            for name in names
            for w in _EN_WORD.findall(name)
            if len(w) >= MIN_LETTERS and w.lower() not in plain and not whole(w.lower())
        }  # the name's own words: Lindqvist, not Shield (Whisper spells an ordinary word already)

    def __call__(self, text: str) -> str:
        return _EN_WORD.sub(lambda m: self._word(m.group(0)), text) if self.spelling else text

    def _word(self, word: str) -> str:
        low = word.lower()
        if len(low) < MIN_LETTERS or low in self.spelling or low in self.plain or self.whole(low):
            return word
        scored = [
            (edit_distance(low, target) / max(len(low), len(target)), target)
            for target in self.spelling
            if target[0] == low[0] and abs(len(target) - len(low)) <= MAX_EDITS * len(target)
        ]
        best = min(scored, default=None)
        return self.spelling[best[1]] if best and best[0] <= MAX_EDITS else word


@lru_cache(maxsize=8)
def corrector(lexicon: Lexicon) -> Callable[[str], str]:
    """The correction for `lexicon`, its names' sounds computed once."""
    if lexicon.language == "zh":
        return ChineseCorrector(lexicon.names)
    if lexicon.language == "en":
        return EnglishCorrector(lexicon.names, lexicon.plain_words, _whole_word())
    return lambda text: text


def _whole_word() -> Callable[[str], bool]:
    """Whisper's tokenizer holds the word whole: an ordinary word (" academic"), not a name (" lindvist")."""
    from advisor.asr.vocabulary import estimate_tokens, token_counter

    count = token_counter()
    if count is estimate_tokens:  # no tokenizer: only the knowledge bases' own words say what is plain
        return lambda word: False
    return lambda word: count(word) == 1
