"""Image + question cases over the shipped knowledge bases: what people photograph and ask about.

Each case is a document a person would photograph (a nutrition label, a return notice, a lab report, a
card statement, a price tag, ...), drawn in code as a printed card with a title, table rows and notes,
laid on one of scikit-image's sample photos, turned a few degrees and JPEG-compressed. `expected` names
the shipped documents (their catalog keys, "domain/name.lang.md" under knowledge/) whose passages answer the question; any one
of them cited counts. `key_words` must appear in what OCR reads, so a miss is told apart from a failure
of retrieval or citation. `facts` are the document's deciding fact in a few phrasings: a rough check
that the answer is right, not only cited. `limits` cases hold no text at all: the reply must state what OCR-only image
reading can and cannot do instead of guessing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from advisor.config import REPO_ROOT
from bench.vision_samples import cover, jpeg, photo

KNOWLEDGE = REPO_ROOT / "knowledge"
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

# Only fonts the tests already need: fonts-wqy-microhei (Chinese) and fonts-dejavu-core (English).
FONT_FILES = {
    "zh": ("wqy-microhei.ttc", "wqy-microhei.ttc"),
    "en": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
}


@dataclass(frozen=True)
class Case:
    id: str
    language: str
    what: str  # what the person photographed
    title: str
    rows: tuple[tuple[str, ...], ...]  # one tuple per printed line; several cells make table columns
    question: str
    expected: tuple[str, ...]  # shipped documents, "domain/name.lang.md"
    key_words: tuple[str, ...]  # must be in the OCR text
    facts: tuple[str, ...] = ()  # the deciding fact from the expected document, any of these phrasings
    background: str = "coffee"  # a scikit-image sample photo
    angle: float = 0.0
    quality: int = 70
    size: int = 30
    limits: bool = False  # a photo without text: the honest-limits reply is expected
    notes: tuple[str, ...] = field(default_factory=tuple)


CASES: tuple[Case, ...] = (
    # -- Chinese ---------------------------------------------------------------------------------
    Case(
        id="zh-nutrition-label",
        language="zh",
        what="a crisp packet's nutrition table",
        title="营养成分表",
        rows=(
            ("项目", "每100克", "NRV%"),
            ("能量", "2210千焦", "26%"),
            ("蛋白质", "6.2克", "10%"),
            ("脂肪", "33.5克", "56%"),
            ("碳水化合物", "52.0克", "17%"),
            ("钠", "860毫克", "43%"),
        ),
        question="这包薯片含盐多吗？一天吃多少盐合适？",
        expected=(
            "shopping/nutrition-label.zh.md",
            "health/salt-and-sugar.zh.md",
            "health/salt-intake.en.md",
        ),
        key_words=("营养成分表", "钠", "860"),
        facts=("不超过5克", "5克盐", "2000毫克"),
        background="coffee",
        angle=3.0,
        quality=65,
    ),
    Case(
        id="zh-return-notice",
        language="zh",
        what="a return notice card in an online order's parcel",
        title="退换货须知",
        rows=(
            ("本店商品支持七天无理由退货",),
            ("自签收次日起计算，请保持商品完好",),
            ("配件、赠品、发票请一并寄回",),
            ("定制商品、生鲜食品不适用无理由退货",),
        ),
        question="我网购的衣服收到第五天了，还能无理由退货吗？运费谁出？",
        expected=("shopping/returns-seven-days.zh.md",),
        key_words=("七天无理由退货", "签收"),
        facts=("七日", "消费者承担"),
        background="chelsea",
        angle=-4.0,
        quality=60,
    ),
    Case(
        id="zh-warranty-card",
        language="zh",
        what="a phone's warranty (三包) card",
        title="三包凭证",
        rows=(
            ("产品名称", "智能手机"),
            ("购买日期", "2026年11月2日"),
            ("主机保修", "1年"),
            ("电池保修", "6个月"),
            ("凭发票及本凭证享受三包服务",),
        ),
        question="手机买了第10天就坏了，商家说只能修不能换，我能要求换货吗？",
        expected=("shopping/warranty-sanbao.zh.md",),
        key_words=("三包凭证", "保修"),
        facts=("15日", "15天"),
        background="rocket",
        angle=2.0,
        quality=70,
    ),
    Case(
        id="zh-lab-report",
        language="zh",
        what="a blood test report",
        title="检验报告单",
        rows=(
            ("项目", "结果", "参考范围"),
            ("空腹血糖", "6.8 mmol/L ↑", "3.9-6.1"),
            ("糖化血红蛋白", "6.2 %", "4.0-6.0"),
            ("总胆固醇", "4.6 mmol/L", "<5.2"),
        ),
        question="体检报告上空腹血糖是6.8，这个数字说明什么？",
        expected=("health/diabetes-blood-sugar.zh.md",),
        key_words=("空腹血糖", "6.8"),
        facts=("受损", "6.1至", "7.0"),
        background="immunohistochemistry",
        angle=-2.5,
        quality=75,
    ),
    Case(
        id="zh-insurance-summary",
        language="zh",
        what="the summary page of a critical-illness policy",
        title="保险合同摘要",
        rows=(
            ("产品名称", "安康终身重大疾病保险"),
            ("保险期间", "终身"),
            ("年交保费", "8,600元"),
            ("犹豫期", "自签收合同之日起15日"),
            ("等待期", "90日"),
        ),
        question="这份保险我上周刚签收，现在不想要了，退保能拿回全部保费吗？",
        expected=("insurance/cooling-off-period.zh.md", "insurance/cooling-off-period.en.md"),
        key_words=("犹豫期", "15日"),
        facts=("全额", "10元", "工本费"),
        background="astronaut",
        angle=4.0,
        quality=60,
    ),
    Case(
        id="zh-homework-page",
        language="zh",
        what="a junior-high homework list",
        title="初二（3）班 今日家庭作业",
        rows=(
            ("数学：练习册第35-40页",),
            ("英语：单词抄写三遍，背诵课文",),
            ("语文：作文一篇，不少于800字",),
            ("物理：课后习题1-12题",),
            ("家长签字：________",),
        ),
        question="这是孩子初二的作业，每天要写三个小时，作业量符合双减规定吗？",
        expected=("education/double-reduction-homework.zh.md",),
        key_words=("家庭作业", "练习册"),
        facts=("90分钟",),
        background="brick",
        angle=-3.0,
        quality=65,
    ),
    Case(
        id="zh-wealth-product",
        language="zh",
        what="a bank wealth-management product leaflet",
        title="稳盈增利12个月理财产品",
        rows=(
            ("风险等级", "PR4（中高风险）"),
            ("业绩比较基准", "年化4.5%-6.0%"),
            ("适合客户", "风险测评C4及以上"),
            ("理财非存款，产品有风险，投资须谨慎",),
        ),
        question="我的风险测评结果是C2，可以买这款理财产品吗？",
        expected=("finance/wealth-management-risk-levels.zh.md",),
        key_words=("风险等级", "PR4"),
        facts=("R1至R2", "不能购买", "C2可买"),
        background="coins",
        angle=2.5,
        quality=70,
    ),
    Case(
        id="zh-blood-pressure",
        language="zh",
        what="a blood pressure monitor's printout",
        title="电子血压计测量记录",
        rows=(
            ("收缩压", "152 mmHg"),
            ("舒张压", "96 mmHg"),
            ("脉搏", "78 次/分"),
        ),
        question="这是我在家量的血压，这个数值算高血压吗？",
        expected=("health/blood-pressure.zh.md", "health/blood-pressure.en.md"),
        key_words=("收缩压", "152"),
        facts=("140", "135"),
        background="camera",
        angle=-3.5,
        quality=65,
    ),
    # -- English ---------------------------------------------------------------------------------
    Case(
        id="en-nutrition-label",
        language="en",
        what="a soup can's Nutrition Facts panel",
        title="Nutrition Facts",
        rows=(
            ("Serving size", "1 cup (240 g)"),
            ("Calories", "190"),
            ("Total Fat 6g", "8%"),
            ("Sodium 920mg", "40%"),
            ("Total Carbohydrate 24g", "9%"),
            ("Protein 9g", ""),
        ),
        question="Is this soup too salty? How much salt should I eat in a day?",
        expected=(
            "health/salt-intake.en.md",
            "health/salt-and-sugar.zh.md",
            "shopping/nutrition-label.zh.md",
        ),
        key_words=("Nutrition Facts", "Sodium", "920"),
        facts=("5 g", "2 g of sodium", "2,000 mg"),
        background="coffee",
        angle=-3.0,
        quality=60,
    ),
    Case(
        id="en-return-notice",
        language="en",
        what="the returns note on an online order's packing slip",
        title="RETURNS",
        rows=(
            ("You may cancel within 14 days of delivery",),
            ("for a full refund. Return postage is paid",),
            ("by the customer. Custom-made items and",),
            ("opened hygiene products cannot be returned.",),
        ),
        question="I bought this online from a UK shop 10 days ago. Can I still send it back, and who pays the postage?",
        expected=("shopping/returns-policy.en.md",),
        key_words=("14 days", "refund"),
        facts=("right of withdrawal", "14 days of receiving", "told so before buying"),
        background="chelsea",
        angle=3.5,
        quality=65,
    ),
    Case(
        id="en-card-statement",
        language="en",
        what="a credit-card statement summary",
        title="Account Summary",
        rows=(
            ("New Balance", "$5,000.00"),
            ("Minimum Payment Due", "$100.00"),
            ("Payment Due Date", "12/21/2026"),
            ("Purchase APR", "22.99%"),
            ("Minimum Payment Warning: paying only the",),
            ("minimum will take longer and cost you more.",),
        ),
        question="If I only pay the minimum payment on this card, how long will it take and how much interest will I pay?",
        expected=("finance/credit-card-interest.en.md", "finance/debt-repayment.zh.md"),
        key_words=("Minimum Payment", "APR"),
        facts=("19 years", "230 months", "8,100"),
        background="coins",
        angle=-2.0,
        quality=70,
    ),
    Case(
        id="en-blood-pressure",
        language="en",
        what="a pharmacy blood pressure kiosk's printout",
        title="Blood Pressure Reading",
        rows=(
            ("Systolic", "142 mmHg"),
            ("Diastolic", "91 mmHg"),
            ("Pulse", "76 bpm"),
        ),
        question="I got this reading at the pharmacy. What do these numbers mean, is it high?",
        expected=("health/blood-pressure.en.md", "health/blood-pressure.zh.md"),
        key_words=("Systolic", "142"),
        facts=("140/90", "130/80", "stage"),
        background="camera",
        angle=2.5,
        quality=70,
    ),
    Case(
        id="en-price-tags",
        language="en",
        what="two shelf price tags for rice",
        title="Jasmine Rice",
        rows=(
            ("Pack A", "500 g", "$3.50"),
            ("Pack B", "750 g", "$4.80"),
            ("Price per 100 g shown on shelf",),
        ),
        question="Which of these two packs of rice is the better deal?",
        expected=("shopping/unit-price.en.md",),
        key_words=("500 g", "750 g"),
        facts=("0.64", "0.70"),
        background="gravel",
        angle=-4.0,
        quality=60,
    ),
    Case(
        id="en-insurance-summary",
        language="en",
        what="a health plan's summary of benefits",
        title="Summary of Benefits and Coverage",
        rows=(
            ("Annual deductible", "$2,000"),
            ("Coinsurance", "20%"),
            ("Out-of-pocket maximum", "$6,000"),
            ("Primary care visit", "$30 copay"),
        ),
        question="I have a $20,000 hospital bill. How much will I pay under this plan?",
        expected=("insurance/health-insurance-basics.en.md",),
        key_words=("deductible", "Coinsurance"),
        facts=("5,600",),
        background="astronaut",
        angle=3.0,
        quality=70,
    ),
    Case(
        id="en-subscription-notice",
        language="en",
        what="a free-trial ending notice",
        title="Your free trial ends soon",
        rows=(
            ("Trial ends: 3 December 2026",),
            ("Your plan renews automatically at",),
            ("$119.99 per year unless you cancel.",),
            ("Manage your subscription in the app store.",),
        ),
        question="How do I make sure I am not charged when this trial ends?",
        expected=("shopping/subscriptions.en.md",),
        key_words=("free trial", "renews"),
        facts=("reminder", "calendar", "store settings"),
        background="rocket",
        angle=-2.5,
        quality=65,
    ),
    Case(
        id="en-exam-notice",
        language="en",
        what="a school's final exam notice",
        title="Final Examination Notice",
        rows=(
            ("Date: Monday 8 December, 9:00",),
            ("Bring: admission ticket, ID, pens,",),
            ("an approved calculator. No smart watches.",),
            ("Late arrivals may not be admitted.",),
        ),
        question="What should I do the night before this exam?",
        expected=("education/exam-preparation.en.md",),
        key_words=("Examination", "admission ticket"),
        facts=("Light review", "sleep", "Pack your kit"),
        background="brick",
        angle=2.0,
        quality=70,
    ),
    # -- honest limits: no text in the picture ------------------------------------------------------
    Case(
        id="zh-limits-plant",
        language="zh",
        what="a photo of a plant (grass), no text",
        title="",
        rows=(),
        question="这是什么植物？",
        expected=(),
        key_words=(),
        background="grass",
        quality=75,
        limits=True,
    ),
    Case(
        id="en-limits-cat",
        language="en",
        what="a photo of a cat, no text",
        title="",
        rows=(),
        question="What breed of cat is this?",
        expected=(),
        key_words=(),
        background="chelsea",
        quality=75,
        limits=True,
    ),
)


def font_path(file_name: str) -> Path:
    for folder in _FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob(file_name):
                return path
    raise FileNotFoundError(f"{file_name}: apt-get install fonts-wqy-microhei fonts-dejavu-core")


def document_path(expected: str) -> Path:
    """The shipped file behind a document key ("domain/name.lang.md", as the catalog names it)."""
    return KNOWLEDGE / expected


def render_case(case: Case) -> Image.Image:
    """The photograph: a printed card on a photo, or the bare photo for a limits case."""
    background = photo(case.background).convert("RGB")
    if not case.rows and not case.title:
        return background
    card = _card(case)
    # The card fills about two thirds of the frame, like a close-up taken by hand.
    width, height = round(card.width * 1.45), round(card.height * 1.45)
    canvas = cover(background, width, height)
    rotated = card.convert("RGBA").rotate(
        case.angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0, 0)
    )
    # A soft shadow so the card sits on the scene rather than floating over it.
    shadow = Image.new("RGBA", rotated.size, (0, 0, 0, 0))
    shadow.paste((0, 0, 0, 90), (0, 0, *rotated.size), rotated.getchannel("A"))
    left, top = (width - rotated.width) // 2, (height - rotated.height) // 2
    canvas.paste(shadow, (left + 8, top + 10), shadow)
    canvas.paste(rotated, (left, top), rotated)
    return canvas


def image_bytes(case: Case) -> bytes:
    return jpeg(render_case(case), case.quality)


def _card(case: Case) -> Image.Image:
    regular_name, bold_name = FONT_FILES[case.language]
    size = case.size
    regular = ImageFont.truetype(str(font_path(regular_name)), size)
    bold = ImageFont.truetype(str(font_path(bold_name)), round(size * 1.3))
    bold_stroke = 1 if regular_name == bold_name else 0  # no bold CJK face: thicken the strokes
    gap = round(size * 0.6)
    columns = max((len(r) for r in case.rows), default=1)
    # Column widths from the widest cell in each column of the table rows.
    widths = [0] * columns
    for row in case.rows:
        if len(row) > 1:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], _width(regular, cell))
    table_w = sum(widths) + gap * 2 * (columns - 1)
    text_w = max(
        [table_w, _width(bold, case.title)] + [_width(regular, r[0]) for r in case.rows if len(r) == 1]
    )
    pad = round(size * 1.2)
    line_h = round(size * 1.75)
    title_h = round(size * 2.4) if case.title else 0
    width = text_w + 2 * pad
    height = pad * 2 + title_h + line_h * len(case.rows)
    card = Image.new("RGB", (width, height), (252, 250, 244))
    draw = ImageDraw.Draw(card)
    draw.rectangle((3, 3, width - 4, height - 4), outline=(40, 40, 40), width=3)
    y = pad
    if case.title:
        draw.text(
            (pad, y),
            case.title,
            font=bold,
            fill=(15, 15, 15),
            stroke_width=bold_stroke,
            stroke_fill=(15, 15, 15),
        )
        y += title_h
        draw.line(
            (pad, y - round(size * 0.55), width - pad, y - round(size * 0.55)), fill=(40, 40, 40), width=4
        )
    for row in case.rows:
        if len(row) == 1:
            draw.text((pad, y), row[0], font=regular, fill=(25, 25, 25))
        else:
            x = pad
            for i, cell in enumerate(row):
                # Last column right-aligned, like amounts and percentages on a printed table.
                cell_x = x + widths[i] - _width(regular, cell) if i == len(row) - 1 and i else x
                draw.text((cell_x, y), cell, font=regular, fill=(25, 25, 25))
                x += widths[i] + gap * 2
            draw.line(
                (pad, y + round(size * 1.4), width - pad, y + round(size * 1.4)),
                fill=(170, 170, 170),
                width=1,
            )
        y += line_h
    return card


def _width(face: ImageFont.FreeTypeFont, text: str) -> int:
    box = face.getbbox(text) if text else (0, 0, 0, 0)
    return round(box[2] - box[0])


def squash(text: str) -> str:
    """For key-word checks: NFKC, no whitespace, case-folded (OCR drops or adds spaces)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def printed_text(case: Case) -> str:
    return "\n".join([case.title, *(" ".join(row) for row in case.rows)])


def read_key_words(case: Case, image_text: str) -> bool:
    read = squash(image_text)
    return all(squash(word) in read for word in case.key_words)
