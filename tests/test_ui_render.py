"""The page's rendering of turn events into chat messages, as pure functions; untrusted text stays inert.

Rendered Markdown is checked by parsing it with a CommonMark parser that lets raw HTML through
(markdown-it-py's "commonmark" preset), so an escape that fails shows up as a live tag or link.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from advisor.config import REPO_ROOT
from advisor.dialogue.history import Message
from advisor.events import ImageText, Notice, Source, Sources, TextDelta, TurnEnd

if importlib.util.find_spec("ui") is None:  # until pyproject packages ui/ beside advisor/
    sys.path.insert(0, str(REPO_ROOT))

from ui import render

PAYLOADS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me]( javascript:alert(1) )",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](/file=/etc/passwd)",
    "![x](http://127.0.0.1:9/canary.png)",
    "![x][ref]\n\n[ref]: http://127.0.0.1:9/canary.png",
    "[ok][r]\n\n[r]: javascript:alert(1)",
    "<http://127.0.0.1:9/canary.png>",
    "<javascript:alert(1)>",
    "\\[x\\](javascript:alert(1))",
    "[x\\](javascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#106;avascript:alert(1)",
    "[a](&#106;avascript:alert(1))",
    '<svg onload="alert(1)">',
    "<iframe src=http://127.0.0.1:9/></iframe>",
    "<style>body{background:url(http://127.0.0.1:9/canary.png)}</style>",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
]

MD = MarkdownIt("commonmark")  # html=True: raw HTML passes straight through if our escaping fails


def html_of(markdown: str) -> str:
    return MD.render(markdown)


def assert_inert(rendered_html: str) -> None:
    lowered = rendered_html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "<svg" not in lowered and "<iframe" not in lowered and "<style" not in lowered
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", lowered), "an event handler attribute survived"
    for href in re.findall(r'href="([^"]*)"', rendered_html):
        assert html.unescape(href).lower().startswith(("http://", "https://")), href
    assert "127.0.0.1:9" not in "".join(re.findall(r'src="([^"]*)"', rendered_html))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_model_output_payloads_render_inert(payload: str) -> None:
    out = render.safe_markdown(f"Answer start. {payload} Answer end.")
    assert_inert(html_of(out))
    assert "Answer start." in out and "Answer end." in out


def test_javascript_links_lose_their_destination() -> None:
    out = render.safe_markdown("See [the guide](javascript:alert(1)) now")
    assert "javascript:" not in out
    assert "the guide" in out


def test_markdown_image_keeps_only_its_alt_text() -> None:
    out = render.safe_markdown("Look: ![a chart](http://127.0.0.1:9/canary.png)")
    assert "canary" not in out and "a chart" in out
    assert "<img" not in html_of(out)


def test_http_links_bold_and_lists_survive() -> None:
    out = render.safe_markdown("**Save first.** [1]\n\n- one\n- two\n\nSee [WHO](https://www.who.int/news).")
    rendered = html_of(out)
    assert "<strong>Save first.</strong>" in rendered
    assert "<li>one</li>" in rendered
    assert '<a href="https://www.who.int/news">WHO</a>' in rendered
    assert "[1]" in rendered, "citation markers stay visible as text"


def test_script_text_is_shown_not_run() -> None:
    rendered = html_of(render.safe_markdown("<script>alert('xss')</script>"))
    assert "&lt;script&gt;" in rendered


fragments = st.sampled_from(
    ["<", ">", "[", "]", "(", ")", "!", "\\", "&", "#", ";", ":", "`", '"', "'", "=", " ", "\n", "*",
     "javascript", "http://127.0.0.1:9/c.png", "img", "script", "onerror", "src", "href", "a", "x", "106"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(fragments, max_size=40).map("".join))
def test_no_fragment_soup_makes_live_html(text: str) -> None:
    assert_inert(html_of(render.safe_markdown(text)))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80))
def test_plain_text_shows_exactly_what_was_written(text: str) -> None:
    rendered = html_of(render.plain(text, keep_lines=False))
    assert_inert(rendered)
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert " ".join(visible.split()) == " ".join(render._clean(text).split())


def test_safe_url_allows_only_absolute_http() -> None:
    assert render.safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in [
        "javascript:alert(1)",
        "/file=/etc/passwd",
        "data:text/html,x",
        "http://",
        "ftp://x/y",
        "http://a b",
    ]:
        assert render.safe_url(bad) is None


def source(n: int, **kw: object) -> Source:
    values: dict[str, Any] = {
        "kb": "health",
        "source": "WHO fact sheet",
        "document": "salt.en.md",
        "title": "Salt",
        "text": "Eat less salt.",
    }
    values.update(kw)
    return Source(n=n, score=0.5, **values)


def test_sources_block_is_collapsed_and_lists_title_kb_score_and_snippet() -> None:
    block = render.sources_message(
        [source(1), source(2, title="Sleep", kb="wellbeing")], "en", "the Health Advisor"
    )
    assert block is not None
    assert block["metadata"] == {"title": "📚 Sources (2) · answered by the Health Advisor", "status": "done"}
    rendered = html_of(block["content"])
    assert "Salt" in rendered and "Sleep" in rendered and "wellbeing" in rendered
    assert "score: 0.500" in rendered and "Eat less salt." in rendered


def test_sources_block_escapes_retrieved_text_and_links_only_http_references() -> None:
    evil = source(
        1,
        title="<img src=x onerror=alert(1)>",
        text="![x](http://127.0.0.1:9/canary.png) <script>alert(1)</script>",
        kb="<b>kb</b>",
        source="javascript:alert(1)",
    )
    good = source(2, source="https://www.who.int/news/item/salt")
    block = render.sources_message([evil, good], "zh")
    assert block is not None
    rendered = html_of(block["content"])
    assert_inert(rendered)
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert '<a href="https://www.who.int/news/item/salt">' in rendered
    assert block["metadata"]["title"] == "📚 来源（2）"
    assert "知识库：health · 相关度：0.500" in rendered, "Chinese punctuation in a Chinese page"
    assert "出处：<a href=" in rendered


def test_long_snippets_are_cut() -> None:
    block = render.sources_message([source(1, text="word " * 500)], "en")
    assert block is not None and "…" in block["content"] and len(block["content"]) < 1000


def test_no_sources_no_block() -> None:
    assert render.sources_message([], "en") is None


def test_turn_view_streams_then_shows_sources_under_the_answer() -> None:
    view = render.TurnView("en", {"health": "the Health Advisor"})
    assert view.messages() == [{"role": "assistant", "content": "Thinking…"}]
    assert view.apply(Sources((source(1),), "salt", "health")) is False
    assert view.apply(TextDelta("Adults should eat "))
    assert view.messages()[0]["content"].strip() == "Adults should eat"
    view.apply(TextDelta("less salt. [1]"))
    messages = view.messages()
    assert messages[0]["content"] == "Adults should eat less salt. \\[1\\]"
    assert messages[1]["metadata"]["title"].startswith("📚 Sources (1)")
    view.apply(Notice("warning", "The model was slow <b>today</b>"))
    first = view.messages()[0]
    assert first["content"].startswith("⚠️ The model was slow") and "<b>" not in first["content"]


def test_an_image_turn_shows_what_it_read_above_the_answer() -> None:
    view = render.TurnView("en", reading_image=True)
    assert view.messages() == [{"role": "assistant", "content": "🖼️ Reading the image…"}]
    assert view.apply(ImageText("Riverside Library <b>card</b> 12 dollars"))
    reading, thinking = view.messages()
    assert reading["metadata"]["title"] == "🖼️ Text in the image" and "12 dollars" in reading["content"]
    assert_inert(html_of(reading["content"]))
    assert "<b>" not in reading["content"]
    assert thinking["content"] == "Thinking…"
    view.apply(Sources((source(1),), "card", "general"))
    view.apply(TextDelta('The image says: "Riverside Library card". It costs 12 dollars. [1]'))
    kinds = [(m.get("metadata") or {}).get("title", m["content"][:9]) for m in view.messages()]
    assert kinds == ["🖼️ Text in the image", "The image", "📚 Sources (1)"]


def test_an_unreadable_image_says_why_instead_of_reading_on() -> None:
    view = render.TurnView("zh", reading_image=True)
    view.apply(Notice("error", "图片文件已损坏，无法打开。"))
    messages = view.messages()
    assert messages[0]["content"] == "❌ 图片文件已损坏，无法打开。"
    assert messages[-1]["content"] == "正在思考…", "the question is still answered, without the picture"
    assert not any("正在读取图片" in m["content"] for m in messages)


def test_a_replacing_delta_restarts_the_answer() -> None:
    events = [TextDelta("Adults can eat 12 g."), TextDelta("From the knowledge base: 5 g [1]", replace=True)]
    messages = render.render_turn(events, "en")
    assert messages == [{"role": "assistant", "content": "From the knowledge base: 5 g \\[1\\]"}]


def test_turn_end_answer_is_what_stays() -> None:
    end = TurnEnd("Final answer.", "en", "general", False, ())
    assert render.render_turn([TextDelta("Fin"), end], "en")[0]["content"] == "Final answer."


def test_a_stopped_turn_says_so() -> None:
    view = render.TurnView("zh")
    view.apply(TextDelta("成年人每天"))
    view.stopped = True
    assert view.messages()[0]["content"] == "成年人每天 （已停止）"


def test_transcript_and_image_text_are_plain_text() -> None:
    spoken = render.transcript_message("how *much* <b>salt</b>?", "en")
    assert spoken["role"] == "user" and spoken["content"].startswith("🎤 ")
    assert_inert(html_of(spoken["content"]))
    assert "<em>" not in html_of(spoken["content"])
    shown = render.image_text_message(ImageText("余额 ¥1,000 <script>x</script>", "a bank slip"), "zh")
    assert shown["metadata"]["title"] == "🖼️ 图片中的文字"
    assert_inert(html_of(shown["content"]))
    assert "¥1,000" in shown["content"] and "a bank slip" in shown["content"]
    empty = render.image_text_message(ImageText(""), "en")
    assert "No text was found" in empty["content"]


def test_user_text_is_shown_verbatim() -> None:
    message = render.user_message("<img src=x onerror=alert(1)> **hi**")
    assert_inert(html_of(message["content"]))
    assert "<strong>" not in html_of(message["content"])


def test_saved_conversation_renders_with_its_sources() -> None:
    saved = [
        Message("user", "How much salt?", {}),
        Message("assistant", "Less than 5 g. [1]", {"domain": "health", "sources": [source(1).as_dict()]}),
        Message("user", "And sugar?", {}),
        Message("assistant", "Not covered.", {"sources": []}),
    ]
    messages = render.history_messages(saved, "en", {"health": "the Health Advisor"})
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant", "user", "assistant"]
    assert messages[2]["metadata"]["title"] == "📚 Sources (1) · answered by the Health Advisor"


def test_notice_levels() -> None:
    assert render.notice_message("error", "boom", "en")["content"] == "❌ boom"
    assert render.notice_message("info", "fyi", "zh")["content"] == "ℹ️ fyi"
