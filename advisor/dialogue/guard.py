"""The grounding guard: every figure, date, phone number and name in an answer must be in its sources.

A small model invents numbers. This check is deliberately simple and literal: it pulls the checkable facts
out of the answer (numbers with their units, money, percentages, dates, phone numbers, Latin proper nouns
and acronyms, Chinese titles in 《》) and looks for each in the source texts after normalisation (NFKC,
thousands separators removed, 万/亿/million scaled). A number is supported when the same value appears in
any source, in any language and with any unit; a name when the word appears in any source.

Not facts: citation markers ([1], 【2】), list markers at the start of a line ("1.", "2、", "(3)"), and numbers
written in Chinese numerals in the answer. Numbers written in Chinese numerals in a source (三个月, 百分之五)
do count as support.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from advisor.numerals import chinese_number


@dataclass(frozen=True)
class GuardResult:
    supported: bool
    unsupported: tuple[str, ...]  # the facts from the answer that no source contains


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
_CITATION = re.compile(
    r"\[\s*\d+(?:\s*[,，、\-–]\s*\d+)*\s*\]|【\s*\d+(?:\s*[,，、\-–]\s*\d+)*\s*】|\[\^\d+\]"
)
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
    text = _blank(text, _CITATION)
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
            found.append(_Fact(m.start("w"), word, "name", word.lower()))

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


# ---------------------------------------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Evidence:
    text: str  # all sources, normalised, joined
    compact: str  # the same without spaces, for Chinese titles
    numbers: set[Decimal]
    dates: set[_Date]
    digit_runs: str  # digits with the separators between them removed, for phone numbers
    measured: set[tuple[Decimal, str]] = field(default_factory=set)  # (value, canonical unit) in the sources


# A number with a unit must come with the same unit: "9小时" is not supported by "9克", which a
# value-only check let through. Only units listed here are enforced; others fall back to the value.
_UNIT_WORDS: dict[str, str] = {
    "小时": "hour",
    "个小时": "hour",
    "hours": "hour",
    "hour": "hour",
    "hrs": "hour",
    "h": "hour",
    "分钟": "minute",
    "minutes": "minute",
    "minute": "minute",
    "mins": "minute",
    "min": "minute",
    "天": "day",
    "日": "day",
    "days": "day",
    "day": "day",
    "周": "week",
    "星期": "week",
    "个星期": "week",
    "weeks": "week",
    "week": "week",
    "个月": "month",
    "月": "month",
    "months": "month",
    "month": "month",
    "年": "year",
    "years": "year",
    "year": "year",
    "岁": "age",
    "years old": "age",
    "克": "gram",
    "g": "gram",
    "grams": "gram",
    "gram": "gram",
    "毫克": "mg",
    "mg": "mg",
    "千克": "kg",
    "公斤": "kg",
    "kg": "kg",
    "毫升": "ml",
    "ml": "ml",
    "升": "litre",
    "l": "litre",
    "litres": "litre",
    "liters": "litre",
    "元": "yuan",
    "块": "yuan",
    "yuan": "yuan",
    "rmb": "yuan",
    "分": "point",
    "points": "point",
    "point": "point",
    "次": "times",
    "倍": "times",
    "times": "times",
}
_UNIT_PATTERN = re.compile(
    r"\s?(?P<unit>"
    + "|".join(sorted((re.escape(u) for u in _UNIT_WORDS), key=len, reverse=True))
    + r")(?![A-Za-z])",
    re.IGNORECASE,
)
_RANGE_TAIL = re.compile(r"\s?(?:-|~|～|到|至|to)\s?\d+(?:\.\d+)?\s?(?:" + _MULT + r")?")


def _unit_after(text: str, end: int) -> str:
    """The canonical unit written right after position `end` (also after a range: "7-9小时")."""
    tail = text[end : end + 16]
    range_match = _RANGE_TAIL.match(tail)
    if range_match:
        tail = tail[range_match.end() :]
    match = _UNIT_PATTERN.match(tail)
    return _UNIT_WORDS[match.group("unit").lower()] if match else ""


def _evidence(sources: Sequence[str]) -> _Evidence:
    text = "\n\n".join(_normalize(s) for s in sources)
    numbers: set[Decimal] = set()
    # Thousands separators removed, and also kept (a list "100,200" is two numbers).
    measured: set[tuple[Decimal, str]] = set()
    for variant in (re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text), text.replace(",", " ")):
        for m in _SOURCE_NUMBER.finditer(variant):
            value = _decimal(m.group("num"))
            if value is not None:
                numbers.add(value)
                numbers.add(value * _scale(m.group("mult")))
                unit = _unit_after(variant, m.end())
                if unit:
                    measured.add((value, unit))
                    measured.add((value * _scale(m.group("mult")), unit))
    for m in _ZH_NUMERAL.finditer(text):
        zh = _zh_numeral(m.group("n") or m.group("n2") or "")
        if zh is not None:
            numbers.add(zh)
            end = m.end("n") if m.group("n") else m.end("n2") if m.group("n2") else m.end()
            for position in (end, m.end()):
                unit = _unit_after(text, position)
                if unit:
                    measured.add((zh, unit))
    for m in _EN_NUMBER_WORD.finditer(text):
        word_value = Decimal(_EN_NUMBER_WORDS[m.group(1).lower()])
        numbers.add(word_value)
        unit = _unit_after(text, m.end(1))
        if unit:
            measured.add((word_value, unit))
    dates = {key for pattern in _DATES for m in pattern.finditer(text) if (key := _date_key(m)) is not None}
    digit_runs = re.sub(r"(?<=\d)[\s\-().]+(?=\d)", "", text)
    return _Evidence(text, re.sub(r"\s+", "", text), numbers, dates, digit_runs, measured)


def _supported(fact: _Fact, ev: _Evidence) -> bool:
    key = fact.key
    if isinstance(key, Decimal):
        if key not in ev.numbers:
            return False
        digits = re.search(r"\d[\d,.]*(?:\s?(?:" + _MULT + r"))?", fact.text)
        unit = _unit_after(fact.text, digits.end()) if digits else ""
        return not unit or (key, unit) in ev.measured
    if isinstance(key, tuple):
        year, month, day = key
        return any(
            (month is None or sm == month)
            and (day is None or sd == day)
            and (year is None or sy == year or (sy is None and Decimal(year) in ev.numbers))
            for sy, sm, sd in ev.dates
        )
    if fact.kind == "phone":
        return key in ev.digit_runs
    if fact.kind == "acronym":
        return (
            re.search(r"(?<![A-Za-z0-9])" + re.escape(key) + r"(?:s|'s)?(?![A-Za-z0-9&])", ev.text)
            is not None
        )
    if fact.kind == "name":
        pattern = r"(?<![A-Za-z0-9])" + re.escape(key) + r"(?![A-Za-z0-9])"
        return re.search(pattern, ev.text, re.IGNORECASE) is not None
    short = key.removeprefix("中华人民共和国")  # a title
    return key in ev.compact or (bool(short) and short in ev.compact)


def check_answer(answer: str, sources: Sequence[str]) -> GuardResult:
    """Whether every fact of the answer is in some source; the ones that are not, in order of appearance."""
    facts = list(_facts(answer))
    if not facts:
        return GuardResult(True, ())
    evidence = _evidence(sources)
    unsupported = tuple(fact.text for fact in facts if not _supported(fact, evidence))
    return GuardResult(not unsupported, unsupported)
