"""Images in a turn: the real packaged OCR reads the picture; its text drives retrieval and the answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import ImageText, Notice, Sources, TurnEnd
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def label(path: Path, lines: list[str]) -> Path:
    if not FONT.exists():
        pytest.fail(
            "no WenQuanYi Micro Hei to draw Chinese test pictures: `make setup` installs fonts-wqy-microhei"
        )
    font = ImageFont.truetype(str(FONT), 40)
    image = Image.new("RGB", (900, 90 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 70 * i), line, fill="black", font=font)
    image.save(path)
    return path


def test_a_nutrition_label_is_read_and_answered_from_the_salt_guideline(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    picture = label(tmp_path / "label.png", ["营养成分表 每100克", "钠 800毫克 40%"])
    llm = ScriptedChatModel(replies=["每100克含钠800毫克，约等于2克盐。[1]"])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    events = list(advisor.turn("这个食品含盐多吗？", image=picture))
    read = next(e for e in events if isinstance(e, ImageText))
    assert "800" in read.text and "钠" in read.text
    sources = next(e for e in events if isinstance(e, Sources))
    assert any("nutrition-label" in s.document or "salt" in s.document for s in sources.items)
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.grounded
    assert "图片上的文字" in end.answer and "800" in end.answer
    assert "用户图片中的文字" in str(llm.seen[0][-1].content), (
        "the image text reaches the model as quoted data"
    )


def test_a_picture_without_text_gets_an_honest_limit(shipped: KnowledgeLibrary, tmp_path: Path) -> None:
    picture = tmp_path / "plant.png"
    Image.new("RGB", (400, 300), (30, 140, 60)).save(picture)
    llm = ScriptedChatModel(replies=["It is a fern."])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    end = list(advisor.turn("What plant is this?", image=picture))[-1]
    assert isinstance(end, TurnEnd)
    assert "ADVISOR_VISION__BACKEND" in end.answer and not llm.seen


def test_a_bad_image_is_a_clear_error_and_the_question_still_answered(
    shipped: KnowledgeLibrary, tmp_path: Path
) -> None:
    fake = tmp_path / "page.png"
    fake.write_text("<html><script>alert(1)</script></html>")
    llm = ScriptedChatModel(replies=["Adults should eat less than 5 g of salt a day. [1]"])
    advisor = Advisor(Settings(data_dir=tmp_path / "app"), library=shipped, llm=llm)
    events = list(advisor.turn("How much salt should adults eat per day?", image=fake))
    assert any(isinstance(e, Notice) and e.level == "error" for e in events)
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.grounded
