"""English text as it is read aloud: money, percentages, dates, times, phone numbers, units, acronyms."""

from __future__ import annotations

import re
from collections.abc import Callable

from advisor.tts.normalize.markup import _tidy
from advisor.tts.normalize.numbers import en_digits, en_integer, en_number, en_ordinal, en_year
from advisor.tts.normalize.patterns import (
    _DATE_YMD,
    _DIAL_CONTEXT,
    _FRACTION,
    _MONTH_RE,
    _MONTHS,
    _MULTI_SLASH,
    _NA,
    _NEGATIVE,
    _PERCENT,
    _PERCENT_RANGE,
    _PHONE,
    _PLAN,
    _RANGE,
    _TIME,
    HAN,
    NUM,
    _phone_groups,
    _sub,
)

_EN_UNITS: list[tuple[str, str, str]] = [
    (r"mmol/L", "millimole per liter", "millimoles per liter"),
    (r"mg/dL", "milligram per deciliter", "milligrams per deciliter"),
    (r"mmHg", "millimeter of mercury", "millimeters of mercury"),
    (r"kcal", "kilocalorie", "kilocalories"),
    (r"kWh", "kilowatt hour", "kilowatt hours"),
    (r"km/h|kph", "kilometer per hour", "kilometers per hour"),
    (r"mph", "mile per hour", "miles per hour"),
    (r"km", "kilometer", "kilometers"),
    (r"kg", "kilogram", "kilograms"),
    (r"mg", "milligram", "milligrams"),
    (r"[μµu]g|mcg", "microgram", "micrograms"),
    (r"ml|mL", "milliliter", "milliliters"),
    (r"cm", "centimeter", "centimeters"),
    (r"mm", "millimeter", "millimeters"),
    (r"g", "gram", "grams"),
    (r"lbs?", "pound", "pounds"),
    (r"oz", "ounce", "ounces"),
    (r"ft", "foot", "feet"),
    (r"m²|m2|sq ?m", "square meter", "square meters"),
    (r"m", "meter", "meters"),
    (r"L", "liter", "liters"),
    (r"°C|℃", "degree Celsius", "degrees Celsius"),
    (r"°F|℉", "degree Fahrenheit", "degrees Fahrenheit"),
    (r"°", "degree", "degrees"),
    (r"hrs?|h", "hour", "hours"),
    (r"mins?", "minute", "minutes"),
    (r"secs?|s", "second", "seconds"),
    (r"yrs?", "year", "years"),
    (r"GB", "gigabyte", "gigabytes"),
    (r"MB", "megabyte", "megabytes"),
]
_EN_UNIT_RE = re.compile(
    r"(?<![\w.])("
    + NUM
    + r")(?:\s?("
    + "|".join(u for u, _, _ in _EN_UNITS[:-2])
    + r")|\s(GB|MB))(?![A-Za-z0-9])"
)
_EN_UNIT_NAMES = [(re.compile(f"^(?:{u})$"), one, many) for u, one, many in _EN_UNITS]
_EN_CURRENCY = [
    (r"US\$|USD\s?|\$", "dollar", "dollars", "cent", "cents"),
    (r"HK\$|HKD\s?", "Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    (r"¥|RMB\s?|CNY\s?", "yuan", "yuan", "fen", "fen"),
    (r"€|EUR\s?", "euro", "euros", "cent", "cents"),
    (r"£|GBP\s?", "pound", "pounds", "penny", "pence"),
]
_EN_SCALE_WORDS = {
    "k": "thousand",
    "K": "thousand",
    "m": "million",
    "M": "million",
    "bn": "billion",
    "B": "billion",
}
_EN_ABBREVIATIONS = [
    (r"\be\.g\.", "for example"),
    (r"\bi\.e\.", "that is"),
    (r"\betc\.", "et cetera."),
    (r"\bvs\.?(?=\s)", "versus"),
    (r"\bapprox\.", "approximately"),
    (r"\bDr\.(?=\s)", "Doctor"),
    (r"\bMr\.(?=\s)", "Mister"),
    (r"\bMrs\.(?=\s)", "Missus"),
    (r"\bNo\.\s?(?=\d)", "number "),
    (r"#(?=\d)", "number "),
    (r"\bp\.a\.", "per year"),
]
_EN_SYMBOLS = [
    ("≥", " greater than or equal to "),
    ("≤", " less than or equal to "),
    ("≈", " about "),
    ("±", " plus or minus "),
    ("×", " times "),
    ("÷", " divided by "),
    ("→", " to "),
    ("&", " and "),
    ("+", " plus "),
    ("=", " equals "),
    (">", " more than "),
    ("<", " less than "),
    ("~", " about "),
    ("@", " at "),
    ("#", ""),
    ("*", ""),
    ("_", " "),
    ("^", ""),
]
# Acronyms said as words; any other run of 2-5 capitals is spelled letter by letter ("A.P.R."), which the
# English voice otherwise tends to read as a word ("APR" as "app", "CEFR" as "suffer").
_WORD_ACRONYMS = {
    "PISA",
    "MOOC",
    "NATO",
    "NASA",
    "FICO",
    "COVID",
    "UNESCO",
    "OPEC",
    "SARS",
    "GAAP",
    "ASEAN",
    "AIDS",
    "OSHA",
    "FEMA",
    "HIPAA",
    "NAFTA",
    "UNICEF",
    "LASIK",
    "SWIFT",
    "ISA",
    "STEM",
    "FAFSA",
    "SAT",
    "ACT",
    "GAP",
    "OK",
    "IRA",
    "TOEFL",
    "IELTS",
    "GRE",
    "GMAT",
    "ETF",
    "LED",
    "PIN",
    "RAM",
    "ROM",
    "SIM",
    "CAT",
}
_ACRONYM = re.compile(r"(?<![A-Za-z.\-])([A-Z]{2,5})s?(?![A-Za-z.\-]|\.[A-Za-z])")


def _spell_acronym(match: re.Match[str]) -> str:
    word = match.group(1)
    if word in _WORD_ACRONYMS or word in {"I", "A"}:
        return match.group()
    return ".".join(word) + "." + match.group()[len(word) :]


_EN_BARE_UNITS = [
    (r"mmHg", "millimeters of mercury"),
    (r"mmol/L", "millimoles per liter"),
    (r"mg/dL", "milligrams per deciliter"),
    (r"kcal", "kilocalories"),
]
_EN_PER = re.compile(r"(?<=[A-Za-z])\s?/\s?(?=(?:day|week|month|year|hour|person|kg|serving|night)\b)")
_FRACTION_NAMES = {(1, 2): "one half", (1, 4): "one quarter", (3, 4): "three quarters"}


def _en_unit_name(unit: str, number: str) -> str:
    for pattern, one, many in _EN_UNIT_NAMES:
        if pattern.match(unit):
            return one if number in {"1", "1.0"} else many
    return unit


def _en_money(amount: str, scale: str, words: tuple[str, str, str, str]) -> str:
    one, many, small_one, small_many = words
    amount = amount.replace(",", "")
    negative = amount.startswith("-")
    amount = amount.lstrip("+-")
    prefix = "minus " if negative else ""
    if scale:
        return f"{prefix}{en_number(amount)} {_EN_SCALE_WORDS.get(scale, scale)} {many}"
    whole, _, cents = amount.partition(".")
    if cents and len(cents) == 2:
        value, small = int(whole or "0"), int(cents)
        main = f"{en_integer(value)} {one if value == 1 else many}" if value else ""
        tail = f"{en_integer(small)} {small_one if small == 1 else small_many}" if small else ""
        return prefix + (" and ".join(p for p in (main, tail) if p) or f"zero {many}")
    return f"{prefix}{en_number(amount)} {one if amount in {'1', '1.0'} else many}"


def _en_money_sub(words: tuple[str, ...]) -> Callable[[re.Match[str]], str]:
    one, many, small_one, small_many = words
    return lambda m: _en_money(
        m.group(1) + m.group(2), m.group(3) or m.group(4) or "", (one, many, small_one, small_many)
    )


def _en_fraction(numerator: int, denominator: int) -> str:
    if (numerator, denominator) in _FRACTION_NAMES:
        return _FRACTION_NAMES[(numerator, denominator)]
    if 2 < denominator <= 20 and 0 < numerator < denominator:
        name = en_ordinal(denominator)
        return f"{en_integer(numerator)} {name}{'s' if numerator > 1 else ''}"
    return f"{en_integer(numerator)} over {en_integer(denominator)}"


def _en_date(year: str, month: str, day: str) -> str:
    return f"{_MONTHS[int(month) - 1]} {en_ordinal(int(day))}, {en_year(int(year))}"


def _en_cardinal_or_year(match: re.Match[str]) -> str:
    token = match.group()
    if re.fullmatch(r"(1[1-9]|20)\d\d", token):
        return en_year(int(token))
    return en_number(token)


def normalize_en(text: str) -> str:
    text = text.replace("’", "'")
    for pattern, words in _EN_ABBREVIATIONS:
        text = re.sub(pattern, words, text)
    text = _PLAN.sub(lambda m: f"{en_digits(m.group(1)).replace('zero', 'oh')} {m.group(2).upper()}", text)
    text = _sub(_PHONE, text, lambda m: ", ".join(en_digits(g) for g in _phone_groups(m.group())))
    text = _sub(_DIAL_CONTEXT, text, lambda m: m.group(1) + m.group(2) + en_digits(m.group(3)))
    text = _sub(_DATE_YMD, text, lambda m: _en_date(m.group(1), m.group(3), m.group(4)))
    text = re.sub(
        _MONTH_RE + r"\s(\d{1,2})(?:st|nd|rd|th)?(?:,\s*(\d{4}))?" + _NA,
        lambda m: (
            _month_name(m.group(1))
            + " "
            + en_ordinal(int(m.group(2)))
            + (f", {en_year(int(m.group(3)))}" if m.group(3) else "")
        ),
        text,
    )
    text = re.sub(
        r"(?<![\d.])(\d{1,2})(?:st|nd|rd|th)?\s" + _MONTH_RE + r"(?:,?\s(\d{4}))?" + _NA,
        lambda m: (
            f"the {en_ordinal(int(m.group(1)))} of {_month_name(m.group(2))}"
            + (f", {en_year(int(m.group(3)))}" if m.group(3) else "")
        ),
        text,
    )
    text = _sub(_TIME, text, _en_time)
    text = re.sub(
        r"\b([ap])\.?m\.?(?=[\s,.;!?]|$)", lambda m: f"{m.group(1).upper()} M", text, flags=re.IGNORECASE
    )
    for symbol, *names in _EN_CURRENCY:
        scale = r"(?:\s?(k|K|bn|B|M|m)\b|\s(thousand|million|billion|trillion)\b)?"
        text = re.sub(
            r"([+-]?)(?:" + symbol + r")\s?(" + NUM + r")" + scale, _en_money_sub(tuple(names)), text
        )
    text = _sub(
        _PERCENT_RANGE,
        text,
        lambda m: (
            f"{en_number(m.group(1))} to {en_number(m.group(2))} "
            + ("percent" if m.group(3) == "%" else "per mille")
        ),
    )
    text = _sub(
        _PERCENT,
        text,
        lambda m: f"{en_number(m.group(1))} " + ("percent" if m.group(2) == "%" else "per mille"),
    )
    text = re.sub(
        r"(\d{2,3})\s*/\s*(\d{2,3})\s*mmHg",
        lambda m: f"{en_number(m.group(1))} over {en_number(m.group(2))} millimeters of mercury",
        text,
    )
    text = _sub(_RANGE, text, lambda m: f"{m.group(1)} to {m.group(2)}")
    text = _NEGATIVE.sub("minus ", text)
    text = _sub(
        _EN_UNIT_RE,
        text,
        lambda m: f"{en_number(m.group(1))} {_en_unit_name(m.group(2) or m.group(3), m.group(1))}",
    )
    text = re.sub(
        r"(?<![\d.])(\d+)(st|nd|rd|th)\b", lambda m: en_ordinal(int(m.group(1))), text, flags=re.IGNORECASE
    )
    text = _sub(_MULTI_SLASH, text, lambda m: " ".join(en_number(n) for n in m.group(1).split("/")))
    text = _sub(_FRACTION, text, lambda m: _en_fraction(int(m.group(1)), int(m.group(2))))
    text = _EN_PER.sub(" per ", text)
    text = re.sub(r"(?<=[A-Za-z])/(?=[A-Za-z])", " or ", text)
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)  # A1 -> A 1, 2B -> 2 B
    letters = re.findall(r"[A-Za-z]", text)
    if sum(c.isupper() for c in letters) <= max(12, 0.6 * len(letters)):  # not a shouted sentence
        text = _ACRONYM.sub(_spell_acronym, text)
    for unit, words in _EN_BARE_UNITS:
        text = re.sub(rf"(?<![A-Za-z]){unit}(?![A-Za-z])", words, text)
    text = re.sub(r"(?<=\d)\s*[*×]\s*(?=\d)", " times ", text)

    text = re.sub(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?(?![\d" + HAN + r"])", _en_cardinal_or_year, text)
    text = re.sub(r"\d+(?![\d" + HAN + r"])", lambda m: en_digits(m.group()), text)  # whatever is left
    for symbol, words in _EN_SYMBOLS:
        text = text.replace(symbol, words)
    text = re.sub(r"\s+-\s+|\s*[–—]\s*", ", ", text)
    text = re.sub(r" {2,}", " ", text)
    return _tidy(text)


def _month_name(token: str) -> str:
    token = token.rstrip(".").lower()
    return next(m for m in _MONTHS if m.lower().startswith(token[:3]))


def _en_time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute == 0:
        following = match.string[match.end() : match.end() + 4].strip().lower()
        return en_integer(hour) if following[:1] in {"a", "p"} else f"{en_integer(hour)} o'clock"
    if minute < 10:
        return f"{en_integer(hour)} oh {en_integer(minute)}"
    return f"{en_integer(hour)} {en_integer(minute)}"
