"""The grounding guard: figures, dates, phone numbers and names in an answer must appear in its sources."""

from __future__ import annotations

import pytest

from advisor.config import REPO_ROOT
from advisor.dialogue.guard import GuardResult, check_answer, extract_facts

ZH_SOURCE = (
    "存款保险实行限额偿付，最高偿付限额为人民币500,000元。本条例自2015年5月1日起施行。"
    "消费者可以拨打12315热线投诉，也可以拨打400-123-4567咨询。依据《中华人民共和国消费者权益保护法》，"
    "网购商品可在七日内无理由退货。成年人每天食盐不超过5 g。一年期定期存款利率2.35%。"
)
EN_SOURCE = (
    "The FDIC insures deposits up to $250,000 per depositor, per bank. Complaints can go to the CFPB. "
    "An emergency fund should cover 3-6 months of expenses. The new rule takes effect on March 1, 2026. "
    "The WHO recommends less than 5 g of salt a day."
)


def test_supported_answers_pass() -> None:
    zh = "存款保险最高偿付50万元[1]，条例自2015年5月1日起施行。可拨打12315或400-123-4567。利率为2.35%。"
    assert check_answer(zh, [ZH_SOURCE]) == GuardResult(True, ())
    en = "The FDIC covers up to $250,000 [1]. Keep 3 to 6 months of expenses. Contact the CFPB."
    assert check_answer(en, [EN_SOURCE]) == GuardResult(True, ())


def test_several_sources_together_support_an_answer() -> None:
    answer = "限额为50万元，FDIC的上限是$250,000。"
    assert check_answer(answer, [ZH_SOURCE, EN_SOURCE]).supported
    assert not check_answer(answer, [ZH_SOURCE]).supported


@pytest.mark.parametrize(
    ("answer", "invented"),
    [
        ("存款保险最高偿付限额为人民币60万元。", "60万元"),  # amount
        ("The FDIC insures up to $400,000.", "$400,000"),  # money
        ("一年期定期存款利率为2.75%。", "2.75%"),  # percentage
        ("本条例自2016年5月1日起施行。", "2016年5月1日"),  # date
        ("The rule takes effect on April 1, 2026.", "April 1, 2026"),  # English date
        ("成年人每天食盐不超过8克。", "8克"),  # number with a unit
        ("可拨打12345热线。", "12345"),  # hotline
        ("也可以拨打400-765-4321咨询。", "400-765-4321"),  # phone number
        ("Complaints can go to the SEC.", "SEC"),  # acronym
        ("Ask Vanguard about index funds.", "Vanguard"),  # proper noun
        ("依据《网络购物管理条例》，可以七日内退货。", "《网络购物管理条例》"),  # law title
        ("These rules date from 2019.", "2019"),  # a year alone
    ],
)
def test_invented_facts_fail_and_are_listed(answer: str, invented: str) -> None:
    result = check_answer(answer, [ZH_SOURCE, EN_SOURCE])
    assert not result.supported
    assert result.unsupported == (invented,)


def test_unsupported_facts_are_deduplicated_in_order() -> None:
    answer = "FDIC 保额 $300,000，另有 Vanguard 的 $300,000 与 9%；FDIC 再次提到 9%。"
    assert check_answer(answer, [EN_SOURCE]).unsupported == ("$300,000", "Vanguard", "9%")


def test_thousands_separators_and_wan() -> None:
    assert check_answer("最高偿付限额为500000元。", [ZH_SOURCE]).supported
    assert check_answer("Up to $250000.", [EN_SOURCE]).supported
    assert check_answer("限额50万元", ["limit of 500,000 yuan"]).supported
    assert check_answer("limit of 500,000 yuan", ["限额50万元"]).supported
    assert check_answer("1.5亿元", ["150,000,000元"]).supported
    assert check_answer("$2 million", ["2,000,000 dollars"]).supported
    assert check_answer("$25k", ["25,000 dollars"]).supported


def test_full_width_digits_and_punctuation_normalise() -> None:
    assert check_answer("利率为２．３５％，限额５０万元。", [ZH_SOURCE]).supported
    assert check_answer("金额为１０，０００元。", ["10000元"]).supported
    assert extract_facts("金额为１０，０００元") == ["10,000元"]
    # A Chinese comma between ASCII digits is punctuation: two numbers, not 100200.
    assert extract_facts("分别是100，200元") == ["100", "200元"]
    assert check_answer("分别是100，200元", ["100元或200元"]).supported


def test_citation_and_list_markers_are_not_facts() -> None:
    answer = "1. 拨打12315[1]\n2. 保留凭证[2][3]\n(3) 申请退款【4】\n- 4、注意时效 [1, 2]"
    assert extract_facts(answer) == ["12315"]
    assert check_answer(answer, [ZH_SOURCE]).supported


