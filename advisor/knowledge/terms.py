"""What a question asks: its key terms, the kind of answer it wants (who, how much, when, which) and
the thing that answer is about (盐 in "每天吃多少盐", "salt" in "how much salt").

Plain rules over jieba words and English words, the same for every knowledge base: the sentence ranking,
the claim check and the answerability check all read a question through this one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from advisor.knowledge.text import STOPWORDS, detect_language, normalise_text

# Words that frame a question rather than name its topic.
_FRAME_ZH = frozenset(
    re.findall(
        r"\S+",
        "必须 必需 务必 多少 几 几个 什么 怎么 怎样 如何 哪 哪些 哪个 哪家 哪种 哪里 谁 是否 能否 可以 可 要 需要 应该 应当 合适 算 才 够 一般 通常 请问 有没有 没有 会 能 多久 "
        "多长 多大 多高 多重 多快 为什么 时候 何时 哪年 哪一年 一下 知道 告诉 最好 大概 左右 还是 有 没 一 下 上 个 些 到底 究竟 呀 嘛 得 着 过 来 去 说 让 又 再 "
        "还 很 太 最 更 比 多 少 算是 属于 就是 是不是 不 吗 呢 吧 啊 了 的 地 是 在 和 与 及 或 也 都 就 而 对 把 被 给 我 你 他 她 它 我们 你们 他们 自己 "
        "这 那 这个 那个 这些 那些 怎么办 干嘛 啥 ",
    )
)
_FRAME_EN = frozenset(
    re.findall(
        r"\S+",
        "much many long often old soon far big there any some need needs get gets got should must may "
        "might will shall have has had about into out up down over under more most less least tell know "
        "please me us them their its his her our if than then so just also only really actually usually "
        "typically generally whom whose s t don doesn isn aren ",
    )
)
# Measure words and units: "几个小时", "多少分钟", "how many hours" ask a quantity of something else.
_UNIT_WORDS = frozenset(
    re.findall(
        r"\S+",
        "个 小时 个小时 分钟 秒 天 日 周 星期 月 个月 年 岁 次 倍 元 块 钱 块钱 万 千 百 克 公斤 千克 斤 毫克 毫升 升 米 公里 分 点 种 份 家 条 项 人 位 张 "
        "件 % 百分比 比例 hours hour minutes minute seconds days day weeks week months month years year times "
        "percent dollars dollar yuan grams gram kg mg ml points point people ",
    )
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLAUSE_MARKS = frozenset(",.!?;:()。、")
_EN_OR_MARK = re.compile(r"[a-z0-9]+(?:'(?!s\b)[a-z]+)?|[,!?;:()。、]|\.(?!\d)")


@dataclass(frozen=True)
class Asked:
    """What a question asks for."""

    slot: str  # "who", "when", "quantity", "which" or "other"
    heads: tuple[str, ...]  # the thing the answer is about: 盐, "chair", 董事长 (may be empty)
    terms: tuple[str, ...]  # every key term of the question, in order
    language: str


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def words(text: str) -> list[str]:
    """The question's words in order: jieba words for Chinese, lower-cased words for the rest."""
    text = normalise_text(text).lower()
    out: list[str] = []
    for part in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text):
        if _CJK.search(part):
            out.extend(w for w in _jieba().lcut(part) if w.strip())
        else:
            # Clause marks stay, as "|": a question word's neighbours are in its own clause.
            out.extend("|" if m.group(0) in _CLAUSE_MARKS else m.group(0) for m in _EN_OR_MARK.finditer(part))
    return out


def is_key(word: str) -> bool:
    if word == "|" or word in STOPWORDS or word in _FRAME_ZH or word in _FRAME_EN:
        return False
    return bool(_CJK.search(word)) or (len(word) > 1 and not word.isdigit()) or word.isdigit()


