"""The advisor's page as a headless Chromium sees it: what a test does and reads there, by name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
WAIT_MS = 120_000  # an upper bound for a wait, never a measure: the machine may be slow and busy
expect.set_options(timeout=WAIT_MS)

# Records every text the chat shows, so a test can tell that an answer streamed in pieces.
WATCH_CHAT = """() => {
  window.__chat = [];
  const chat = document.querySelector('#chatbot');
  new MutationObserver(() => window.__chat.push(chat.innerText))
    .observe(chat, {subtree: true, childList: true, characterData: true});
}"""


class ChatPage:
    def __init__(self, browser: Browser, url: str, artifacts: Path, locale: str, name: str) -> None:
        # Tall enough for the whole page: a full-page screenshot resizes it, which folds the sources away.
        self.context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1250})
        self.page: Page = self.context.new_page()
        self.url, self.artifacts, self.name = url, artifacts, name
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.set_default_timeout(WAIT_MS)
        self.shots: list[Path] = []

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def close(self) -> None:
        self.context.close()

    # -- navigation -----------------------------------------------------------------------------------------
    def open(self) -> ChatPage:
        """Load the page and wait until its load events have run (they mark the title "ready")."""
        self.page.goto(self.url)
        expect(self.page.locator("#advisor-title.ready")).to_be_visible()
        expect(self.page.locator("#chatbot")).to_be_visible()
        return self

    def tab(self, label: str) -> None:
        self.page.get_by_role("tab", name=re.compile(re.escape(label))).click()

    def shot(self, step: str) -> Path:
        path = self.artifacts / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), animations="disabled")  # transitions finished, not mid-way
        self.shots.append(path)
        return path

    # -- chat ---------------------------------------------------------------------------------------------------
    @property
    def question(self) -> Locator:
        return self.page.locator("#question")

    def ask(self, text: str = "", files: Sequence[Path] = ()) -> None:
        """Send a question and wait until the page shows it (the turn has begun)."""
        self.page.evaluate(WATCH_CHAT)
        asked = self.page.locator("#chatbot .message.user").count()
        if files:
            self.question.locator("input[type=file]").set_input_files([str(f) for f in files])
            expect(self.question.locator(".thumbnail-item")).to_have_count(len(files))
        if text:
            self.question.locator("textarea").fill(text)
        self.question.locator("[data-testid=submit-button]").click()
        self.page.wait_for_function(
            "(n) => document.querySelectorAll('#chatbot .message.user').length > n", arg=asked
        )

    def wait_idle(self) -> None:
        """Until the turn has ended: the submit button is back in place of stop."""
        expect(self.question.locator("[data-testid=submit-button]")).to_be_visible()
        expect(self.question.locator(".stop-button")).to_have_count(0)

    def bot_text(self) -> str:
        return self.page.locator("#chatbot .message.bot").evaluate_all(
            "(nodes) => nodes.map((n) => n.innerText).join('\\n')"
        )

    def wait_for_chat(self, text: str) -> None:
        expect(self.page.locator("#chatbot")).to_contain_text(text)

    def seen_texts(self) -> list[str]:
        return list(self.page.evaluate("() => window.__chat || []"))

    def open_sources(self) -> Locator:
        """Expand the last answer's sources block; returns it, open."""
        block = self.page.locator("#chatbot .thought-group").filter(has_text="📚").last
        block.locator(".title").click()
        expect(block.locator(".title")).to_have_class(re.compile(r"\bexpanded\b"))
        expect(block.locator("blockquote").first).to_be_visible()
        return block

    def input_text(self) -> str:
        return self.question.locator("textarea").input_value()
