"""Numbers as words: Chinese by our own reader (两千, 一亿零一千), English by num2words."""

from __future__ import annotations

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


_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _say(value: int, to: str = "cardinal") -> str:
    """num2words, without the British "and" and the commas (the voice would pause at each comma)."""
    from num2words import num2words

    return str(num2words(value, lang="en", to=to)).replace(",", "").replace(" and ", " ")


def en_integer(value: int) -> str:
    """1234567 -> one million two hundred thirty-four thousand five hundred sixty-seven."""
    return _say(value)


def en_digits(digits: str) -> str:
    return " ".join(_DIGIT_WORDS[int(d)] for d in digits if d.isdigit())


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
    return _say(value, "ordinal")


def en_year(value: int) -> str:
    """1990 -> nineteen ninety, 2026 -> twenty twenty-six, 2005 -> two thousand five, 1905 -> nineteen oh five."""
    if value < 1000 or value > 2099:
        return en_integer(value)
    return _say(value, "year").replace("oh-", "oh ")
