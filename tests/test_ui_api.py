"""The web page's API, driven through gradio_client against the running app.

The app runs on a free 127.0.0.1 port with a small knowledge base built by the real default embedder and a
scripted chat model keyed by the question (tests/e2e/appserver.py); speech and image reading are the real
packaged models where they are installed.
"""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.appserver import KB, UPLOADED, Server, make_settings, picture_of, scripted_server, spoken, start
from gradio_client import Client, handle_file

from advisor.config import ASRSettings, RetrievalSettings, VisionSettings
from ui.owner import new_token

pytestmark = pytest.mark.slow
OWNER = new_token()  # what a browser keeps in its localStorage; the API client sends it as an argument


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ui-api")
    limit = 3_000_000  # every upload limit small, so a test can go over it
    srv = scripted_server(
        root,
        retrieval=RetrievalSettings(max_file_bytes=limit),
        asr=ASRSettings(max_bytes=limit),
        vision=VisionSettings(max_bytes=limit),
    )
    yield srv
    srv.close()


@pytest.fixture
def client(server: Server) -> Client:
    return Client(server.url, verbose=False)


def text_of(message: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in message["content"] if part.get("type") == "text")


def ask(client: Client, text: str, lang: str = "en", files: list[Any] | None = None, **kw: Any) -> list[Any]:
    """Every update the chat endpoint streamed, the last one last."""
    job = client.submit(
        {"text": text, "files": files or []},
        kw.get("history", []),
        kw.get("session_id"),
        kw.get("domain", "general"),
        kw.get("kbs", []),
        False,
        lang,
        kw.get("token", OWNER),
        api_name="/chat",
    )
    updates = list(job)
    assert updates, "the chat endpoint returned nothing"
    return updates


def answer_and_sources(chat: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None]:
    plain = [m for m in chat if m["role"] == "assistant" and not m.get("metadata")]
    blocks = [
        m
        for m in chat
        if m["role"] == "assistant" and (m.get("metadata") or {}).get("title", "").startswith("📚")
    ]
    return (text_of(plain[-1]) if plain else ""), (blocks[-1] if blocks else None)


def session_of(updates: list[Any]) -> str:
    listing = updates[-1][3]
    assert isinstance(listing, dict) and listing.get("value"), listing
    return str(listing["value"])


def test_english_question_streams_an_answer_with_sources(client: Client) -> None:
    updates = ask(client, "How much does a Riverside Library card cost?")
    answers = [answer_and_sources(u[0])[0] for u in updates]
    partial = [a for a in answers if a and a != answers[-1]]
    assert len(set(partial)) >= 3, "the answer arrives in pieces"
    answer, sources = answer_and_sources(updates[-1][0])
    assert "12 dollars" in answer and "\\[1\\]" in answer
    assert sources is not None and sources["metadata"]["status"] == "done"
    assert "Riverside Library card rules" in text_of(sources) and f"knowledge base: {KB}" in text_of(sources)
    assert "/tmp" not in text_of(sources), "a server path is never shown as a reference"
    first_box, last_box = updates[0][1], updates[-1][1]
    assert first_box["value"] == {"text": "", "files": []}, "the input clears at once"
    assert first_box["stop_btn"] and not first_box["submit_btn"], "a stop button while the answer streams"
    assert last_box["submit_btn"] and not last_box["stop_btn"]


def test_chinese_question_gets_a_chinese_answer_and_is_saved(client: Client, server: Server) -> None:
    updates = ask(client, "星河小区的访客可以免费停车多久？", lang="zh")
    answer, sources = answer_and_sources(updates[-1][0])
    assert "3小时" in answer and "5元" in answer
    assert sources is not None and sources["metadata"]["title"].startswith("📚 来源（")
    session = session_of(updates)
    assert server.advisor.conversations.get(session).title.startswith("星河小区")
    chat, domain, badge, title, _ = client.predict(session, "zh", OWNER, api_name="/open_conversation")
    assert [m["role"] for m in chat] == ["user", "assistant", "assistant"]
    assert "3小时" in text_of(chat[1]) and domain == "general" and "智能顾问" in badge
    assert title.startswith("星河小区")


