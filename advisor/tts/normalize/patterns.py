"""Characters and number patterns both languages read with."""

from __future__ import annotations

import re
from collections.abc import Callable

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
