"""The conversation mode's place on the Chat tab: a start and an end button, a live panel, and two hidden
helpers (the ticket the socket is opened with, a button the browser presses to redraw the chat).
Its behaviour is ui/voice.js in the browser and ui.voice_events on the server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ui.i18n import LANGUAGES, t

# Only one of the two buttons shows: their row carries "voice-on" while a conversation is open. (Gradio
# puts the page's CSS under its container, so a rule cannot start from <body>.)
VOICE_CSS = """
#voice-end { display: none; }
#voice-row.voice-on #voice-start { display: none; }
#voice-row.voice-on #voice-end { display: inline-flex; }
#voice-panel:empty, #voice-panel .voice-box:empty { display: none; }
#voice-panel .voice-box { padding: 0.4rem 0.8rem; border-radius: var(--radius-lg);
  background: var(--color-accent-soft); }
#voice-panel .voice-state { font-weight: 600; }
#voice-panel .voice-answer { white-space: pre-wrap; }
"""
# What the browser says, in both languages; ui/voice.js picks the page's.
JS_TEXTS = (
    "voice_listening",
    "voice_hearing",
    "voice_answering",
    "voice_ended",
    "voice_no_mic",
    "voice_refused",
    "voice_busy",
    "voice_lost",
    "voice_idle",
    "voice_time_limit",
    "voice_frame",
    "voice_interrupted",
)
JS_FILE = Path(__file__).with_name("voice.js")


@dataclass
class VoiceParts:
    start: Any  # opens the conversation: the server issues a ticket, the browser opens the socket
    end: Any
    panel: Any  # filled by the browser: state, what is heard, the answer so far (as text)
    ticket: Any  # hidden: the one-time ticket, read by the browser
    refresh: Any  # hidden: pressed by the browser after each turn; redraws the chat from the store


def build_voice(txt: Any) -> VoiceParts:
    """Lay the parts out where they are called, inside the Chat tab; `txt`: the page's ui.layout.Texts."""
    with gr.Row(equal_height=True, elem_id="voice-row"):
        start = txt(
            gr.Button(txt["voice_start"], size="sm", scale=0, min_width=200, elem_id="voice-start"),
            value="voice_start",
        )
        end = txt(
            gr.Button(
                txt["voice_end"], size="sm", variant="stop", scale=0, min_width=200, elem_id="voice-end"
            ),
            value="voice_end",
        )
        panel = gr.HTML("", elem_id="voice-panel")
    ticket = gr.Textbox(visible="hidden", elem_id="voice-ticket")
    refresh = gr.Button(visible="hidden", elem_id="voice-refresh")
    return VoiceParts(start, end, panel, ticket, refresh)


def voice_js() -> str:
    """ui/voice.js applied to its texts: a statement for the page's load script."""
    texts = {key: {lang: t(lang, key) for lang in LANGUAGES} for key in JS_TEXTS}
    return f"({JS_FILE.read_text(encoding='utf-8').strip()})({json.dumps(texts, ensure_ascii=False)});"
