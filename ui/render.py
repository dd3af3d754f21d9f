"""Turn events into chat messages (Gradio's messages format), as pure functions.

Everything the model writes and everything retrieved from a document is untrusted: it is rendered so that
no HTML or script can run and nothing is fetched. Model answers keep their Markdown (bold, lists, tables)
but lose raw HTML (escaped), images (never rendered) and every link that is not a plain http(s) link.
Retrieved text, transcripts and image text are shown as plain text (every Markdown character escaped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from advisor.events import Event, ImageText, Notice, Source, Sources, TextDelta, Transcript, TurnEnd
from ui.i18n import t

ChatMessage = dict[str, Any]

SNIPPET_CHARS = 240
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
# An inline link: [label](destination "title"), the destination allowing one level of parentheses.
# Only a plain absolute http(s) destination is kept; any other link keeps its label alone.
_LINK = re.compile(
    r"\[([^\[\]\n]{1,300})\]\(\s*([^\s()]{0,2000}(?:\([^\s()]{0,200}\)[^\s()]{0,200}){0,4})\s*(?:\"[^\"\n]{0,200}\"\s*)?\)"
)
_LOCAL_PATH = re.compile(r"^(?:/|[A-Za-z]:[\\/]|\\\\|file:)")
_SCRIPT_SCHEME = re.compile(r"(?:java|vb)\s*script\s*:", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:@])")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def safe_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) URL with a host; None for anything else."""
    url = _clean(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in url for ch in " <>\"'`\\"):
        return None
    return url


def safe_markdown(text: str) -> str:
    """Model output as Markdown that cannot run script, embed HTML, load an image or link anywhere but http(s).

    Raw HTML is escaped (`<` and `&` become entities, so a tag, an event handler or an entity-encoded
    `javascript:` is plain text); every `[` and `]` is escaped except those of an inline link to an
    http(s) URL, so images (`![x](...)`), reference links, autolinks and `javascript:` / `data:` / relative
    links cannot form. A link to anything else keeps only its text.
    """
    text = _SCRIPT_SCHEME.sub("", _escape_html(_clean(text)))
    out: list[str] = []
    pos = 0
    for match in _LINK.finditer(text):
        out.append(_escape_brackets(text[pos : match.start()]))
        label, url = match.group(1), match.group(2)
        start = match.start()
        if start > 0 and text[start - 1] == "!":
            # An image: never rendered, shown as its alt text.
            out.append(_escape_brackets(label))
        elif safe_url(url.replace("&amp;", "&")):
            label = label.replace("\\", "\\\\")
            out.append(f"[{label}]({url})")
        else:
            out.append(_escape_brackets(label))
        pos = match.end()
    out.append(_escape_brackets(text[pos:]))
    return "".join(out)


