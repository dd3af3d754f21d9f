"""Text normalised for speech, in Simplified Chinese and English. Pure functions, no models.

What a voice must not read aloud goes first (markdown symbols, citation markers like [1], URLs,
HTML tags), then numbers are written out the way a person reads them in that language: money,
percentages, dates, times, phone numbers (digit by digit), units, ranges, fractions, ordinals, years.

    normalize("¥10,000，年化2.35%", "zh")  -> "一万元，年化百分之二点三五"
    normalize("$25 on 2026-03-01", "en")    -> "twenty-five dollars on March first, twenty twenty-six"

`speech_segments` splits a mixed sentence into runs of one language each, normalised in that
language, so each run can be spoken by a voice of its language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from advisor.knowledge.text import detect_language as detect_text_language

# ---------------------------------------------------------------------------------------------------------
# Characters and language
# ---------------------------------------------------------------------------------------------------------

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN = re.compile(f"[{HAN}]")
_LATIN = re.compile(r"[A-Za-z]")
_FULLWIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(ord("A") + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(ord("a") + i) for i in range(26)},
        "％": "%",
        "＃": "#",
        "＄": "$",
        "￥": "¥",
        "＋": "+",
        "＝": "=",
        "＜": "<",
        "＞": ">",
        "／": "/",
        "＆": "&",
        "～": "~",
        "－": "-",
        "\u2212": "-",  # minus sign
        "\u00a0": " ",
        "\u3000": " ",
    }
)


def detect_language(text: str) -> str:
    """The voice for a sentence: an English sentence quoting a Chinese term stays with the English voice
    (the term gets its own segment), so Chinese must carry more of it than for a question."""
    return detect_text_language(text, per_word=0.75)


# ---------------------------------------------------------------------------------------------------------
# Markup: what is never read aloud
# ---------------------------------------------------------------------------------------------------------

_CODE_FENCE = re.compile(r"```[^\n]*\n?|~~~[^\n]*\n?")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'，。；！？、）)\]】]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HTML = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_CITATION = re.compile(r"\s*(?:\[\s*\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*\s*\]|【\s*\d{1,3}\s*】|\[\^\d+\])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*+•·]|\d{1,2}[.)、])\s+", re.MULTILINE)
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$", re.MULTILINE)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~)(?=\S)(.+?)(?<=\S)\1")
_INLINE_CODE = re.compile(r"`+([^`]*)`+")


def clean_markup(text: str) -> str:
    """Drop markdown symbols, citation markers, URLs, e-mail addresses and HTML tags; keep the words."""
    text = text.translate(_FULLWIDTH)
    text = _CODE_FENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _EMAIL.sub("", text)
    text = _HTML.sub(" ", text)
    text = _CITATION.sub("", text)
    text = _RULE.sub("", text)
    text = _TABLE_SEP.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub("", text)
    text = _INLINE_CODE.sub(r"\1", text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^[ \t]*\|[ \t]*|[ \t]*\|[ \t]*$", "", text, flags=re.MULTILINE)  # table edges
    text = re.sub(r"[ \t]*\|[ \t]*", "，" if _HAN.search(text) else ", ", text)
    text = re.sub(r"(?<![\w*])[*_]{2,3}(?![\w*])", "", text)  # stray emphasis marks
    text = text.replace("\\", "")
    return _tidy(text)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text)
    text = re.sub(f"(?<=[{HAN}]) (?=[{HAN}])", "", text)
    text = re.sub(r" +([,.;:!?，。；：！？、])", r"\1", text)
    text = re.sub(r"([，。；：！？、])\1+", r"\1", text)
    text = re.sub(r"\(\s*\)|（\s*）", "", text)
    return text.strip()


# ---------------------------------------------------------------------------------------------------------
# Chinese numbers
# ---------------------------------------------------------------------------------------------------------

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_PHONE_DIGITS = "零幺二三四五六七八九"
_ZH_GROUP_UNITS = ["", "万", "亿", "万亿"]


def _zh_group(value: int) -> str:
    out, zero = "", False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _ZH_DIGITS[digit] + unit
    return out


def zh_integer(value: int) -> str:
    """10005 -> 一万零五, 2000 -> 两千, 15 -> 十五, 100001000 -> 一亿零一千."""
    if value < 0:
        return "负" + zh_integer(-value)
    if value == 0:
        return "零"
    groups: list[int] = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    if len(groups) > len(_ZH_GROUP_UNITS):
        return zh_digits(str(sum(g * 10000**i for i, g in enumerate(groups))))
    out, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _zh_group(group) + _ZH_GROUP_UNITS[index]
        zero = False
    if out.startswith("一十"):
        out = out[1:]
    for unit in "千万亿":
        if out.startswith("二" + unit):
            out = "两" + out[1:]
    return out


def zh_digits(digits: str, phone: bool = False) -> str:
    table = _ZH_PHONE_DIGITS if phone else _ZH_DIGITS
    return "".join(table[int(d)] if d.isdigit() else d for d in digits)


def _number_parts(text: str) -> tuple[bool, str, str]:
    """'-1,234.5' -> (negative, '1234', '5'): what both languages read a written number from."""
    text = text.replace(",", "")
    whole, _, fraction = text.lstrip("+-").partition(".")
    return text.startswith("-"), whole, fraction


def zh_number(text: str) -> str:
    """A written number ('3.14', '-5', '007', '10000') read in Chinese."""
    negative, whole, fraction = _number_parts(text)
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 16:
        out = zh_digits(whole)
    else:
        out = zh_integer(int(whole or "0"))
    if fraction:
        out += "点" + zh_digits(fraction)
    return ("负" if negative else "") + out


# ---------------------------------------------------------------------------------------------------------
# English numbers
# ---------------------------------------------------------------------------------------------------------

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ["", "thousand", "million", "billion", "trillion"]
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _en_below_1000(value: int) -> str:
    words = []
    if value >= 100:
        words.append(f"{_ONES[value // 100]} hundred")
        value %= 100
    if value >= 20:
        words.append(_TENS[value // 10] + (f"-{_ONES[value % 10]}" if value % 10 else ""))
    elif value:
        words.append(_ONES[value])
    return " ".join(words)


def en_integer(value: int) -> str:
    """1234567 -> one million two hundred thirty-four thousand five hundred sixty-seven."""
    if value < 0:
        return "minus " + en_integer(-value)
    if value < 20:
        return _ONES[value]
    parts = []
    scale = 0
    while value:
        value, chunk = divmod(value, 1000)
        if chunk:
            if scale >= len(_SCALES):
                raise ValueError("number too large")
            parts.append(_en_below_1000(chunk) + (f" {_SCALES[scale]}" if scale else ""))
        scale += 1
    return " ".join(reversed(parts))


def en_digits(digits: str) -> str:
    return " ".join(_ONES[int(d)] for d in digits if d.isdigit())


def en_number(text: str) -> str:
    negative, whole, fraction = _number_parts(text)
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 15:
        out = en_digits(whole)
    else:
        out = en_integer(int(whole or "0"))
    if fraction:
        out += " point " + en_digits(fraction)
    return ("minus " if negative else "") + out


def en_ordinal(value: int) -> str:
    words = en_integer(value)
    head, sep, last = words.rpartition(" ")
    hyphen_head, hyphen, last_word = last.rpartition("-")
    if last_word in _ORDINAL_WORDS:
        last_word = _ORDINAL_WORDS[last_word]
    elif last_word.endswith("y"):
        last_word = last_word[:-1] + "ieth"
    else:
        last_word += "th"
    return head + sep + hyphen_head + hyphen + last_word


def en_year(value: int) -> str:
    """1990 -> nineteen ninety, 2026 -> twenty twenty-six, 2005 -> two thousand five, 1905 -> nineteen oh five."""
    if value < 1000 or value > 2099 or 2000 <= value < 2010:
        return en_integer(value)
    high, low = divmod(value, 100)
    if low == 0:
        return f"{en_integer(high)} hundred"
    if low < 10:
        return f"{en_integer(high)} oh {_ONES[low]}"
    return f"{en_integer(high)} {en_integer(low)}"


# ---------------------------------------------------------------------------------------------------------
# Shared patterns
# ---------------------------------------------------------------------------------------------------------

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NB = r"(?<![\d.,])"  # no digit (or decimal point) right before
_NA = r"(?![\d])"  # no digit right after
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d,])")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH_RE = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)

# Phone numbers: mainland mobiles, 400/800 service lines, area-code landlines, US style; always with
# separators or the exact mobile shape, so amounts and years are not mistaken for them.
_PHONE = re.compile(
    r"(?<![\w.,+-])(?:"
    r"\+?\d{1,3}[ -]\(?\d{3}\)?[ -]\d{3,4}[ -]\d{4}"  # +86 138 0013 8000, +1 555 123 4567
    r"|\(\d{3}\)\s?\d{3}[ -]\d{4}"  # (555) 123-4567
    r"|1-?[0-9]{3}-[0-9]{3}-[0-9]{4}"  # 1-800-123-4567
    r"|[0-9]{3,4}-[0-9]{3,4}-[0-9]{4}"  # 400-123-4567
    r"|0\d{2,3}-\d{7,8}"  # 010-12345678
    r"|1[3-9]\d{9}"  # 13800138000
    r"|1[3-9]\d[ -]\d{4}[ -]\d{4}"  # 138 0013 8000
    r")(?![\w-])"
)
# Short numbers that are dialled (hotlines such as 12315, 120) are read digit by digit after these words.
_DIAL_CONTEXT = re.compile(
    r"(电话|热线|拨打|致电|号码|服务号|投诉|举报|报警|急救|火警|匪警|call|dial|phone|hotline|number is)"
    r"([^\d\n]{0,6}?)(\d{3,12})(?![\d.%])",
    re.IGNORECASE,
)
_DATE_YMD = re.compile(_NB + r"(1\d{3}|20\d{2})([-/.])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])" + _NA)
_DATE_YM_ZH = re.compile(_NB + r"(1\d{3}|20\d{2})[-/.](0?[1-9]|1[0-2])(?=\s*(?:月|期间|以来|起|前|后)|$)")
_TIME = re.compile(_NB + r"([01]?\d|2[0-3]):([0-5]\d)" + _NA)
_PERCENT_RANGE = re.compile(r"(" + NUM + r")\s*%?\s*(?:-|–|—|~|至|到)\s*(" + NUM + r")\s*([%‰])")
_PERCENT = re.compile(r"([+-]?" + NUM + r")\s*([%‰])")
_RANGE = re.compile(_NB + r"(" + NUM + r")\s*(?:-|–|—|~|至)\s*(" + NUM + r")" + _NA)
_FRACTION = re.compile(_NB + r"(\d{1,3})/(\d{1,3})" + _NA + r"(?!/)")
_MULTI_SLASH = re.compile(_NB + r"(\d+(?:/\d+){2,})" + _NA)
_NEGATIVE = re.compile(r"(?<![A-Za-z0-9.,)])-(?=\d)")
_PLAN = re.compile(r"\b(401|403|457)\(([kb])\)", re.IGNORECASE)


def _sub(pattern: re.Pattern[str], text: str, function: Callable[[re.Match[str]], str]) -> str:
    return pattern.sub(function, text)


def _phone_groups(number: str) -> list[str]:
    groups = re.findall(r"\d+", number)
    if len(groups) == 1 and len(groups[0]) == 11:  # a mainland mobile: 3-4-4
        digits = groups[0]
        groups = [digits[:3], digits[3:7], digits[7:]]
    return groups


# ---------------------------------------------------------------------------------------------------------
# Chinese
# ---------------------------------------------------------------------------------------------------------

# Measure words and units after which the number 2 is read 两 (两个, 两克), not 二.
_ZH_LIANG = (
    "个|次|种|天|周|位|条|项|件|份|名|杯|瓶|碗|张|台|部|本|倍|成|克|斤|公斤|千克|升|公里|米|小时|分钟|岁|年|"
    "口|只|家|间|片|粒|颗|支|套|类|步|句|层|块|元|万|亿|千"
)
_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+\d[A-Za-z0-9]*(?![A-Za-z0-9])")
# After a bare number: it is not a count or an amount, so a year (2022) or a hotline (120) is read digit by digit.
_ZH_NOT_COUNTED = (
    r"(?![\d.,%‰])(?!\s*(?:[A-Za-z]|元|块|万|亿|千|百|个|次|天|年|月|日|号|岁|克|斤|米|分|秒|小时|人|名|位|家|件|"
    r"条|页|份|张|种|倍|度|户|项|所|辆|台|套|元|美元|欧元|英镑|港元|摄氏度))"
)
_ZH_UNITS: list[tuple[str, str]] = [
    (r"mmol/L", "毫摩尔每升"),
    (r"mg/dL", "毫克每分升"),
    (r"mmHg", "毫米汞柱"),
    (r"kcal", "千卡"),
    (r"kWh", "千瓦时"),
    (r"km/h", "公里每小时"),
    (r"km", "公里"),
    (r"kg", "千克"),
    (r"mg", "毫克"),
    (r"[μµu]g|mcg", "微克"),
    (r"ml|mL", "毫升"),
    (r"cm", "厘米"),
    (r"mm", "毫米"),
    (r"g", "克"),
    (r"m²|m2|㎡", "平方米"),
    (r"m", "米"),
    (r"L", "升"),
    (r"°C|℃", "摄氏度"),
    (r"°F|℉", "华氏度"),
    (r"°", "度"),
    (r"h", "小时"),
    (r"min", "分钟"),
    (r"s", "秒"),
    (r"GB", "G"),
    (r"kb|KB", "K"),
]
_ZH_UNIT_RE = re.compile(
    r"(" + NUM + r")\s*(" + "|".join(u for u, _ in _ZH_UNITS) + r")(?![A-Za-z])",
)
_ZH_UNIT_NAMES = [(re.compile(f"^(?:{u})$"), name) for u, name in _ZH_UNITS]
_ZH_CURRENCY = [
    (r"(?:US\$|USD\s?)", "美元"),
    (r"(?:HK\$|HKD\s?)", "港元"),
    (r"(?:¥|RMB\s?|CNY\s?)", "元"),
    (r"\$", "美元"),
    (r"€|EUR\s?", "欧元"),
    (r"£|GBP\s?", "英镑"),
]
_ZH_SYMBOLS = [
    ("≥", "大于等于"),
    ("≤", "小于等于"),
    ("≈", "约"),
    ("±", "正负"),
    ("×", "乘"),
    ("÷", "除以"),
    ("→", "到"),
    ("&", "和"),
    ("+", "加"),
    ("=", "等于"),
    (">", "大于"),
    ("<", "小于"),
    ("~", "到"),
    ("@", ""),
    ("#", ""),
    ("*", ""),
    ("_", ""),
    ("^", ""),
]
_ZH_BARE_UNITS = [
    (r"mmHg", "毫米汞柱"),
    (r"mmol/L", "毫摩尔每升"),
    (r"mg/dL", "毫克每分升"),
    (r"kcal", "千卡"),
]
_ZH_PER = re.compile(f"(?<=[{HAN}])/(?=(?:天|日|周|月|年|次|人|小时|公斤|千克|斤|份|户|平方米|米|升))")


def _zh_unit_name(unit: str) -> str:
    for pattern, name in _ZH_UNIT_NAMES:
        if pattern.match(unit):
            return name
    return unit


def _zh_count(number: str) -> str:
    """A number before a measure word: 2 -> 两."""
    return "两" if number == "2" else zh_number(number)


def normalize_zh(text: str) -> str:
    # Codes of letters and digits (R1, PR1, 5G is not one: it starts with a digit) are read in English,
    # by the English voice: keep them whole, away from the Chinese number rules.
    codes: list[str] = []

    def protect(match: re.Match[str]) -> str:
        codes.append(match.group())
        return chr(0xE000 + len(codes) - 1)

    text = _CODE.sub(protect, text)
    text = _THOUSANDS.sub(lambda m: m.group().replace(",", ""), text)
    text = _PLAN.sub(lambda m: zh_digits(m.group(1)) + m.group(2).upper(), text)
    text = _sub(_PHONE, text, lambda m: "，".join(zh_digits(g, phone=True) for g in _phone_groups(m.group())))
    text = _sub(_DIAL_CONTEXT, text, lambda m: m.group(1) + m.group(2) + zh_digits(m.group(3), phone=True))
    text = _sub(
        _DATE_YMD,
        text,
        lambda m: f"{zh_digits(m.group(1))}年{zh_integer(int(m.group(3)))}月{zh_integer(int(m.group(4)))}日",
    )
    text = _sub(_DATE_YM_ZH, text, lambda m: f"{zh_digits(m.group(1))}年{zh_integer(int(m.group(2)))}月")
    text = re.sub(r"(?<![\d.])(\d{4})\s*(?:-|–|~|至|到)\s*(\d{4})(?=\s*年)", r"\1年到\2", text)
    text = re.sub(r"(?<![\d.])(\d{4})(?=\s*年)", lambda m: zh_digits(m.group(1)), text)  # 2026年, 1990年代
    text = re.sub(
        r"(?<=[（(])(19\d\d|20\d\d)(?=\s*[)）])", lambda m: zh_digits(m.group(1)), text
    )  # 指南（2022）
    text = re.sub(
        r"(?<![\d.,¥$€£])(110|119|120|122|12\d{3}|95\d{3}|96\d{3})" + _ZH_NOT_COUNTED,
        lambda m: zh_digits(m.group(1), phone=True),
        text,
    )  # hotlines: 120, 12315, 95588
    text = _sub(_TIME, text, _zh_time)
    for symbol, name in _ZH_CURRENCY:
        text = re.sub(symbol + r"\s?([+-]?" + NUM + r")\s*(万亿|万|亿|千)?(?:元|块)?", _zh_money(name), text)
    text = _sub(
        _PERCENT_RANGE,
        text,
        lambda m: (
            f"{'百' if m.group(3) == '%' else '千'}分之{zh_number(m.group(1))}到"
            f"{'百' if m.group(3) == '%' else '千'}分之{zh_number(m.group(2))}"
        ),
    )
    text = _sub(_PERCENT, text, lambda m: f"{'百' if m.group(2) == '%' else '千'}分之{zh_number(m.group(1))}")
    text = _sub(
        re.compile(r"(\d{2,3})\s*/\s*(\d{2,3})\s*(?:mmHg|毫米汞柱)"),
        text,
        lambda m: f"{zh_number(m.group(1))}、{zh_number(m.group(2))}毫米汞柱",
    )
    text = _sub(_RANGE, text, lambda m: f"{m.group(1)}到{m.group(2)}")
    text = _NEGATIVE.sub("负", text)
    text = _sub(
        _ZH_UNIT_RE,
        text,
        lambda m: _zh_count(m.group(1).replace(",", "")) + _zh_unit_name(m.group(2)),
    )
    text = _sub(_MULTI_SLASH, text, lambda m: "、".join(zh_number(n) for n in m.group(1).split("/")))
    text = _sub(_FRACTION, text, lambda m: f"{zh_number(m.group(2))}分之{zh_number(m.group(1))}")
    text = _ZH_PER.sub("每", text)
    text = re.sub(f"(?<=[{HAN}])/(?=[{HAN}])", "或", text)
    text = re.sub(r"第\s*(\d+)", lambda m: "第" + zh_number(m.group(1)), text)
    text = re.sub(
        r"(?<![\d.])(\d+)(?=\s*(?:" + _ZH_LIANG + r"))",
        lambda m: _zh_count(m.group(1)),
        text,
    )
    for unit, name in _ZH_BARE_UNITS:
        text = re.sub(rf"(?<![A-Za-z]){unit}(?![A-Za-z])", name, text)
    # "毫米汞柱（mmHg）" now says the same word twice: say it once.
    text = re.sub(rf"([{HAN}]{{2,8}})\s*[（(]\1[)）]", r"\1", text)
    text = re.sub(r"(?<=\d)\s*[*×]\s*(?=\d)", "乘", text)
    text = re.sub(r"负?\d+(?:\.\d+)?", lambda m: _zh_signed(m.group()), text)
    text = text.replace("负负", "负")
    for symbol, name in _ZH_SYMBOLS:
        text = text.replace(symbol, name)
    text = re.sub(f"(?<=[{HAN}])\\s*[-–—]\\s*(?=[{HAN}])", "，", text)
    text = re.sub(f"(?<=[{HAN}]) (?=[{HAN}])", "", text)
    text = re.sub("[\ue000-\ue0ff]", lambda m: codes[ord(m.group()) - 0xE000], text)
    return _tidy(text)


def _zh_money(name: str) -> Callable[[re.Match[str]], str]:
    return lambda m: zh_number(m.group(1)) + (m.group(2) or "") + name


def _zh_time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute == 0:
        return f"{zh_integer(hour)}点"
    return f"{zh_integer(hour)}点{'零' if minute < 10 else ''}{zh_integer(minute)}分"


def _zh_signed(token: str) -> str:
    if token.startswith("负"):
        return "负" + zh_number(token[1:])
    return zh_number(token)


# ---------------------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def normalize(text: str, language: str) -> str:
    """The text as it should be spoken in `language` ('zh' or 'en'): no markup, numbers written out."""
    text = clean_markup(text)
    return normalize_zh(text) if language.startswith("zh") else normalize_en(text)


_RUN = re.compile(
    f"(?P<zh>[{HAN}](?:[{HAN}\u3000-\u303f\uff00-\uffef·“”‘’《》]*[{HAN}])?)"
    r"|(?P<en>[A-Za-z][A-Za-z0-9]*(?:[’'\-. ]+[A-Za-z][A-Za-z0-9]*)*\.?)"
)
_ZH_PUNCT_TO_EN = str.maketrans(
    {"，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "、": ",", "（": "(", "）": ")"}
)


def split_languages(text: str, language: str) -> list[tuple[str, str]]:
    """Split text into runs of Chinese and of Latin-script words: [(text, 'zh'|'en'), ...].

    Characters of neither (digits, spaces, punctuation) join the run before them, or the run after
    them when they lead straight into it without a space: '15很贵' and '5克' stay with the Chinese.
    """
    runs: list[list[str]] = []
    position = 0
    for match in _RUN.finditer(text):
        between = text[position : match.start()]
        kind = "zh" if match.group("zh") else "en"
        digits = re.search(r"[\d.,%]+$", between)
        if kind == "zh" and digits:  # '5克', '15很贵': a number leading into Chinese is read with it
            before, lead = between[: digits.start()], between[digits.start() :]
        else:
            before, lead = between, ""
        if runs:
            runs[-1][0] += before
        else:
            lead = before + lead
        if runs and runs[-1][1] == kind:
            runs[-1][0] += lead + match.group()
        else:
            runs.append([lead + match.group(), kind])
        position = match.end()
    tail = text[position:]
    if runs:
        runs[-1][0] += tail
    elif tail.strip():
        runs.append([tail, language])
    out: list[tuple[str, str]] = []
    for segment, kind in runs:
        segment = segment.strip()
        if kind == "en":
            segment = segment.translate(_ZH_PUNCT_TO_EN).strip(" ,;:-")
        if not re.search(r"[\w" + HAN + "]", segment):
            continue
        if out and out[-1][1] == kind:
            out[-1] = (out[-1][0] + " " + segment, kind)
        else:
            out.append((segment, kind))
    return out


def speech_segments(text: str, language: str = "") -> list[tuple[str, str]]:
    """A sentence as (text, language) runs to speak, each normalised in its own language.

    The sentence is normalised in its own language first, so numbers, money and units read in the
    language of the sentence; a run in the other language is then normalised in that one.
    """
    language = "zh" if (language or detect_language(text)).startswith("zh") else "en"
    spoken = normalize(text, language)
    segments = []
    for segment, kind in split_languages(spoken, language):
        if kind != language:
            segment = normalize_zh(segment) if kind == "zh" else normalize_en(segment)
        if re.search(r"[A-Za-z" + HAN + "]", segment):
            segments.append((segment, kind))
    return segments
