"""The page's components and their look, without behaviour: a conversations sidebar, then tabs for Chat,
Knowledge bases and Status. Every fixed text is registered with `Texts`, so the language can switch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.i18n import LANGUAGE_CHOICES, LANGUAGES, t
from ui.views import Views
from ui.voice_page import VOICE_CSS, VoiceParts, build_voice, voice_js

CSS = (
    """
#advisor-title h1 { margin-bottom: 0; }
#advisor-subtitle p { color: var(--body-text-color-subdued); margin-top: 0.25rem; }
#advisor-badge { padding: 0.4rem 0.8rem; border-radius: var(--radius-lg);
  background: var(--color-accent-soft); }
#advisor-badge p { margin: 0; }
#kb-note, #chat-note { min-height: 1.5rem; }
#chatbot .message-row img { max-width: min(100%, 420px); max-height: 280px; object-fit: contain; }
"""
    + VOICE_CSS
)
# Gradio's own client-side messages, which it shows in English only, and what the page says instead.
GRADIO_MESSAGES = {
    "This application is currently busy": "err_busy",  # the queue is full
    "Connection errored out": "err_connection",
}
_PAGE_JS = """() => {
  const said = %s;
  const language = () => {
    const chosen = document.querySelector('#lang input:checked');
    const label = chosen ? (chosen.closest('label') || chosen.parentElement).innerText.trim() : '';
    return chosen && (chosen.value === 'zh' || label === '中文') ? 'zh' : 'en';
  };
  const fix = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (const [gradio, ours] of said) {
        if (node.nodeValue.includes(gradio)) node.nodeValue = ours[language()];
      }
    }
  };
  new MutationObserver((changes) => changes.forEach((change) => fix(change.target)))
    .observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def page_js() -> str:
    """Runs once on page load: shows Gradio's English-only messages (server busy, connection lost) in the
    page's language, as plain text; sets up the conversation mode (ui/voice.js)."""
    said = [[gradio, {lang: t(lang, key) for lang in LANGUAGES}] for gradio, key in GRADIO_MESSAGES.items()]
    messages = _PAGE_JS % json.dumps(said, ensure_ascii=False)
    return f"() => {{\n  ({messages})();\n  {voice_js()}\n}}"


SYSTEM_FONTS = [
    "ui-sans-serif",
    "system-ui",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Microsoft YaHei",
    "sans-serif",
]


def theme() -> gr.themes.Base:
    """System fonts only: the page loads nothing from a font CDN."""
    return gr.themes.Soft(
        primary_hue="teal", secondary_hue="sky", font=SYSTEM_FONTS, font_mono=["ui-monospace", "monospace"]
    )


