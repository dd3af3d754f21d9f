"""Chinese text as it is read aloud: money, percentages, dates, times, phone numbers, units, counts."""

from __future__ import annotations

import re
from collections.abc import Callable

from advisor.tts.normalize.markup import _tidy
from advisor.tts.normalize.numbers import zh_digits, zh_integer, zh_number
from advisor.tts.normalize.patterns import (
    _DATE_YM_ZH,
    _DATE_YMD,
    _DIAL_CONTEXT,
    _FRACTION,
    _MULTI_SLASH,
    _NEGATIVE,
    _PERCENT,
    _PERCENT_RANGE,
    _PHONE,
    _PLAN,
    _RANGE,
    _THOUSANDS,
    _TIME,
    HAN,
    NUM,
    _phone_groups,
    _sub,
)

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
