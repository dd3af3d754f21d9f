"""The pattern language: shared fragments written as <<NAME>>, the benign idioms blanked before matching,
the verdicts an answer sentence must not give, and every flag's patterns compiled once."""

from __future__ import annotations

import re

from advisor.dialogue.safety.conduct import (
    _ASK_EN,
    _ASK_ZH,
    _BENIGN_EN,
    _BENIGN_ZH,
    _DECIDE_ZH,
    _GAP,
    _INJECTION_EN,
    _INJECTION_ZH,
    _INSTRUCTIONS_EN,
    _SEC_EN,
    _SEC_ZH,
    _TRADE_EN,
    _TRADE_VERB_ZH,
    _TRADE_ZH,
    _WRONGDOING_EN,
    _WRONGDOING_ZH,
    _ZGAP,
)
from advisor.dialogue.safety.health import (
    _CRISIS_EN,
    _CRISIS_ZH,
    _DIAGNOSIS_EN,
    _DIAGNOSIS_ZH,
    _DISEASE_EN,
    _DISEASE_ZH,
    _DOSE_EN,
    _DOSE_ZH,
    _MED_EN,
    _MED_ZH,
    _MEDNAME_EN,
    _URGENT_EN,
    _URGENT_ZH,
)

# Shared fragments, written into the patterns as <<NAME>> and expanded when they are compiled.

# ---------------------------------------------------------------------------------------------------------
# Benign idioms, blanked out before any flag is checked.
# ---------------------------------------------------------------------------------------------------------
_SUPPRESS_EN = [
    r"\bdying (to|for)\b",  # "I'm dying to know" - eagerness
    r"\bto die for\b",  # "a cake to die for"
    r"\bkill(ing)? (some )?time\b",  # passing time
    r"\bkilling it\b",  # doing very well
    r"\bkill two birds\b",  # the proverb
    r"\bkill(ing)? myself laughing\b",  # laughing hard
    r"\bwith kindness\b",  # "kill them with kindness"
    r"\bsuicide (clause|exclusion|provision|rates?|statistics|squad|attacks?|bomb\w*|missions?|doors?)\b",  # insurance terms, statistics, titles
    r"\b(dead tired|dead end|drop[- ]dead)\b",  # idioms with "dead"
    r"\ball in all\b",  # "all in all" is not "all in"
    r"\b(stress\w*|debts?|bills|work|deadlines?|mortgage|loans?)\b<<GAP>>{0,30}\bcan't breathe\b",  # the stress idiom
    r"\ball[- ]in (cost|costs|fee|fees|price|prices|rate|pricing)\b",  # "all-in cost" is a price, not a bet
]
_SUPPRESS_ZH = [
    r"笑死",  # "laughing to death" - very funny
    r"想死(你|您|他|她|它|我)",  # "想死你了" - missing someone badly
    r"(累|热|冷|饿|困|吓|气|烦|忙|痛|疼|美|帅|馋)死",  # "累死了", "热死了" - intensifiers
    r"跳楼(价|大?甩卖|大?促销?|清仓|大?放血)",  # shop slang for rock-bottom prices
    r"自杀(条款|免责|除外|率|式)",  # insurance clause terms, statistics, "自杀式" (kamikaze-style)
    r"(压力|忙|工作|作业|债务?|房贷|贷款|累|焦虑|烦)<<ZGAP>>{0,8}喘不(过|上)气",  # stress idiom, not breathing
    r"(全仓|满仓|梭哈|重仓)(是什么|是啥|什么意思|的意思|的风险|和<<ZGAP>>{0,8}区别)",  # asking what the term means
    r"(辐射|照射|放射)剂量",  # radiation dose, not medicine
]