def test_mixed_languages_compare_numbers() -> None:
    assert check_answer("The cap is 50万元 (RMB 500,000) [1].", [ZH_SOURCE]).supported
    assert check_answer("应急资金建议覆盖3到6个月的开支。", [EN_SOURCE]).supported
    assert check_answer("新规于2026年3月1日生效。", [EN_SOURCE]).supported
    assert check_answer("The regulation took effect on 2015-05-01.", [ZH_SOURCE]).supported
    assert check_answer("每天食盐少于5克，这是WHO的建议。", [EN_SOURCE]).supported
    assert check_answer("七日内 within 7 days", [ZH_SOURCE]).supported  # 七日 in the source


def test_extract_facts() -> None:
    assert extract_facts("建议准备3到6个月的生活费。") == ["3", "6个月"]
    assert extract_facts("每天5克，或者说 5 g，价格¥10,000，$25，涨了2.35%") == [
        "5克",
        "¥10,000",
        "$25",
        "2.35%",
    ]
    assert extract_facts("自2026年3月1日起，2026-03-01 与 March 1, 2026 是同一天。") == ["2026年3月1日"]
    assert extract_facts("热线12315，电话400-123-4567或010-82951332。") == [
        "12315",
        "400-123-4567",
        "010-82951332",
    ]
    assert extract_facts("依据《民法典》第1165条") == ["《民法典》", "1165条"]
    assert extract_facts("The FDIC and the CFPB. Banks report to the Federal Reserve.") == [
        "FDIC",
        "CFPB",
        "Federal",
        "Reserve",
    ]


def test_sentence_starts_headings_and_stopwords_are_not_names() -> None:
    answer = "## Key Points\nThe limit applies. If you ask, I can help. However, note this.\n- Keep records.\n**Next Steps**"
    assert extract_facts(answer) == []
    assert check_answer("第一步。Vanguard 的基金", ["vanguard"]).supported  # after a Chinese full stop
    assert extract_facts("According to Dr. Smith, the rule is new.") == ["Smith"]


def test_names_match_without_case_but_acronyms_with_case() -> None:
    assert check_answer("Open the Settings page in the App.", ["open settings in the app"]).supported
    assert check_answer("Required minimum distributions (RMD) start later.", ["RMDs start at 73."]).supported
    assert not check_answer("The WHO says so.", ["who says so"]).supported


def test_titles_match_with_or_without_the_country_prefix() -> None:
    assert check_answer("依据《消费者权益保护法》", [ZH_SOURCE]).supported
    assert check_answer(
        "依据《中华人民共和国消费者权益保护法》", ["《消费者权益保护法》第二十五条"]
    ).supported
    assert not check_answer("依据《民法典》", [ZH_SOURCE]).supported


def test_chinese_and_english_numerals_in_sources_support_digits() -> None:
    assert check_answer("年休假5天", ["年休假五天"]).supported
    assert check_answer("一共25万元", ["二十五万元"]).supported
    assert check_answer("接种2剂", ["two doses"]).supported
    assert check_answer("百分之5", ["百分之五"]).supported


def test_no_facts_and_no_sources() -> None:
    assert check_answer("", []) == GuardResult(True, ())
    assert check_answer("请咨询专业人士。", []) == GuardResult(True, ())
    assert check_answer("限额50万元", []) == GuardResult(False, ("50万元",))


def test_every_shipped_knowledge_document_supports_itself() -> None:
    documents = sorted((REPO_ROOT / "knowledge").rglob("*.md"))
    assert documents
    for path in documents:
        text = path.read_text(encoding="utf-8")
        assert check_answer(text, [text]).unsupported == (), path


def test_possessives_titles_and_scores_that_are_in_the_sources() -> None:
    """Bug: right answers were thrown out for "California's" (the source says "California"), a source's
    own title in 《》, and "6.5分" (the source gives the band as "6.5")."""
    assert check_answer("California's deadline is 21 days.", ["Deadlines: California 21 days."]).supported
    assert check_answer("Check China's rules.", ["China has its own rules."]).supported
    title = "少盐少糖：每天吃多少才合适"
    assert check_answer(f"根据《{title}》，每天不超过5克。", [f"《{title}》\n每天不超过5克。"]).supported
    assert check_answer("读研一般要求雅思6.5分。", ["6.5-7.0 overall for postgraduate"]).supported


def test_a_figure_the_source_gives_only_in_another_unit_still_fails() -> None:
    assert not check_answer("每天睡9小时。", ["每天吃9克。"]).supported
    assert check_answer("每天睡9小时。", ["大多数成年人需要7-9小时。"]).supported
