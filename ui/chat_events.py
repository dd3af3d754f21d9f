"""The Chat tab's behaviour: a question in (typed, spoken or shown), the streamed answer out with its
sources and speech, stop; and the conversations sidebar: new, open, rename, delete, choose an advisor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from advisor.dialogue.advisor import Advisor
from advisor.events import AudioChunk
from ui import render
from ui.chat import ChatSession, InputError, can_speak, sort_files, wav_bytes
from ui.i18n import normalize, t
from ui.layout import Page
from ui.owner import owner_of
from ui.views import Views

log = logging.getLogger(__name__)

PAUSE_AUDIO_JS = "() => { document.querySelectorAll('audio').forEach((a) => a.pause()); }"
SPEECH_TOGGLE_JS = (
    "(on) => { if (!on) { document.querySelectorAll('audio').forEach((a) => a.pause()); } return on; }"
)
Update = tuple[Any, Any, Any, Any]  # chat, input box, audio chunk, conversation list


# Fresh update dicts each time: Gradio consumes the ones it is given.
def busy() -> Any:
    """While a turn runs the input is cleared and a stop button takes the submit button's place."""
    return gr.update(value={"text": "", "files": []}, submit_btn=False, stop_btn=True)


def idle() -> Any:
    return gr.update(submit_btn=True, stop_btn=False)


