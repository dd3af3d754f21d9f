"""The checkable facts of a text: numbers with their units, money, percentages, dates, phone numbers,
Latin proper nouns and acronyms, Chinese titles in 《》.

Not facts: citation markers ([1], 【2】), list markers at the start of a line ("1.", "2、", "(3)"), and numbers
written in Chinese numerals in an answer. The patterns and the normalisation (NFKC, thousands separators,
万/亿/million scaled) are shared with the guard, which looks for each fact in the sources.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from advisor import citations
from advisor.numerals import chinese_number

_Date = tuple[int | None, int | None, int | None]
_Key = Decimal | _Date | str


@dataclass(frozen=True)
class _Fact:
    start: int
    text: str  # as it reads in the answer, e.g. "5克", "¥10,000", "2026年3月1日", "FDIC", "《民法典》"
    kind: str  # "number", "date", "phone", "name", "acronym" or "title"
    key: _Key  # what is compared with the sources


# ---------------------------------------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------------------------------------
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*•][ \t]*)?(?:\d{1,2}[.)、](?!\d)|[(（]\d{1,2}[)）])", re.MULTILINE)
_TITLE = re.compile(r"《([^《》\n]{1,80})》")

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_DATES = [
    re.compile(
        r"(?<![\d.])(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?![\d.]\d)"
    ),  # 2026-03-01
    re.compile(
        r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?"
    ),  # 2026年3月1日
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),  # 3月1日
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"\b(?:,?\s+(?P<y>\d{4})\b)?"),  # March 1, 2026
    re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<y>\d{4})\b)?"),  # 1 March 2026
    re.compile(r"\b" + _MONTH + r",?\s+(?P<y>\d{4})\b"),  # March 2026
]
_PHONE = re.compile(
    r"(?<![\d\-])(?:\+\d{1,3}[\s-]?)?"
    r"(?:\d{3,4}-\d{3,4}-\d{4}|0\d{2,3}-\d{7,8}|[48]00-?\d{3}-?\d{4}|1-\d{3}-\d{3}-\d{4}|\(\d{3}\)\s?\d{3}-\d{4})"
    r"(?![\d\-]\d)"
)

# Multipliers after a number: 50万, 1.5亿, $2 million, 25k.
_MULTIPLIERS = {
    "万亿": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "亿": Decimal(10) ** 8,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}
_MULT = r"(?:万亿|千亿|百亿|亿|千万|百万|万|千(?![克米卡瓦帕焦])|\s?(?:thousand|million|billion|trillion)\b|(?:k|bn|mn)(?![A-Za-z]))"
# Units kept with the number in the report ("5克", "3 months"); they do not take part in the comparison.
_UNITS_ZH = (
    "元|块钱|块|角|美元|欧元|英镑|日元|港元|港币|人民币|岁|周岁|年|个月|月|周|星期|天|日|小时|分钟|秒|次|倍|个|人|"
    "家|项|条|款|种|级|档|片|粒|颗|杯|克|千克|公斤|斤|毫克|微克|毫升|升|米|厘米|毫米|公里|千米|平方米|平米|度|"
    "千卡|大卡|卡|分|点|份|台|件|张|位|所|门|届|期|号|毫摩尔/升|毫米汞柱"
)
_UNITS_EN = (
    "percent|per cent|dollars?|usd|rmb|cny|yuan|euros?|pounds?|years?|yrs?|months?|weeks?|days?|hours?|hrs?|"
    "minutes?|mins?|seconds?|times|people|kg|g|mg|mcg|μg|ml|mL|l|L|km|m|cm|mm|mmHg|mmol/L|kcal|cal|IU|lbs?|oz|"
    "points?|bps|basis points"
)
_NUMBER = re.compile(
    r"(?:(?P<cur>(?:US|HK|NZ|A|C|S)?[$¥€£]|(?:RMB|CNY|USD|HKD|EUR|GBP)\s?)|(?<![A-Za-z0-9.]))(?P<pct>百分之)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<mult>" + _MULT + r")?"
    r"(?P<unit>\s?%|\s?‰|\s?(?:"
    + _UNITS_ZH
    + r")|\s(?:"
    + _UNITS_EN
    + r")(?![A-Za-z])|(?:"
    + _UNITS_EN
    + r")(?![A-Za-z]))?"
)
# In a source, any run of digits counts, even inside a word or a code (COVID-19, 401(k), H1N1).
_SOURCE_NUMBER = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s?(?P<mult>" + _MULT + r")?")

# Latin names: capitalised words and acronyms.
_ACRONYM = re.compile(r"(?<![A-Za-z0-9&])(?P<w>[A-Z][A-Z0-9&]*[A-Z0-9])(?:s|'s)?(?![A-Za-z0-9&])")
_CAPITALISED = re.compile(
    r"(?<![A-Za-z0-9'\-])(?P<w>[A-Z][a-z]+(?:[A-Z][a-z]+|['\-][A-Za-z]+)*)(?![A-Za-z0-9])"
)
_POSSESSIVE = re.compile(r"'s?$")
_SENTENCE_END = re.compile(r"(?:[.!?。！？:：;；…]|\n)\s*$")
_LEADING_MARKUP = re.compile(r"[\s\"'“”‘’(\[（【*_#>`~\-•]+$")
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|vs|No|Vol|Gen|Rep|Sen|Inc|Co|Ltd|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.\s*$"
)
# Capitalised words that are not names wherever they stand.
_STOPWORDS = {
    *re.findall(
        r"\S+",
        "i i'm i've i'll i'd the a an if you your we it this that these those and or but for in on at to of by with as is are be note tip tips step source sources summary answer"
        " question example however also yes no ok okay please dr mr mrs ms prof english chinese mandarin monday tuesday wednesday thursday friday saturday sunday",
    ),
    *_MONTHS,
}
# All-caps words that are emphasis or everyday abbreviations, not names.
_ACRONYM_STOPWORDS = {
    *("OK", "AM", "PM", "FAQ", "ID", "TV", "USB", "PDF", "QA", "Q&A", "NOT", "NO", "NOTE", "DO", "DON'T"),
    *("IMPORTANT", "WARNING", "TIP", "TIPS", "AND", "OR", "YES", "ALL", "ANY", "NEVER", "ALWAYS", "ONLY"),
}


# ---------------------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------------------
_FULLWIDTH_COMMA = re.compile(r"(?<![０-９])，|，(?![０-９]{3}(?![0-9０-９]))")


def _normalize(text: str) -> str:
    # A full-width comma is a thousands separator between full-width digits (１０，０００); elsewhere it is
    # Chinese punctuation, and "100，200" stays two numbers after NFKC.
    text = _FULLWIDTH_COMMA.sub(", ", text)
    text = unicodedata.normalize("NFKC", text)
    return text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ")


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _decimal(digits: str) -> Decimal | None:
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None


def _scale(mult: str | None) -> Decimal:
    if not mult:
        return Decimal(1)
    return _MULTIPLIERS.get(mult.strip().lower(), Decimal(1))


_ZH_NUMERAL = re.compile(
    r"百分之(?P<n2>[零〇一二两三四五六七八九十百千]+)"
    r"|(?P<n>[零〇一二两三四五六七八九十百千]+(?:[万亿][零〇一二两三四五六七八九十百千]*)*)"
    r"(?=(?:[万亿])?(?:" + _UNITS_ZH + r"|%))"
)


_EN_NUMBER_WORDS = dict(
    zip(
        re.findall(
            r"\w+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen twenty",
        ),
        range(21),
        strict=True,
    )
) | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
_EN_NUMBER_WORD = re.compile(r"\b(" + "|".join(_EN_NUMBER_WORDS) + r")\b", re.IGNORECASE)


def _zh_numeral(text: str) -> Decimal | None:
    """一百二十 -> 120, 三万五千 -> 35000, 两 -> 2. None for anything it does not understand."""
    value = chinese_number(text)
    return None if value is None else Decimal(value)


# ---------------------------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------------------------
def _claim(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    if any(start < e and s < end for s, e in taken):
        return False
    taken.append((start, end))
    return True


def _date_key(match: re.Match[str]) -> _Date | None:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if groups.get("mon"):
        month: int | None = _MONTHS[groups["mon"].lower().rstrip(".")]
    else:
        month = int(groups["m"]) if groups.get("m") else None
    day = int(groups["d"]) if groups.get("d") else None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    return (year, month, day)


def _is_sentence_start(text: str, start: int) -> bool:
    window = max(0, start - 200)
    before = text[window:start]
    markup = _LEADING_MARKUP.search(before)
    stripped = before[: markup.start()] if markup else before
    if "\n" in (markup.group(0) if markup else "") or (not stripped.strip() and window == 0):
        return True
    if _ABBREVIATIONS.search(stripped):
        return False
    return bool(_SENTENCE_END.search(stripped))


def _facts(text: str) -> Iterator[_Fact]:
    text = _normalize(text)
    text = _blank(text, citations.ANY_MARKER)
    text = _blank(text, _LIST_MARKER)
    taken: list[tuple[int, int]] = []
    found: list[_Fact] = []

    for m in _TITLE.finditer(text):
        if _claim(taken, m.start(), m.end()):
            found.append(_Fact(m.start(), m.group(0), "title", re.sub(r"\s+", "", m.group(1))))
    for pattern in _DATES:
        for m in pattern.finditer(text):
            key = _date_key(m)
            if key is not None and _claim(taken, m.start(), m.end()):
                found.append(_Fact(m.start(), m.group(0).strip(), "date", key))
    for m in _PHONE.finditer(text):
        if _claim(taken, m.start(), m.end()):
            found.append(_Fact(m.start(), m.group(0), "phone", re.sub(r"\D", "", m.group(0))))
    for m in _NUMBER.finditer(text):
        value = _decimal(m.group("num"))
        if value is None:
            continue
        start = m.start("cur") if m.group("cur") else m.start("pct") if m.group("pct") else m.start("num")
        mult = m.group("mult")
        if mult and mult.strip().lower() == "k" and not m.group("cur"):
            mult = None  # "401k" is a name, "25k" without a currency is ambiguous: only "$25k" is 25,000
        if _claim(taken, start, m.end()):
            surface = text[start : m.end()].strip()
            found.append(_Fact(start, surface, "number", value * _scale(mult)))
    for m in _ACRONYM.finditer(text):
        word = m.group("w")
        if word in _ACRONYM_STOPWORDS or sum(c.isalpha() for c in word) < 2:
            continue
        if _claim(taken, m.start("w"), m.end("w")):
            found.append(_Fact(m.start("w"), word, "acronym", word))
    for m in _CAPITALISED.finditer(text):
        word = m.group("w")
        if (
            word.lower() in _STOPWORDS
            or _is_sentence_start(text, m.start("w"))
            or _in_heading(text, m.start("w"))
        ):
            continue
        if _claim(taken, m.start("w"), m.end("w")):
            # A possessive names the same thing: "California's" is supported by "California".
            name = _POSSESSIVE.sub("", word)
            found.append(_Fact(m.start("w"), name, "name", name.lower()))

    seen: set[tuple[str, _Key]] = set()
    for fact in sorted(found, key=lambda f: f.start):
        ident = (_kind_group(fact.kind), fact.key)
        if ident not in seen:
            seen.add(ident)
            yield fact


def _kind_group(kind: str) -> str:
    return "name" if kind in ("name", "acronym") else kind


def _in_heading(text: str, start: int) -> bool:
    """A Markdown heading or a bold title line: Title Case there is typography, not a name."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    return line.startswith("#") or (line.startswith("**") and line.rstrip(":：").endswith("**"))


def extract_facts(text: str) -> list[str]:
    """The checkable facts of a text, as they read there, deduplicated, in order of appearance."""
    return [fact.text for fact in _facts(text)]