def test_follow_up_in_the_same_conversation(client: Client) -> None:
    first = ask(client, "How much does a Riverside Library card cost?")
    session = session_of(first)
    second = ask(client, "How many books can members borrow?", history=first[-1][0], session_id=session)
    chat = second[-1][0]
    assert [m["role"] for m in chat].count("user") == 2
    assert "8 books" in answer_and_sources(chat)[0]
    assert session_of(second) == session


def test_conversations_survive_a_restart(server: Server, tmp_path: Path) -> None:
    client = Client(server.url, verbose=False)
    session = session_of(ask(client, "How many books can members borrow?"))
    settings = make_settings(tmp_path, data_dir=server.settings.data_dir)
    from advisor.dialogue.advisor import Advisor

    again = start(settings, Advisor(settings, library=server.advisor.library, llm=server.advisor.llm()))
    try:
        fresh = Client(again.url, verbose=False)
        listing = fresh.predict("en", "general", None, OWNER, api_name="/language")[
            3
        ]  # what a page load shows
        assert session in [value for _, value in listing["choices"]]
        chat = fresh.predict(session, "en", OWNER, api_name="/open_conversation")[0]
        assert "8 books" in text_of(chat[1])
    finally:
        again.close()


def test_stop_ends_the_answer_mid_stream_and_keeps_what_was_shown(client: Client, server: Server) -> None:
    job = client.submit(
        {"text": "Tell me slowly: how much does a Riverside Library card cost?", "files": []},
        [],
        None,
        "general",
        [],
        True,
        "en",
        OWNER,
        api_name="/chat",
    )
    for update in job:
        if "12 dollars" in answer_and_sources(update[0])[0]:
            break
    box = client.predict(api_name="/stop")
    assert box["submit_btn"] and not box["stop_btn"]
    final = job.result()
    answer = answer_and_sources(final[0])[0]
    assert "12 dollars" in answer and "That is all" not in answer and answer.endswith("(stopped)")
    # The model's stream is closed, not left running: the turn's thread ends long before the reply would.
    for thread in [t for t in threading.enumerate() if t.name == "advisor-turn"]:
        thread.join(timeout=30)
        assert not thread.is_alive(), "the turn kept running after stop"
    saved = server.advisor.conversations.messages(str(final[3]["value"]))
    assert [m.role for m in saved] == ["user", "assistant"] and saved[1].content.endswith("(stopped)")
    assert saved[1].extra["stopped"] and saved[1].extra["sources"]


def test_rename_and_delete_a_conversation(client: Client, server: Server) -> None:
    session = session_of(ask(client, "How many books can members borrow?"))
    listing, note = client.predict(session, "Library questions", "en", OWNER, api_name="/rename")
    assert note == "Renamed." and ["Library questions", session] in listing["choices"]
    assert server.advisor.conversations.get(session).title == "Library questions"
    listing, chat, note, _ = client.predict(session, "en", OWNER, api_name="/delete_conversation")
    assert chat == [] and note == "Conversation deleted."
    assert session not in [value for _, value in listing["choices"]]
    assert not server.advisor.conversations.exists(session)


def test_conversations_are_private_to_their_browser(client: Client, server: Server) -> None:
    mine = session_of(ask(client, "How many books can members borrow?"))
    other = new_token()
    elsewhere = Client(server.url, verbose=False)  # another browser
    listing = elsewhere.predict("en", "general", None, other, api_name="/language")[3]
    assert mine not in [value for _, value in listing["choices"]], "another browser does not list it"
    # Even given its id, another owner cannot open, rename, delete or re-assign it.
    chat, *_ = client.predict(mine, "en", other, api_name="/open_conversation")
    assert chat == []
    assert (
        client.predict(mine, "Stolen", "en", other, api_name="/rename")[1] == "Choose a conversation first."
    )
    assert (
        client.predict(mine, "en", other, api_name="/delete_conversation")[2]
        == "Choose a conversation first."
    )
    client.predict("finance", mine, "en", other, api_name="/choose_advisor")
    info = server.advisor.conversations.get(mine)
    assert info.title.startswith("How many books") and info.advisor == "general"
    # Asking in someone else's conversation starts one of one's own instead.
    theirs = session_of(ask(client, "How many books can members borrow?", session_id=mine, token=other))
    assert theirs != mine and len(server.advisor.conversations.messages(mine)) == 2
    listing = elsewhere.predict("en", "general", None, other, api_name="/language")[3]
    assert [value for _, value in listing["choices"]] == [theirs]
    listing = client.predict("en", "general", None, OWNER, api_name="/language")[3]
    assert mine in [value for _, value in listing["choices"]] and theirs not in [
        v for _, v in listing["choices"]
    ]