class ChatEvents:
    def __init__(self, advisor: Advisor, views: Views) -> None:
        self.advisor, self.views = advisor, views
        self.store = advisor.conversations
        self.chat = ChatSession(advisor)

    # -- one question ---------------------------------------------------------------------------------------
    def respond(
        self,
        message: dict[str, Any] | None,
        history: list[dict[str, Any]] | None,
        session_id: str | None,
        domain: str | None,
        kbs: list[str] | None,
        speak: bool,
        lang: str,
        token: str | None,
        request: gr.Request,
    ) -> Iterator[Update]:
        """The chat handler. Every failure ends as a message in plain words, never a stack trace."""
        lang = normalize(lang)
        shown = list(history or [])
        key = request.session_hash or "api"
        owner = owner_of(token, request)
        try:
            yield from self._answer(message, shown, session_id, domain, kbs, speak, lang, key, owner)
        except InputError as exc:
            yield [*shown, render.error_message(str(exc), lang)], idle(), gr.skip(), gr.skip()
        except Exception:
            log.exception("the chat handler failed")
            yield [*shown, render.error_message(t(lang, "err_internal"), lang)], idle(), gr.skip(), gr.skip()

    def _answer(
        self,
        message: dict[str, Any] | None,
        shown: list[dict[str, Any]],
        session_id: str | None,
        domain: str | None,
        kbs: list[str] | None,
        speak: bool,
        lang: str,
        key: str,
        owner: str | None,
    ) -> Iterator[Update]:
        text = str((message or {}).get("text") or "")
        attached = sort_files(list((message or {}).get("files") or []), lang)
        if not text.strip() and attached.image is None and attached.audio is None:
            raise InputError(t(lang, "err_empty"))
        if attached.image is not None:
            self.chat.check_vision(lang)  # before a recording is transcribed for nothing
        if text.strip():
            shown.append(render.user_message(text))
        if attached.image is not None:
            shown.append(render.user_file_message(str(attached.image)))
        question = text.strip()

        # Only the owner's conversation is continued; anything else starts a new one. A request without
        # an owner (an API client that sent no browser token) is answered but not saved.
        listing: Any = gr.skip()
        if owner is None:
            session_id = None
        elif not session_id or not self.store.exists(session_id, owner):
            session_id = self.store.create(advisor=domain or "general", owner=owner)
            listing = gr.update(choices=self.views.conversation_choices(lang, owner), value=session_id)
        saved = len(self.store.messages(session_id)) if session_id else 0
        known = set(self.advisor.library.names())
        only = [kb for kb in kbs or [] if kb in known] or None
        chosen = domain if domain and domain != "general" else None
        view = render.TurnView(
            lang,
            self.views.advisor_names(lang),
            reading_image=attached.image is not None,
            listening=attached.audio is not None,
        )
        yield [*shown, *view.messages()], busy(), gr.skip(), listing

        controls = self.chat.begin(key)
        turn = self.advisor.turn(
            question,
            session_id,
            only,
            chosen,
            image=attached.image,
            language_hint=lang,
            audio=attached.audio,
            speak=bool(speak) and can_speak(self.advisor),
            control=controls,
        )
        try:
            for event in turn:
                audio: Any = gr.skip()  # no audio stream opens until there is audio to play
                if isinstance(event, AudioChunk):
                    audio = wav_bytes(event)
                elif not view.apply(event):
                    continue
                yield [*shown, *view.messages()], gr.skip(), audio, gr.skip()
        except Exception:  # what was shown stays, with the error under it
            log.exception("the turn failed")
            view.notices.append(("error", t(lang, "err_internal")))
        finally:
            self.chat.end(key, controls)
        question = f"{view.transcript} {question}".strip()  # as the turn joins them
        if view.end is None and controls.stopped_by_user:
            view.stopped = True
            if session_id:
                self._keep_stopped_turn(session_id, saved, question, view)
        if session_id and not saved and not question and view.image is not None:
            self._title_from_image(session_id, view.image.text)
        listing = (
            gr.update(choices=self.views.conversation_choices(lang, owner), value=session_id)
            if owner is not None
            else gr.skip()
        )
        yield [*shown, *view.messages()], idle(), gr.skip(), listing

    def _keep_stopped_turn(self, session_id: str, saved: int, question: str, view: render.TurnView) -> None:
        """A stopped answer is kept as far as it was shown, so the conversation reads as it happened."""
        if len(self.store.messages(session_id)) != saved or not view.answer.strip():
            return  # the advisor saved the turn itself, or nothing was said
        extra = {
            "query": question,
            "domain": view.domain,
            "sources": [s.as_dict() for s in view.sources],
            "stopped": True,
        }
        answer = f"{view.answer.rstrip()} {t(view.lang, 'stopped')}"
        self.store.append_turn(session_id, question, answer, extra)

    def _title_from_image(self, session_id: str, text: str) -> None:
        """A conversation begun with only a picture is named after the picture's words, not after the
        question the advisor asked on the user's behalf (the same for every picture)."""
        words = " ".join(text.split())
        if words and self.store.exists(session_id):
            self.store.rename(session_id, "🖼️ " + (words if len(words) <= 40 else words[:39] + "…"))

    def stop(self, request: gr.Request) -> Any:
        self.chat.stop(request.session_hash or "api")
        return idle()

    def speech_toggled(self, on: bool, request: gr.Request) -> None:
        if not on:
            self.chat.silence(request.session_hash or "api")

    # -- conversations: each handler sees only the requesting browser's (or user's) own ---------------------
    def _owned(self, session_id: str | None, token: str | None, request: gr.Request | None) -> str | None:
        """The session id when it exists and belongs to the requester; None otherwise."""
        owner = owner_of(token, request)
        if owner is None or not session_id or not self.store.exists(session_id, owner):
            return None
        return session_id

    def open_conversation(
        self, session_id: str | None, lang: str, token: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        session_id = self._owned(session_id, token, request)
        if session_id is None:
            return [], gr.skip(), gr.skip(), "", ""
        info = self.store.get(session_id)
        messages = render.history_messages(
            self.store.messages(session_id), lang, self.views.advisor_names(lang)
        )
        chosen = info.advisor if info.advisor in self.views.advisors else "general"
        return messages, chosen, self.views.badge(chosen, lang), info.title, ""

    def new_conversation(self, lang: str, token: str | None, request: gr.Request) -> tuple[Any, ...]:
        choices = self.views.conversation_choices(lang, owner_of(token, request))
        return gr.update(choices=choices, value=None), [], "", ""

    def rename(
        self, session_id: str | None, name: str, lang: str, token: str | None, request: gr.Request
    ) -> tuple[Any, str]:
        session_id = self._owned(session_id, token, request)
        if session_id is None:
            return gr.skip(), t(lang, "no_chat_selected")
        if not name.strip():
            return gr.skip(), t(lang, "empty_name")
        self.store.rename(session_id, name)
        choices = self.views.conversation_choices(lang, owner_of(token, request))
        return gr.update(choices=choices, value=session_id), t(lang, "renamed")

    def ask_delete(
        self, session_id: str | None, lang: str, token: str | None, request: gr.Request
    ) -> tuple[Any, str]:
        if self._owned(session_id, token, request) is None:
            return gr.update(visible=False), t(lang, "no_chat_selected")
        return gr.update(visible=True), ""

    def delete(
        self, session_id: str | None, lang: str, token: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        hide = gr.update(visible=False)
        session_id = self._owned(session_id, token, request)
        if session_id is None:
            return gr.skip(), gr.skip(), hide, t(lang, "no_chat_selected"), gr.skip()
        self.store.delete(session_id)
        choices = self.views.conversation_choices(lang, owner_of(token, request))
        return gr.update(choices=choices, value=None), [], hide, t(lang, "deleted_chat"), ""

    def choose_advisor(
        self, value: str | None, session_id: str | None, lang: str, token: str | None, request: gr.Request
    ) -> str:
        value = value if value in self.views.advisors else "general"
        session_id = self._owned(session_id, token, request)
        if session_id is not None:
            self.store.set_advisor(session_id, value)
        return self.views.badge(value, lang)

    # -- wiring -------------------------------------------------------------------------------------------------
    def wire(self, page: Page) -> None:
        """Attach the handlers to the page; call inside its `gr.Blocks()`."""
        p = page
        p.question.submit(
            self.respond,
            [p.question, p.chatbot, p.conversations, p.domain, p.kb_filter, p.speech, p.lang, p.owner],
            [p.chatbot, p.question, p.audio, p.conversations],
            api_name="chat",
            concurrency_limit=1,  # the language model answers one question at a time
            concurrency_id="advisor",
            show_progress="minimal",
        )
        # No `cancels`: the stop flag ends the turn within one event and the handler then finishes
        # normally, keeping what was shown; a cancel would race it and drop that last update.
        p.question.stop(self.stop, None, p.question, queue=False, js=PAUSE_AUDIO_JS, api_name="stop")
        p.speech.change(
            self.speech_toggled, p.speech, None, queue=False, js=SPEECH_TOGGLE_JS, api_visibility="private"
        )
        p.conversations.input(
            self.open_conversation,
            [p.conversations, p.lang, p.owner],
            [p.chatbot, p.domain, p.badge, p.rename_box, p.chat_note],
            api_name="open_conversation",
        )
        p.new_chat.click(
            self.new_conversation,
            [p.lang, p.owner],
            [p.conversations, p.chatbot, p.rename_box, p.chat_note],
            api_name="new_conversation",
        )
        # The chat's own clear (trash) button starts a new conversation too; the old one stays in the list.
        p.chatbot.clear(
            self.new_conversation,
            [p.lang, p.owner],
            [p.conversations, p.chatbot, p.rename_box, p.chat_note],
            api_visibility="private",
        )
        p.rename_btn.click(
            self.rename,
            [p.conversations, p.rename_box, p.lang, p.owner],
            [p.conversations, p.chat_note],
            api_name="rename",
        )
        p.delete_btn.click(
            self.ask_delete,
            [p.conversations, p.lang, p.owner],
            [p.confirm_chat_row, p.chat_note],
            api_visibility="private",
        )
        p.cancel_chat_btn.click(
            lambda: gr.update(visible=False), None, p.confirm_chat_row, api_visibility="private"
        )
        p.confirm_chat_btn.click(
            self.delete,
            [p.conversations, p.lang, p.owner],
            [p.conversations, p.chatbot, p.confirm_chat_row, p.chat_note, p.rename_box],
            api_name="delete_conversation",
        )
        p.domain.input(
            self.choose_advisor,
            [p.domain, p.conversations, p.lang, p.owner],
            p.badge,
            api_name="choose_advisor",
        )
