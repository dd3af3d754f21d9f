"""Screening what the user asks, before retrieval and generation: crisis, medical emergency, and requests
the advisor must not answer as asked (a diagnosis, a dose, a personal trade, help with fraud or cheating,
an attempt to override or reveal the advisor's own instructions).

Regular expressions only: fast, deterministic, and the same for Chinese, English and a mix of both. The
patterns are data below, one list per flag and language, each line with what it catches. The text is
NFKC-normalised (full-width ？！，ＡＢＣ become ?!,ABC) and lower-cased before matching, so the English
patterns are written in lower case. Chinese is matched by substring: there is no word splitting.

A flag is a signal for the advisor to show a notice and answer within limits; it is not a verdict. The
benign idioms listed in the suppressor tables ("dying to know", "笑死", "跳楼价", an insurance policy's
"suicide clause") are blanked out before matching, so they cannot trigger a flag.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from advisor.dialogue.safety.patterns import _CJK_LATIN, _COMPILED, _SUPPRESS, _VERDICTS

# ---------------------------------------------------------------------------------------------------------
# What the advisor shows.
# ---------------------------------------------------------------------------------------------------------
_CRISIS_MESSAGE = {
    "zh": (
        "听起来你现在真的很难受，谢谢你愿意说出来。你并不孤单，请现在就联系一个你信任的人，或拨打心理援助热线："
        "全国心理援助热线 12356；北京心理危机研究与干预中心 010-82951332。"
        "如果你有伤害自己或他人的危险，请立即拨打 110 或 120，或者到最近的医院急诊。"
    ),
    "en": (
        "It sounds like you're going through something really painful, and I'm glad you told me. "
        "You are not alone - please reach out to someone you trust right now. "
        "In the US, call or text 988 (Suicide & Crisis Lifeline); in the UK and Ireland, call Samaritans on 116 123; "
        "elsewhere, call your local emergency number. "
        "If you might hurt yourself or someone else, call emergency services now."
    ),
}
_NOTICES: dict[str, dict[str, str]] = {
    "medical_urgent": {
        "zh": "你描述的情况可能是急症，请不要等待网上的回答：立即拨打 120 急救电话，或尽快到最近医院的急诊就医。",
        "en": (
            "What you describe may be a medical emergency. Don't wait for an answer here: call emergency services "
            "now (120 in China, 911 in the US, 999 in the UK, 112 in the EU) or go to the nearest emergency department."
        ),
    },
    "asks_diagnosis": {
        "zh": (
            "我不能做出诊断：同样的症状可能有很多原因，需要医生面诊和必要的检查才能确定，请尽快就医。"
            "我可以介绍相关疾病的一般知识、常见症状和什么情况需要就医。"
        ),
        "en": (
            "I can't give you a diagnosis: the same symptoms can have many causes, and only a doctor who examines "
            "you can tell. I can share general information about the condition, its common symptoms and when to see "
            "a doctor."
        ),
    },
    "asks_dose": {
        "zh": (
            "我不能告诉你具体该用多少药：剂量要根据年龄、体重、病情和正在服用的其他药物来定，请咨询医生或药师，"
            "并以药品说明书为准。我可以介绍这类药物的一般用途和常见注意事项。"
        ),
        "en": (
            "I can't tell you what dose to take: the right dose depends on age, weight, health and other medicines, "
            "so please ask a doctor or pharmacist and follow the label. I can share general information about what "
            "the medicine is for and common precautions."
        ),
    },
    "asks_trade": {
        "zh": (
            "我不能给出买入、卖出或择时的个人操作建议，只能介绍一般的投资原则（如分散投资、长期投资、"
            "按自己的风险承受能力配置资产）和相关风险。投资有风险，可能损失本金，入市需谨慎。"
        ),
        "en": (
            "I can't tell you what to buy or sell or when. I can explain general principles (diversification, "
            "a long time horizon, matching investments to your risk tolerance) and the risks involved. Investing "
            "involves risk, including the possible loss of the money you invest."
        ),
    },
    "asks_wrongdoing": {
        "zh": (
            "我不能帮助伪造材料、骗保、隐瞒信息或作弊，这些做法可能违法，并带来拒赔、处罚等严重后果。"
            "我可以介绍正当的途径：如实告知、按规定申请理赔或报销、向相关机构咨询或申诉。"
        ),
        "en": (
            "I can't help with faking documents, fraud, hiding information or cheating: it can be illegal and can "
            "lead to denied claims and penalties. I can explain the legitimate route instead: disclosing honestly, "
            "claiming through the proper process, or asking the institution involved or appealing."
        ),
    },
    "injection": {
        "zh": (
            "我不能展示或更改我的工作指令，也不会按消息或资料里夹带的指令行事。"
            "请直接问我关于理财、健康、购物、学习、保险或日常法律权益的问题。"
        ),
        "en": (
            "I can't show or change my instructions, and I don't follow instructions embedded in messages or "
            "documents. Ask me a question about money, health, shopping, study, insurance or everyday legal rights."
        ),
    },
}
_DISCLAIMERS: dict[str, dict[str, str]] = {
    "health": {
        "zh": "以上为一般健康信息，不能替代医生的诊断和治疗。",
        "en": "This is general health information, not a substitute for advice from a doctor.",
    },
    "finance": {
        "zh": "以上为一般金融知识，不构成投资建议。投资有风险，入市需谨慎。",
        "en": "This is general financial information, not investment advice. Investing involves risk of loss.",
    },
    "insurance": {
        "zh": "以上为一般保险知识，具体保障以保险合同条款为准。",
        "en": "This is general insurance information; your policy's terms decide what is covered.",
    },
    "legal": {
        "zh": "以上为一般法律信息，不构成法律意见，具体问题请咨询执业律师。",
        "en": "This is general legal information, not legal advice; for your situation, consult a licensed lawyer.",
    },
}


@dataclass(frozen=True)
class SafetyAssessment:
    crisis: bool = False  # self-harm / suicide / wanting to die / harming others
    medical_urgent: bool = False  # symptoms that need emergency care now
    asks_diagnosis: bool = False  # "do I have X?", "我是不是得了..."
    asks_dose: bool = False  # how many pills / how much medicine to take
    asks_trade: bool = False  # a personal buy/sell/timing instruction or a price prediction
    asks_wrongdoing: bool = False  # how to cheat, forge or defraud
    injection: bool = False  # asks to reveal or override the advisor's instructions

    @property
    def flagged(self) -> bool:
        """Whether any flag is set."""
        return any(getattr(self, f.name) for f in fields(self))

    def notices(self, language: str) -> list[str]:
        """The texts the advisor must show, most urgent first, in "zh" or "en" (anything else: English)."""
        lang = _language(language)
        shown: list[str] = []
        if self.crisis:
            shown.append(_CRISIS_MESSAGE[lang])
        for flag in (
            "medical_urgent",
            "asks_diagnosis",
            "asks_dose",
            "asks_trade",
            "asks_wrongdoing",
            "injection",
        ):
            if getattr(self, flag):
                shown.append(_NOTICES[flag][lang])
        return shown


def normalize(text: str) -> str:
    """NFKC, lower case, straight apostrophes, single spaces: the form every pattern is written for."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def _suppress(text: str) -> str:
    for pattern in _SUPPRESS:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _matches(text: str) -> dict[str, list[str]]:
    """Each flag with the text its patterns matched (empty lists for flags not raised)."""
    plain = normalize(text)
    spaced = _suppress(_CJK_LATIN.sub(" ", plain))
    plain = _suppress(plain)
    found: dict[str, list[str]] = {}
    for flag, (en, zh) in _COMPILED.items():
        hits = [m.group(0) for p in en if (m := p.search(spaced))]
        hits += [m.group(0) for p in zh if (m := p.search(plain))]
        found[flag] = hits
    return found


