"""The conversation mode's server side on the page: the ticket for the voice socket, and redrawing the chat
from the conversation store after each spoken turn (so it reads exactly as a reopened conversation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from advisor.dialogue.advisor import Advisor
from ui.i18n import normalize
from ui.layout import Page
from ui.owner import owner_of
from ui.views import Views
from ui.voice_gate import Grant, VoiceGate

# The start button's click: the AudioContext is made inside the click (browsers let sound start only
# from a user's gesture), then the inputs go on to the server unchanged.
PREPARE_JS = "(...inputs) => { window.advisorVoice && window.advisorVoice.prepare(); return inputs; }"
START_JS = "(ticket) => { window.advisorVoice && window.advisorVoice.start(ticket); }"
END_JS = "() => { window.advisorVoice && window.advisorVoice.end(); }"


class VoiceEvents:
    def __init__(
        self, advisor: Advisor, views: Views, gate: VoiceGate, open_conversation: Callable[..., Any]
    ) -> None:
        self.advisor, self.views, self.gate = advisor, views, gate
        self.store = advisor.conversations
        self.open_conversation = open_conversation  # ui.chat_events.ChatEvents.open_conversation

    def ticket(
        self,
        session_id: str | None,
        domain: str | None,
        kbs: list[str] | None,
        lang: str,
        token: str | None,
        request: gr.Request,
    ) -> tuple[str, Any]:
        """A one-time ticket for the socket, for the owner's current conversation (a new one if none).
        An empty ticket (no owner: nothing could be saved) makes the browser say it cannot start."""
        lang = normalize(lang)
        owner = owner_of(token, request)
        if owner is None:
            return "", gr.skip()
        listing: Any = gr.skip()
        if not session_id or not self.store.exists(session_id, owner):
            session_id = self.store.create(advisor=domain or "general", owner=owner)
            listing = gr.update(choices=self.views.conversation_choices(lang, owner), value=session_id)
        known = set(self.advisor.library.names())
        grant = Grant(
            owner=owner,
            session_id=session_id,
            domain=domain if domain and domain != "general" else None,
            kbs=[kb for kb in kbs or [] if kb in known] or None,
            language=lang,
        )
        return self.gate.issue(grant), listing

    def refresh(self, session_id: str | None, lang: str, token: str | None, request: gr.Request) -> Any:
        """The chat as the store holds it, and the conversation list (a spoken turn may have named it)."""
        shown = self.open_conversation(session_id, lang, token, request)
        owner = owner_of(token, request)
        choices = self.views.conversation_choices(normalize(lang), owner)
        return (shown[0], gr.update(choices=choices, value=session_id)) if owner else (shown[0], gr.skip())

    def wire(self, page: Page) -> None:
        p, v = page, page.voice
        v.start.click(
            self.ticket,
            [p.conversations, p.domain, p.kb_filter, p.lang, p.owner],
            [v.ticket, p.conversations],
            js=PREPARE_JS,
            api_visibility="private",
            queue=False,  # a ticket costs nothing; it must not wait behind an answer
        ).then(None, v.ticket, None, js=START_JS, api_visibility="private")
        v.end.click(None, None, None, js=END_JS, api_visibility="private")
        v.refresh.click(
            self.refresh,
            [p.conversations, p.lang, p.owner],
            [p.chatbot, p.conversations],
            api_visibility="private",
            queue=False,
        )