def stem(word: str) -> str:
    """A light English stem ("chairs" -> "chair", "studies" -> "stud"); Chinese words are unchanged."""
    if _CJK.search(word) or len(word) <= 4:
        return word
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def key_terms(text: str) -> list[str]:
    """The words that name the question's topic, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in words(text):
        if is_key(word):
            seen.setdefault(word, None)
    return list(seen)


def mentions(text: str, term: str) -> bool:
    """Whether `text` (any case, any width) mentions `term`: as a substring for Chinese (盐 in 食盐), as a
    word with any ending for English (chair in chairman, chairs)."""
    text = normalise_text(text).lower()
    if _CJK.search(term):
        return term in text
    return re.search(r"(?<![a-z0-9])" + re.escape(stem(term)), text) is not None


_WHO = re.compile(r"谁|哪位|哪个人|什么人|叫什么名字|\bwho(?:m|se)?\b", re.IGNORECASE)
_WHEN = re.compile(
    r"什么时候|何时|哪年|哪一年|哪天|哪一天|几月|几号|几点|哪个月|\bwhen\b|\bwhat (?:year|date|day|month|time)\b",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"多少|几|多久|多长|多大|多高|多重|多快|多远|比例|百分之|\bhow (?:much|many|long|often|old|far|big|soon)\b"
    r"|\bwhat (?:percentage|percent|rate|age|amount|share|score|fee|price|cost)\b",
    re.IGNORECASE,
)
_WHICH = re.compile(r"哪|什么|\bwhich\b|\bwhat\b|\bwhere\b", re.IGNORECASE)
_ASKING = re.compile(
    r"^(?:谁|哪位|什么人|多少|几|多久|多长|多大|多高|多重|多快|多远|哪|什么|何时|比例|百分之|who|whom|whose|when|which|what|where|how)$"
)


def asked(question: str) -> Asked:
    """The slot a question asks to fill and the key words next to its question word."""
    language = detect_language(question)
    slot = "other"
    for name, pattern in (("who", _WHO), ("when", _WHEN), ("quantity", _QUANTITY), ("which", _WHICH)):
        if pattern.search(question):
            slot = name
            break
    sequence = words(question)
    terms = tuple(key_terms(question))
    return Asked(slot, _heads(sequence) if slot != "other" else (), terms, language)


def _heads(sequence: list[str]) -> tuple[str, ...]:
    """The key words next to the question word: after it in "多少盐" and "how much salt" (past measure
    words), before it in "董事长是谁" and "睡几个小时"."""
    position = next((i for i, w in enumerate(sequence) if _ASKING.match(w) or _asks(w)), None)
    if position is None:
        return ()
    if sequence[position] == "how" and sequence[position + 1 : position + 2] in (["much"], ["many"]):
        position += 1
    english = not any(_CJK.search(w) for w in sequence)
    after: list[str] = []
    for word in sequence[position + 1 : position + 6]:
        if word == "|":
            break
        if word in _UNIT_WORDS or word in ("of", "的"):
            continue
        if is_key(word):
            after.append(word)
            if len(after) == 2 or not english:
                break
        elif after or not english:
            break  # Chinese: only the word right after (多少盐); English may skip "is the"
    clause = sequence[:position]
    if "|" in clause:
        clause = clause[len(clause) - clause[::-1].index("|") :]
    before = [w for w in clause if is_key(w) and w not in _UNIT_WORDS]
    nearest = before[-1:]
    if nearest and len(nearest[0]) == 1 and len(before) > 1:
        nearest = before[-2:]  # 雅思要考多少分: 考 alone says little
    return tuple(_bare(h) for h in after or nearest)


def _bare(word: str) -> str:
    """A Chinese head without the modal jieba left on it: 要备 -> 备, 能拿 -> 拿."""
    if len(word) > 1 and word[0] in "要能会可该应得想" and _CJK.search(word):
        return word[1:]
    return word


def _asks(word: str) -> bool:
    return word.startswith(("多少", "几", "哪")) or word in ("是谁", "谁是", "什么时候", "何时")