def _escape_brackets(text: str) -> str:
    # Backslashes first: a model's `\[` must not turn an escaped bracket back into a real one.
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def plain(text: str, keep_lines: bool = True) -> str:
    """Any text shown exactly as written: every Markdown and HTML character neutralised."""
    text = _clean(text)
    if not keep_lines:
        text = " ".join(text.split())
    lines = [_MD_SPECIAL.sub(r"\\\1", line.strip()) for line in text.split("\n")]
    return _escape_html("\n".join(lines)).strip()


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(_clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# -- messages ------------------------------------------------------------------------------------------------
def user_message(text: str) -> ChatMessage:
    return {"role": "user", "content": plain(text)}


def user_file_message(path: str, alt_text: str = "") -> ChatMessage:
    return {"role": "user", "content": {"path": path, "alt_text": alt_text}}


def answer_message(text: str) -> ChatMessage:
    return {"role": "assistant", "content": safe_markdown(text)}


def notice_message(level: str, message: str, lang: str) -> ChatMessage:
    key = {"error": "notice_error", "warning": "notice_warning"}.get(level, "notice_info")
    return {"role": "assistant", "content": t(lang, key, message=plain(message))}


def error_message(message: str, lang: str) -> ChatMessage:
    return notice_message("error", message, lang)


def transcript_message(text: str, lang: str) -> ChatMessage:
    return {"role": "user", "content": t(lang, "transcript", text=plain(text))}


def image_text_message(image: ImageText, lang: str) -> ChatMessage:
    parts = []
    if image.description.strip():
        parts.append(f"*{plain(image.description, keep_lines=False)}*")
    parts.append(plain(image.text) if image.text.strip() else t(lang, "image_no_text"))
    return {
        "role": "assistant",
        "content": "\n\n".join(parts),
        "metadata": {"title": t(lang, "image_text_title"), "status": "done"},
    }


def _source_dict(item: Source | Mapping[str, Any]) -> dict[str, Any]:
    return item.as_dict() if isinstance(item, Source) else dict(item)


def sources_message(
    items: Sequence[Source | Mapping[str, Any]], lang: str, advisor_name: str = ""
) -> ChatMessage | None:
    """A collapsed block under the answer: per source its number, title, knowledge base, score, snippet.

    Its title counts the sources and names the advisor that answered, when given.
    """
    if not items:
        return None
    blocks = []
    for raw in items:
        item = _source_dict(raw)
        title = plain(str(item.get("title") or item.get("document") or ""), keep_lines=False)
        kb = plain(str(item.get("kb", "")), keep_lines=False)
        score = float(item.get("score") or 0.0)
        head = (
            f"**\\[{int(item.get('n', 0))}\\] {title}** · {t(lang, 'source_kb', kb=kb)}"
            f" · {t(lang, 'source_score', score=f'{score:.3f}')}"
        )
        lines = [head, f"> {plain(snippet(str(item.get('text', ''))), keep_lines=False)}"]
        reference = str(item.get("source") or "")
        if _LOCAL_PATH.match(reference):
            reference = ""  # where an upload was ingested from: a server path, of no use to the reader
        url = safe_url(reference)
        if url:
            link = f"[{plain(snippet(url, 80), keep_lines=False)}]({url})"
            lines.append(t(lang, "source_ref", ref=link))
        elif reference:
            lines.append(t(lang, "source_ref", ref=plain(snippet(reference, 120), keep_lines=False)))
        blocks.append("\n\n".join(lines))
    title = t(lang, "sources_title", n=len(items))
    if advisor_name:
        title += " · " + t(lang, "answered_by", name=advisor_name)
    return {
        "role": "assistant",
        "content": "\n\n---\n\n".join(blocks),
        "metadata": {"title": title, "status": "done"},
    }


# -- one turn, as it streams --------------------------------------------------------------------------------
@dataclass
class TurnView:
    """What one turn shows so far, rebuilt from its events: notices, the answer, then its sources."""

    lang: str
    advisor_names: Mapping[str, str] = field(default_factory=dict)  # domain -> the advisor's name
    reading_image: bool = False  # an image was sent with the question: say so until its text arrives
    listening: bool = False  # a recording was sent: say so until its transcript arrives
    transcript: str = ""
    image: ImageText | None = None
    answer: str = ""
    sources: tuple[Source, ...] = ()
    domain: str = ""
    notices: list[tuple[str, str]] = field(default_factory=list)
    end: TurnEnd | None = None
    stopped: bool = False

    def apply(self, event: Event) -> bool:
        """Take one event; True when what the page shows changed."""
        if isinstance(event, TextDelta):
            self.answer = event.text if event.replace else self.answer + event.text
            return True
        if isinstance(event, Sources):
            self.sources = tuple(event.items)
            self.domain = event.domain
            return False  # shown under the answer once the answer starts
        if isinstance(event, ImageText):
            self.image = event
            return True
        if isinstance(event, Transcript):
            self.transcript, self.listening = event.text, False
            return True
        if isinstance(event, Notice):
            self.notices.append((event.level, event.message))
            if event.level == "error":
                self.reading_image = False  # the image could not be read: the notice says why
            return True
        if isinstance(event, TurnEnd):
            self.end = event
            if event.answer.strip():
                self.answer = event.answer  # the answer as saved: what a reload shows
            return True
        return False

    def messages(self) -> list[ChatMessage]:
        out: list[ChatMessage] = []
        if self.transcript:
            out.append(transcript_message(self.transcript, self.lang))
        elif self.listening and self.end is None and not self.stopped:
            return [user_message(t(self.lang, "transcribing"))]
        self.listening = False  # the recording could not be heard: the notice says why
        if self.image is not None:
            out.append(image_text_message(self.image, self.lang))
        elif self.reading_image and self.end is None and not self.stopped:
            out.append({"role": "assistant", "content": t(self.lang, "reading_image")})
        out += [notice_message(level, message, self.lang) for level, message in self.notices]
        answer = self.answer
        if answer.strip() in {message.strip() for level, message in self.notices if level == "error"}:
            answer = ""  # a turn that ended on an error says it once, as the notice
        if self.stopped:
            answer = f"{answer.rstrip()} {t(self.lang, 'stopped')}".strip()
        if answer.strip():
            out.append(answer_message(answer))
        elif self.end is None and not self.stopped and (self.image is not None or not self.reading_image):
            out.append({"role": "assistant", "content": t(self.lang, "thinking")})
        if answer.strip():
            block = sources_message(self.sources, self.lang, self.advisor_names.get(self.domain, ""))
            if block:
                out.append(block)
        return out


def render_turn(
    events: Iterable[Event], lang: str, advisor_names: Mapping[str, str] | None = None
) -> list[ChatMessage]:
    """All of a finished turn's messages: what the page shows once the last event has arrived."""
    view = TurnView(lang, dict(advisor_names or {}))
    for event in events:
        view.apply(event)
    return view.messages()


def input_messages(transcript: Transcript | None, typed: str, lang: str) -> list[ChatMessage]:
    out = []
    if typed.strip():
        out.append(user_message(typed))
    if transcript is not None:
        out.append(transcript_message(transcript.text, lang))
    return out


def history_messages(
    messages: Iterable[Any], lang: str, advisor_names: Mapping[str, str] | None = None
) -> list[ChatMessage]:
    """A saved conversation (advisor.dialogue.history.Message rows) as chat messages."""
    names = advisor_names or {}
    out: list[ChatMessage] = []
    for message in messages:
        if message.role == "user":
            out.append(user_message(message.content))
        else:
            out.append(answer_message(message.content))
            name = names.get(str(message.extra.get("domain", "")), "")
            block = sources_message(message.extra.get("sources") or [], lang, name)
            if block:
                out.append(block)
    return out