# ---------------------------------------------------------------------------------------------------------
# In the advisor's own answer: a sentence that diagnoses the reader, gives a dose or tells them to trade.
# Checked on each finished sentence of the model's answer, whatever the question was.
# ---------------------------------------------------------------------------------------------------------
_VERDICT_EN = [
    r"(?<!if )(?<!when )(?<!whether )(?<!unless )(?<!once )(?<!who )(?<!that )(?<!do )\byou (most )?(likely |probably |definitely |clearly |may |might |could |must )?(have|are suffering from|are having|have got|'ve got|suffer from) (an? |the )?([a-z'-]+ ){0,2}<<DISEASE_EN>>\b",  # "you likely have diabetes"
    r"\b(sounds|looks|seems) like (you have |you've got |it's |it is )?(an? )?([a-z'-]+ ){0,2}<<DISEASE_EN>>\b",  # "sounds like depression"
    r"\b(take|give|use|try)\b<<GAP>>{0,40}\b\d+(\.\d+)?\s?(mg|milligrams?|ml|tablets?|pills?|capsules?)\b",  # "take 400 mg"
    r"\b(you should|i recommend( that you)?|i suggest( that you)?|i advise you to|go ahead and|it'?s a good time to) (buy|sell|invest all|put all|transfer all|withdraw all|move all|dump|short)\b",  # "you should sell"
]
_VERDICT_ZH = [
    r"(?<!如果)(?<!若)(?<!假如)(?<!要是)(?<!如)你(很可能|可能|应该|肯定|确实|大概|多半|或许|就)?(是|得了|患有|患了|有)了?<<DISEASE_ZH>>",  # "你可能患有糖尿病"
    r"(服用|吃|喝|用)<<ZGAP>>{0,12}\d+(\.\d+)?\s?(毫克|mg|片|粒|袋)|(药|剂|糖浆|冲剂)<<ZGAP>>{0,8}\d+(\.\d+)?\s?(毫升|ml)",  # "每次吃2片" (not "喝水1700毫升")
    r"(建议你|你应该|你可以|现在就|不妨)(现在|马上|立即|立刻)?(买入|卖出|全部卖|清仓|抄底|梭哈|全仓|加仓|减仓)",  # "建议你现在清仓"
]
# flag -> (English patterns, Chinese patterns). The English ones run on a copy of the text with a space put
# between Chinese and Latin letters or digits, so that \b works in "我想kill myself"; the Chinese ones run
# on the text as written, so that "吃了30片" and "多少mg" stay whole.
_FLAG_PATTERNS: dict[str, tuple[list[str], list[str]]] = {
    "crisis": (_CRISIS_EN, _CRISIS_ZH),
    "medical_urgent": (_URGENT_EN, _URGENT_ZH),
    "asks_diagnosis": (_DIAGNOSIS_EN, _DIAGNOSIS_ZH),
    "asks_dose": (_DOSE_EN, _DOSE_ZH),
    "asks_trade": (_TRADE_EN, _TRADE_ZH),
    "asks_wrongdoing": (_WRONGDOING_EN, _WRONGDOING_ZH),
    "injection": (_INJECTION_EN, _INJECTION_ZH),
}
_FRAGMENTS = {
    "GAP": _GAP,
    "ZGAP": _ZGAP,
    "DISEASE_EN": _DISEASE_EN,
    "DISEASE_ZH": _DISEASE_ZH,
    "MEDNAME_EN": _MEDNAME_EN,
    "MED_EN": _MED_EN,
    "MED_ZH": _MED_ZH,
    "SEC_EN": _SEC_EN,
    "SEC_ZH": _SEC_ZH,
    "TRADE_VERB_ZH": _TRADE_VERB_ZH,
    "DECIDE_ZH": _DECIDE_ZH,
    "ASK_EN": _ASK_EN,
    "BENIGN_EN": _BENIGN_EN,
    "ASK_ZH": _ASK_ZH,
    "BENIGN_ZH": _BENIGN_ZH,
    "INSTR_EN": _INSTRUCTIONS_EN,
}
_TOKEN = re.compile(r"<<([A-Z_]+)>>")


def _compile(pattern: str) -> re.Pattern[str]:
    """Expand the <<NAME>> fragments (they may nest) and compile."""
    while _TOKEN.search(pattern):
        pattern = _TOKEN.sub(lambda m: _FRAGMENTS[m.group(1)], pattern)
    return re.compile(pattern)


_COMPILED: dict[str, tuple[list[re.Pattern[str]], list[re.Pattern[str]]]] = {
    flag: ([_compile(p) for p in en], [_compile(p) for p in zh]) for flag, (en, zh) in _FLAG_PATTERNS.items()
}
_VERDICTS = ([_compile(p) for p in _VERDICT_EN], [_compile(p) for p in _VERDICT_ZH])
_CJK_LATIN = re.compile(r"(?<=[\u3400-\u9fff])(?=[a-z0-9$])|(?<=[a-z0-9])(?=[\u3400-\u9fff])")
_SUPPRESS = [_compile(p) for p in _SUPPRESS_EN + _SUPPRESS_ZH]
