"""Start the web page on a free 127.0.0.1 port for the tests: a small knowledge base built with the real
default embedder, a chat model that answers from a script keyed by the question, the real speech and image stages.

Shared by tests/test_ui_api.py (gradio_client) and tests/e2e/test_browser.py (headless Chromium).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import Field

from advisor.config import REPO_ROOT, Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import AudioChunk
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from advisor.llm.fake import ScriptedChatModel

if importlib.util.find_spec("ui") is None:  # until pyproject packages ui/ beside advisor/
    sys.path.insert(0, str(REPO_ROOT))

from ui.app import build_app, launch

KB = "notes"
DOCS = {
    "parking.zh.md": (
        "# 星河小区停车规定\n\n星河小区的访客车辆每天最多可以免费停放3小时。超过3小时后，每小时收费5元。"
        "业主的月租车位每月300元，需要在物业服务中心登记车牌。\n"
    ),
    "library.en.md": (
        "# Riverside Library card rules\n\nA Riverside Library card costs 12 dollars a year. Members may "
        "borrow up to 8 books at a time, for 21 days each. The library's test page loads "
        "http://127.0.0.1:9/canary.png only in tests.\n"
    ),
}
XSS = (
    "Riverside Library cards cost 12 dollars a year. [1] <script>alert('xss')</script> "
    "<img src=x onerror=alert(document.domain)> [click here](javascript:alert(document.cookie)) "
    "![x](http://127.0.0.1:9/canary.png) <svg onload=alert(document.domain)>"
)
# (words of the question, "|" between alternatives; the model's reply), first match wins. Every figure
# in a reply is in the documents, so it passes the grounding guard and reaches the page as written.
ROUTES = [
    ("script test", XSS),
    ("免费停", "星河小区的访客车辆每天最多可以免费停放3小时。[1] 超过3小时后，每小时收费5元。[1]"),
    (
        "riverside library|library card|library cart",  # as typed, read by OCR, or heard
        "A Riverside Library card costs 12 dollars a year. [1] Members may borrow up to 8 books. [1]",
    ),
    ("borrow", "Members may borrow up to 8 books at a time, for 21 days each. [1]"),
    ("夜光", "夜光蘑菇茶每杯售价42元。[1]"),
    ("moonlight", "A cup of moonlight mushroom tea costs 42 yuan. [1]"),
]
# Asked "slowly", the model takes a while per word (about a minute in all): stop lands mid-answer. The
# sentences differ from each other: the answer screen stops a model that repeats itself.
SLOW_REPLY = " ".join(
    f"{sentence} [1]"
    for sentence in (
        "A Riverside Library card costs 12 dollars a year.",
        "Members may borrow up to 8 books at a time.",
        "Each book may be kept for 21 days.",
        "The yearly fee covers every branch of the library.",
        "You can renew your card at the front desk before it runs out.",
        "Children under twelve need a parent to sign their application.",
        "Lost cards are replaced once the old one has been reported.",
        "Overdue books pay a small fine for each extra day.",
        "Reading rooms stay open until eight in the evening on weekdays.",
        "Audio books and magazines count toward the same limit.",
        "Returning books early frees your quota straight away.",
        "Staff at the help desk will gladly show you the catalogue.",
        "That is all about the Riverside Library.",
    )
)
ROUTES.insert(0, ("slowly", SLOW_REPLY))
UPLOADED = {
    "mushroom-tea.md": "# 夜光蘑菇茶\n\n夜光蘑菇茶每杯售价42元，只在周三供应。A cup of moonlight mushroom tea costs 42 yuan.\n"
}


IMAGE_BLOCK = re.compile(r"(?:【用户图片中的文字】|\[Text in the user's image\])[^\n]*\n(.*?)\n\n", re.DOTALL)


class RoutedChatModel(ScriptedChatModel):
    """ScriptedChatModel whose reply is chosen by words of the question, so tests need not run in order."""

    routes: list[tuple[str, str]] = Field(default_factory=list)
    slow_key: str = "slowly"  # questions with this word stream at `slow_s` per word
    slow_s: float = 0.25
    word_s: float = 0.0  # every other answer's pace: a little, so a browser sees it stream

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        prompt = str(messages[-1].content)
        question = re.split(r"【问题】|\[Question\]", prompt)[-1].lower()
        # The text the turn read from the user's image comes before the sources, as its own block.
        shown = IMAGE_BLOCK.search(prompt)
        heard = question + (shown.group(1).lower() if shown else "")
        squashed = re.sub(r"\s+", "", heard)  # OCR and speech recognition may join or split words
        reply = next(
            (r for keys, r in self.routes if any(k.replace(" ", "") in squashed for k in keys.split("|"))),
            "I cannot say. [1]",
        )
        self.replies = [reply]
        pause = self.slow_s if self.slow_key in question else self.word_s
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            if pause:
                time.sleep(pause)
            yield chunk


@contextlib.contextmanager
def isolated_environment(root: Path) -> Iterator[None]:
    """No ADVISOR_ variable or config file of the developer's reaches a module-scoped server."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("ADVISOR_")}
    for key in saved:
        del os.environ[key]
    os.environ["ADVISOR_CONFIG_FILE"] = str(root / "no-config.toml")
    try:
        yield
    finally:
        os.environ.pop("ADVISOR_CONFIG_FILE", None)
        os.environ.update(saved)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(root: Path, **overrides: Any) -> Settings:
    with isolated_environment(root):
        settings = Settings(**{"data_dir": root / "data", **overrides})
    settings.ui.port = free_port()
    return settings