_PIECES = re.compile(r"(?<=[.!?。！？;；\n])")
REMOVED = "[…]"


def defang(text: str) -> str:
    """`text` with every sentence that reads as an instruction to the model (the injection patterns)
    replaced by [...]: for passages and image text the model is given as data. Other sentences stay as
    written."""
    return "".join(REMOVED if _injected(piece) else piece for piece in _PIECES.split(text))


def _injected(piece: str) -> bool:
    if not piece.strip():
        return False
    plain = normalize(piece)
    spaced = _suppress(_CJK_LATIN.sub(" ", plain))
    en, zh = _COMPILED["injection"]
    return any(p.search(spaced) for p in en) or any(p.search(_suppress(plain)) for p in zh)


def verdict(sentence: str) -> str:
    """The words of a sentence of an answer that diagnose the reader, give a dose or tell them to buy or
    sell; '' when there are none."""
    plain = normalize(sentence)
    spaced = _CJK_LATIN.sub(" ", plain)
    en, zh = _VERDICTS
    found = [m.group(0) for p in en if (m := p.search(spaced))] + [
        m.group(0) for p in zh if (m := p.search(plain))
    ]
    return found[0] if found else ""


def assess(text: str) -> SafetyAssessment:
    """Screen one user message; every flag is False for an empty or harmless one."""
    return SafetyAssessment(**{flag: bool(hits) for flag, hits in _matches(text).items()})


def explain(text: str) -> dict[str, list[str]]:
    """For debugging and tests: each raised flag with the text its patterns matched."""
    return {flag: hits for flag, hits in _matches(text).items() if hits}


def crisis_message(language: str) -> str:
    """The crisis lines and a plea to reach a person now, in "zh" or "en"."""
    return _CRISIS_MESSAGE[_language(language)]


def disclaimer(domain: str, language: str) -> str | None:
    """A one-line disclaimer for health, finance, insurance and legal answers; None for other domains."""
    texts = _DISCLAIMERS.get(domain.strip().lower())
    return texts[_language(language)] if texts else None


def _language(language: str) -> str:
    return "zh" if language.strip().lower().startswith("zh") else "en"