def test_a_request_without_a_browser_token_is_answered_but_not_saved(client: Client, server: Server) -> None:
    before = len(server.advisor.conversations.sessions(None))
    updates = ask(client, "How many books can members borrow?", token=None)
    assert "8 books" in answer_and_sources(updates[-1][0])[0]
    assert len(server.advisor.conversations.sessions(None)) == before


def test_choosing_an_advisor_shows_it(client: Client) -> None:
    badge = client.predict("finance", None, "zh", OWNER, api_name="/choose_advisor")
    assert "理财顾问" in badge
    badge = client.predict("health", None, "en", OWNER, api_name="/choose_advisor")
    assert "the Health Advisor" in badge


def test_model_output_with_script_and_links_comes_back_escaped(client: Client) -> None:
    updates = ask(client, "Script test: how much does a Riverside Library card cost?")
    answer, _ = answer_and_sources(updates[-1][0])
    assert "12 dollars" in answer
    assert "<script" not in answer and "<img" not in answer and "<svg" not in answer
    assert "&lt;script&gt;" in answer or "&lt;script>" in answer
    assert "javascript:" not in answer and "canary.png" not in answer and "![" not in answer


@pytest.mark.parametrize(
    ("text", "files", "lang", "expected"),
    [
        ("", [], "en", "Please type a question"),
        ("", [], "zh", "请输入问题"),
    ],
)
def test_empty_input_gets_a_plain_answer(
    client: Client, text: str, files: list[Any], lang: str, expected: str
) -> None:
    chat = ask(client, text, lang=lang, files=files)[-1][0]
    assert expected in text_of(chat[-1])


def test_unsupported_attachment_is_refused_in_plain_words(client: Client, tmp_path: Path) -> None:
    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    chat = ask(client, "What is this?", files=[handle_file(str(odd))])[-1][0]
    assert "not supported" in text_of(chat[-1]) and "Traceback" not in text_of(chat[-1])


def test_broken_image_is_refused_in_plain_words(client: Client, server: Server, tmp_path: Path) -> None:
    server.require("vision")
    broken = tmp_path / "photo.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    chat = ask(client, "这张图片上写了什么？", lang="zh", files=[handle_file(str(broken))])[-1][0]
    said = [text_of(m) for m in chat if m["role"] == "assistant"]
    assert any(text.startswith("❌") and "图片" in text for text in said), said
    assert not any("Traceback" in text or "Error" in text for text in said), said
    assert not any("正在读取图片" in text for text in said), "the placeholder goes once the turn says why"


@pytest.mark.parametrize(("lang", "expected"), [("en", "too long"), ("zh", "录音太长")])
def test_too_long_recording_is_refused_in_plain_words(
    client: Client, server: Server, tmp_path: Path, lang: str, expected: str
) -> None:
    server.require("asr")
    import wave

    clip = tmp_path / "long.wav"
    with wave.open(str(clip), "wb") as out:  # 2 MB of silence: under the upload limit, over 120 s
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000 * 125)
    chat = ask(client, "", lang=lang, files=[handle_file(str(clip))])[-1][0]
    last = text_of(chat[-1])
    assert last.startswith("❌") and expected in last and "Traceback" not in last, last