def build_library(settings: Settings, folder: Path) -> KnowledgeLibrary:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    library = KnowledgeLibrary(settings)
    report = ingest(library, sorted(folder.iterdir()), KB)
    assert not report.failed, report.failed
    return library


@dataclass
class Server:
    url: str
    settings: Settings
    advisor: Advisor
    app: Any

    def close(self) -> None:
        self.app.close()

    def require(self, *stages: str) -> None:
        """Fails the test when a stage does not load: `make setup` installs every packaged model, so a
        missing one is a broken install to see, not a skip to pass over."""
        for stage in stages:
            try:
                getattr(self.advisor.stages, stage).get()
            except Exception as exc:
                pytest.fail(f"the {stage} stage does not load ({exc}); `make setup` installs it")


def start(settings: Settings, advisor: Advisor, **launch_options: Any) -> Server:
    app = build_app(settings, advisor)
    launch(app, settings, prevent_thread_lock=True, quiet=True, **launch_options)
    return Server(f"http://127.0.0.1:{settings.ui.port}/", settings, advisor, app)


def scripted_server(root: Path, word_s: float = 0.0, **overrides: Any) -> Server:
    settings = make_settings(root, **overrides)
    library = build_library(settings, root / "docs")
    advisor = Advisor(settings, library=library, llm=RoutedChatModel(routes=ROUTES, word_s=word_s))
    return start(settings, advisor)


# -- test material: a picture of a question, a spoken question ------------------------------------------------
def dejavu_font() -> Path:
    """DejaVu Sans, which `make setup` installs (Debian fonts-dejavu-core); the test fails without it."""
    font_file = next(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"), None)
    if font_file is None:
        pytest.fail("no DejaVu Sans to draw test pictures: `make setup` installs fonts-dejavu-core")
    return font_file


def picture_of(text: str, path: Path) -> Path:
    """`text` drawn black on white in DejaVu Sans."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = dejavu_font()
    font = ImageFont.truetype(str(font_file), 40)
    image = Image.new("RGB", (1100, 140), "white")
    ImageDraw.Draw(image).text((30, 45), text, fill="black", font=font)
    image.save(path)
    return path


def spoken(text: str, path: Path, settings: Settings) -> Path:
    """`text` read by the packaged English voice, as a WAV file."""
    from advisor.tts import create_tts
    from ui.chat import wav_bytes

    chunks = list(create_tts(settings).synthesize(text, "en"))
    audio = AudioChunk(b"".join(c.audio for c in chunks), chunks[0].sample_rate, text)
    path.write_bytes(wav_bytes(audio))
    return path