class Texts:
    """Components whose fixed texts follow the interface language: (component, {prop: i18n key})."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.items: list[tuple[Any, dict[str, str]]] = []

    def __call__(self, component: Any, **props: str) -> Any:
        self.items.append((component, props))
        return component

    def __getitem__(self, key: str) -> str:
        return t(self.lang, key)

    @property
    def components(self) -> list[Any]:
        return [c for c, _ in self.items]

    def updates(self, lang: str) -> list[Any]:
        out = []
        for _, props in self.items:
            values: dict[str, Any] = {prop: t(lang, key) for prop, key in props.items()}
            out.append(gr.update(**values))
        return out


@dataclass
class Page:
    texts: Texts
    # sidebar
    new_chat: Any
    conversations: Any
    rename_box: Any
    rename_btn: Any
    delete_btn: Any
    confirm_chat_row: Any
    confirm_chat_btn: Any
    cancel_chat_btn: Any
    chat_note: Any
    # header
    title: Any
    lang: Any
    owner: Any  # the browser's owner token (ui.owner), kept in its localStorage
    # chat
    domain: Any
    kb_filter: Any
    speech: Any
    badge: Any
    chatbot: Any
    question: Any
    audio: Any
    voice: VoiceParts  # the conversation mode (ui.voice_page)
    # knowledge bases
    kb_tab: Any
    kb_select: Any
    kb_stats: Any
    kb_docs: Any
    kb_note: Any
    kb_files: Any
    kb_upload: Any
    kb_new: Any
    kb_create: Any
    kb_doc: Any
    kb_delete_doc: Any
    kb_rebuild: Any
    kb_delete: Any
    confirm_kb_row: Any
    confirm_kb_btn: Any
    cancel_kb_btn: Any
    # status
    status_tab: Any
    status: Any
    status_refresh: Any


def build_page(views: Views, lang: str, speech_ok: bool, owner_secret: str) -> Page:
    """Lay the page out; call inside `gr.Blocks()`. Texts start in `lang`; the page load may switch them."""
    txt = Texts(lang)
    # No default: the page load gives a browser without a token a fresh one (ui.owner.ensure_token).
    owner = gr.BrowserState(None, storage_key="advisor-owner", secret=owner_secret)
    with gr.Sidebar(label=txt["sidebar"], open=True) as sidebar:
        txt(sidebar, label="sidebar")
        new_chat = txt(gr.Button(txt["new_chat"], variant="primary", elem_id="new-chat"), value="new_chat")
        # Filled on page load, so the API description lists nobody's conversations.
        conversations = gr.Radio([], value=None, label=txt["conversations"], elem_id="conversations")
        rename_box = txt(
            gr.Textbox(label=txt["rename"], placeholder=txt["rename_placeholder"], max_length=80),
            label="rename",
            placeholder="rename_placeholder",
        )
        with gr.Row():
            rename_btn = txt(gr.Button(txt["rename_btn"], size="sm"), value="rename_btn")
            delete_btn = txt(gr.Button(txt["delete_chat"], size="sm", variant="stop"), value="delete_chat")
        with gr.Row(visible=False) as confirm_chat_row:
            confirm_chat_btn = txt(
                gr.Button(txt["confirm_delete_chat"], size="sm", variant="stop"), value="confirm_delete_chat"
            )
            cancel_chat_btn = txt(gr.Button(txt["cancel"], size="sm"), value="cancel")
        chat_note = gr.Markdown(elem_id="chat-note")

    with gr.Row(equal_height=True):
        title = gr.Markdown(f"# {txt['title']}", elem_id="advisor-title")
        lang_radio = gr.Radio(
            LANGUAGE_CHOICES, value=lang, label=t("zh", "language"), scale=0, min_width=220, elem_id="lang"
        )
    txt(gr.Markdown(txt["subtitle"], elem_id="advisor-subtitle"), value="subtitle")

    with gr.Tabs():
        with gr.Tab(txt["tab_chat"], id="chat") as chat_tab:
            txt(chat_tab, label="tab_chat")
            with gr.Row(equal_height=True):
                domain = gr.Dropdown(
                    views.advisor_choices(lang),
                    value="general",
                    label=txt["advisor"],
                    scale=2,
                    elem_id="advisor-choice",
                )
                kb_filter = txt(
                    gr.Dropdown(
                        views.admin.names(),
                        value=[],
                        multiselect=True,
                        allow_custom_value=True,
                        label=txt["search_in"],
                        info=txt["search_in_info"],
                        scale=2,
                        elem_id="kb-filter",
                    ),
                    label="search_in",
                    info="search_in_info",
                )
                speech = gr.Checkbox(
                    value=False,
                    label=txt["speech"],
                    info=txt["speech_info_ok" if speech_ok else "speech_info_off"],
                    interactive=speech_ok,
                    scale=1,
                    elem_id="speech",
                )
            badge = gr.Markdown(views.badge("general", lang), elem_id="advisor-badge")
            chatbot = txt(
                gr.Chatbot(
                    label=txt["chatbot"],
                    placeholder=txt["chat_placeholder"],
                    height=520,
                    sanitize_html=True,  # on top of ui.render, which never lets HTML through
                    render_markdown=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=None,
                    buttons=["copy"],
                    group_consecutive_messages=False,
                    allow_file_downloads=False,
                    elem_id="chatbot",
                ),
                label="chatbot",
                placeholder="chat_placeholder",
            )
            question = txt(
                gr.MultimodalTextbox(
                    sources=["upload", "microphone"],
                    # No file_types: Gradio would refuse other files with its own English error; the
                    # handler refuses them in the page's language instead.
                    file_count="multiple",
                    placeholder=txt["input_placeholder"],
                    show_label=False,
                    stop_btn=False,  # shown in place of the submit button while a turn runs
                    max_plain_text_length=8000,
                    autofocus=True,
                    elem_id="question",
                ),
                placeholder="input_placeholder",
            )
            audio = txt(
                gr.Audio(
                    label=txt["audio_reply"],
                    streaming=True,
                    autoplay=True,
                    interactive=False,
                    buttons=[],
                    elem_id="reply-audio",
                ),
                label="audio_reply",
            )
            voice = build_voice(txt)

        with gr.Tab(txt["tab_kb"], id="kb") as kb_tab:
            txt(kb_tab, label="tab_kb")
            txt(gr.Markdown(txt["kb_intro"]), value="kb_intro")
            with gr.Row():
                with gr.Column(scale=3):
                    kb_select = txt(
                        gr.Dropdown(
                            views.admin.names(),
                            value=None,
                            allow_custom_value=True,  # checked by the handlers against the library
                            label=txt["kb_select"],
                            elem_id="kb-select",
                        ),
                        label="kb_select",
                    )
                    kb_stats = gr.Markdown(views.admin.stats(None, lang), elem_id="kb-stats")
                    kb_docs = gr.Dataframe(
                        views.documents(None, lang),
                        interactive=False,
                        max_height=420,
                        wrap=True,
                        column_widths=[
                            "30%",
                            "34%",
                            "12%",
                            "12%",
                            "12%",
                        ],  # room for "Language" and "Chunks" unbroken
                        elem_id="kb-docs",
                    )
                with gr.Column(scale=2):
                    kb_note = gr.Markdown(elem_id="kb-note")
                    with gr.Group():
                        # No file_types: a wrong file is refused per file, in plain words, and the rest
                        # of the batch still goes in.
                        kb_files = txt(
                            gr.File(
                                label=txt["kb_upload"],
                                file_count="multiple",
                                type="filepath",
                                height=150,
                                elem_id="kb-files",
                            ),
                            label="kb_upload",
                        )
                        kb_upload = txt(
                            gr.Button(txt["kb_upload_btn"], variant="primary", elem_id="kb-upload"),
                            value="kb_upload_btn",
                        )
                    with gr.Group():
                        kb_new = txt(
                            gr.Textbox(
                                label=txt["kb_new"],
                                placeholder=txt["kb_new_placeholder"],
                                max_length=64,
                                elem_id="kb-new",
                            ),
                            label="kb_new",
                            placeholder="kb_new_placeholder",
                        )
                        kb_create = txt(gr.Button(txt["kb_create"], elem_id="kb-create"), value="kb_create")
                    with gr.Group():
                        kb_doc = txt(
                            gr.Dropdown(
                                [], value=None, label=txt["kb_doc"], allow_custom_value=True, elem_id="kb-doc"
                            ),
                            label="kb_doc",
                        )
                        kb_delete_doc = txt(
                            gr.Button(txt["kb_delete_doc"], variant="stop", elem_id="kb-delete-doc"),
                            value="kb_delete_doc",
                        )
                    with gr.Row():
                        kb_rebuild = txt(
                            gr.Button(txt["kb_rebuild"], elem_id="kb-rebuild"), value="kb_rebuild"
                        )
                        kb_delete = txt(
                            gr.Button(txt["kb_delete_kb"], variant="stop", elem_id="kb-delete"),
                            value="kb_delete_kb",
                        )
                    with gr.Row(visible=False) as confirm_kb_row:
                        confirm_kb_btn = gr.Button(variant="stop", elem_id="kb-confirm-delete")
                        cancel_kb_btn = txt(gr.Button(txt["cancel"]), value="cancel")

        with gr.Tab(txt["tab_status"], id="status") as status_tab:
            txt(status_tab, label="tab_status")
            txt(gr.Markdown(txt["status_intro"]), value="status_intro")
            status = gr.Markdown(elem_id="status")
            status_refresh = txt(gr.Button(txt["status_refresh"], size="sm"), value="status_refresh")

    return Page(
        texts=txt,
        new_chat=new_chat,
        conversations=conversations,
        rename_box=rename_box,
        rename_btn=rename_btn,
        delete_btn=delete_btn,
        confirm_chat_row=confirm_chat_row,
        confirm_chat_btn=confirm_chat_btn,
        cancel_chat_btn=cancel_chat_btn,
        chat_note=chat_note,
        title=title,
        lang=lang_radio,
        owner=owner,
        domain=domain,
        kb_filter=kb_filter,
        speech=speech,
        badge=badge,
        chatbot=chatbot,
        question=question,
        audio=audio,
        voice=voice,
        kb_tab=kb_tab,
        kb_select=kb_select,
        kb_stats=kb_stats,
        kb_docs=kb_docs,
        kb_note=kb_note,
        kb_files=kb_files,
        kb_upload=kb_upload,
        kb_new=kb_new,
        kb_create=kb_create,
        kb_doc=kb_doc,
        kb_delete_doc=kb_delete_doc,
        kb_rebuild=kb_rebuild,
        kb_delete=kb_delete,
        confirm_kb_row=confirm_kb_row,
        confirm_kb_btn=confirm_kb_btn,
        cancel_kb_btn=cancel_kb_btn,
        status_tab=status_tab,
        status=status,
        status_refresh=status_refresh,
    )