def test_image_question_is_answered_from_its_text(client: Client, server: Server, tmp_path: Path) -> None:
    server.require("vision")
    picture = picture_of("How much does a Riverside Library card cost?", tmp_path / "question.png")
    updates = ask(client, "", files=[handle_file(str(picture))])
    assert any("Reading the image" in text_of(u[0][-1]) for u in updates if u[0]), (
        "a placeholder while reading"
    )
    chat = updates[-1][0]
    image_block = next(m for m in chat if (m.get("metadata") or {}).get("title") == "🖼️ Text in the image")
    assert "Riverside" in text_of(image_block)
    assert any(part.get("type") == "file" for m in chat if m["role"] == "user" for part in m["content"])
    answer, sources = answer_and_sources(chat)
    # Advisor.turn read the picture: it says what the picture says, then answers from the knowledge base.
    assert answer.startswith("The image says") and "Riverside" in answer.split("12 dollars")[0]
    assert "12 dollars" in answer and sources is not None
    session = session_of(updates)
    saved = server.advisor.conversations.messages(session)
    assert saved[0].content == "What does this image say?" and "The image says" in saved[1].content
    title = server.advisor.conversations.get(session).title
    assert title.startswith("🖼️ ") and "Riverside" in title, "named after the picture's words"
    assert [title, session] in updates[-1][3]["choices"]


def test_audio_question_shows_its_transcript_then_the_answer(
    client: Client, server: Server, tmp_path: Path
) -> None:
    server.require("tts", "asr")
    clip = spoken("How much does a Riverside Library card cost?", tmp_path / "question.wav", server.settings)
    updates = ask(client, "", files=[handle_file(str(clip))])
    assert any("Transcribing" in text_of(u[0][-1]) for u in updates if u[0]), (
        "a placeholder while transcribing"
    )
    chat = updates[-1][0]
    transcript = next(text_of(m) for m in chat if m["role"] == "user" and text_of(m).startswith("🎤"))
    assert "library" in transcript.lower()
    assert "12 dollars" in answer_and_sources(chat)[0]
    # The page's voice turn is the advisor's own (Advisor.turn(audio=...)), as the CLI's: it recorded
    # the recognition stage's timings with the turn.
    saved = server.advisor.conversations.messages(session_of(updates))
    assert "library" in saved[0].content.lower()
    timings = saved[1].extra["timings"]
    assert (
        timings["asr_ms"] > 0 and timings["audio_decode_ms"] >= 0 and timings["total_ms"] > timings["asr_ms"]
    )


def test_a_recording_that_cannot_be_heard_gets_one_plain_message(client: Client, tmp_path: Path) -> None:
    noise = tmp_path / "question.wav"
    noise.write_bytes(b"RIFF not really a recording" * 40)
    updates = ask(client, "", lang="zh", files=[handle_file(str(noise))])
    chat = updates[-1][0]
    said = [text_of(m) for m in chat if m["role"] == "assistant"]
    assert len(said) == 1 and "❌" in said[0] and re.search(r"[\u4e00-\u9fff]", said[0]), said
    assert not any(text_of(m).startswith("🎤") for m in chat if m["role"] == "user")


def test_knowledge_base_lifecycle(client: Client, tmp_path: Path) -> None:
    name = "甜品 notes"
    note, select, stats, docs, *_ = client.predict(name, "zh", api_name="/kb_create")
    assert "已创建" in note and select["value"] == name and "0 个文档" in stats
    good = tmp_path / "mushroom-tea.md"
    good.write_text(UPLOADED["mushroom-tea.md"], encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00")
    files = [handle_file(str(p)) for p in (good, empty, program)]
    note, _, stats, docs, _, kb_filter, cleared = client.predict(name, files, "en", api_name="/kb_upload")
    assert "Added 1: mushroom\\-tea\\.md" in note
    assert "Could not add **empty\\.md**" in note and "Could not add **setup\\.exe**" in note
    assert "not supported" in note and "Traceback" not in note
    assert docs["data"][0][0] == "mushroom-tea.md" and docs["data"][0][-1] >= 1, "documents list with chunks"
    assert "1 documents" in stats and name in [c[1] for c in kb_filter["choices"]]
    assert cleared is None

    chat = ask(client, "夜光蘑菇茶多少钱一杯？", lang="zh", kbs=[name])[-1][0]
    answer, sources = answer_and_sources(chat)
    assert "42元" in answer and sources is not None and "夜光蘑菇茶" in text_of(sources)

    note, *_ = client.predict(name, "en", api_name="/kb_rebuild")
    assert f"Rebuilt “{name}”: 1 documents." == note
    note, _, stats, *_ = client.predict(name, "mushroom-tea.md", "en", api_name="/kb_delete_document")
    assert "Deleted the document" in note and "0 documents" in stats
    note, select, *_ = client.predict(name, "en", api_name="/kb_delete")
    assert "Deleted the knowledge base" in note and name not in [c[1] for c in select["choices"]]


def test_knowledge_base_names_are_checked(client: Client) -> None:
    note = client.predict("a/b", "en", api_name="/kb_create")[0]
    assert note.startswith("❌") and "without slashes" in note
    note = client.predict(KB, "zh", api_name="/kb_create")[0]
    assert "已经存在" in note
    note = client.predict("no such kb", [], "en", api_name="/kb_upload")[0]
    assert note.startswith("❌")


def test_status_lists_every_part(client: Client) -> None:
    table = client.predict("en", api_name="/status")
    for part in (
        "Language model",
        "Embeddings",
        "Vector store",
        "Speech recognition",
        "Speech synthesis",
        "Image reading",
    ):
        assert part in table
    assert "knowledge bases" in table
    assert "Traceback" not in table


def get(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_nothing_under_the_data_dir_or_the_source_tree_is_served(server: Server) -> None:
    from advisor.config import REPO_ROOT

    targets = [
        server.settings.data_dir / "conversations.sqlite3",
        server.settings.data_dir / "catalog.sqlite3",
        REPO_ROOT / "ui" / "app.py",
        REPO_ROOT / "pyproject.toml",
        Path("/etc/passwd"),
    ]
    for target in targets:
        assert target.exists()
        status, body = get(f"{server.url}gradio_api/file={target}")
        assert status in (403, 404), (target, status)
        assert b"CREATE TABLE" not in body and b"import" not in body


def test_uploads_over_the_size_limit_are_refused(server: Server) -> None:
    boundary = "advisorboundary"
    payload = b"x" * 3_500_000
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.md"\r\n'
            "Content-Type: text/markdown\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _ = get(
        f"{server.url}gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert status == 413


def test_queue_limits(server: Server) -> None:
    app = server.app
    assert app._queue.max_size == 16
    chat = next(fn for fn in app.fns.values() if fn.api_name == "chat")
    assert chat.concurrency_limit == 1 and chat.concurrency_id == "advisor"
    config = json.loads(get(f"{server.url}config")[1])
    assert config.get("enable_queue", True)


def test_login_is_required_when_configured(server: Server, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ui={"auth": "ada:s3cret"})
    guarded = start(settings, server.advisor)
    try:
        status, _ = get(f"{guarded.url}config")
        assert status == 401
        with pytest.raises(Exception):  # noqa: B017 - the client refuses to connect without login
            Client(guarded.url, verbose=False)
        ada = Client(guarded.url, auth=("ada", "s3cret"), verbose=False)
        badge = ada.predict("legal", None, "en", None, api_name="/choose_advisor")
        assert "the Rights Advisor" in badge
        # Logged in, the user owns the conversations, whichever browser (token) asked.
        session = session_of(ask(ada, "How many books can members borrow?", token=new_token()))
        assert server.advisor.conversations.get(session).owner == "user:ada"
        listing = ada.predict("en", "general", None, new_token(), api_name="/language")[3]
        assert [value for _, value in listing["choices"]] == [session]
    finally:
        guarded.close()


def test_page_html_loads_without_remote_fonts(server: Server) -> None:
    status, body = get(server.url)
    assert status == 200
    status, css = get(f"{server.url}theme.css")
    assert status == 200 and b"fonts.googleapis.com" not in css
    assert io.BytesIO(body).read(15).lower().startswith(b"<!doctype html")
