"""The page's small parts: strings in both languages, input checks, upload names, file serving rules."""

from __future__ import annotations

import importlib.util
import io
import string
import sys
import wave
from pathlib import Path

import pytest

from advisor.config import REPO_ROOT, ASRSettings, RetrievalSettings, Settings, VisionSettings
from advisor.events import AudioChunk

if importlib.util.find_spec("ui") is None:  # until pyproject packages ui/ beside advisor/
    sys.path.insert(0, str(REPO_ROOT))

from ui import i18n
from ui.app import blocked_paths, max_upload_bytes
from ui.chat import InputError, sort_files, wav_bytes
from ui.kb import clean_file_name, valid_kb_name


def test_both_languages_have_every_string_with_the_same_placeholders() -> None:
    zh, en = i18n.STRINGS["zh"], i18n.STRINGS["en"]
    assert zh.keys() == en.keys()
    for key in zh:
        fields = {name for _, name, _, _ in string.Formatter().parse(zh[key]) if name}
        assert fields == {name for _, name, _, _ in string.Formatter().parse(en[key]) if name}, key


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,zh-TW;q=0.5,en;q=0.4", "zh"),
        ("fr-FR,de;q=0.5", "en"),
        ("en;q=0.2,zh;q=0.9", "zh"),
        ("zh;q=0, en", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("zh_CN", "zh"),
    ],
)
def test_browser_language(header: str | None, expected: str) -> None:
    assert i18n.browser_language(header) == expected


def test_lookup_formats_and_normalises() -> None:
    assert i18n.t("zh-CN", "sources_title", n=2) == "📚 来源（2）"
    assert i18n.t("de", "sources_title", n=2) == "📚 Sources (2)"
    assert i18n.human_size(3_500_000) == "3.3 MB"


def test_attachments_are_sorted_and_refused_in_the_page_language() -> None:
    found = sort_files(["/u/a/photo.JPG", "/u/b/voice.webm"], "en")
    assert found.image == Path("/u/a/photo.JPG") and found.audio == Path("/u/b/voice.webm")
    with pytest.raises(InputError, match=r"不支持这种文件：report\.pdf"):
        sort_files(["/u/c/report.pdf"], "zh")
    with pytest.raises(InputError, match="at most one image"):
        sort_files(["/u/a.png", "/u/b.png"], "en")


def test_the_page_takes_the_files_the_decoders_read() -> None:
    from advisor.vision.safe_image import ALLOWED_FORMATS

    assert sort_files(["/u/v.amr"], "en").audio and sort_files(["/u/v.caf"], "en").audio  # ffmpeg reads them
    with pytest.raises(InputError):
        sort_files(["/u/scan.tiff"], "en")  # the image reader refuses TIFF: refused here first, in words
    assert "TIFF" not in ALLOWED_FORMATS


def test_audio_chunks_become_wav() -> None:
    chunk = AudioChunk(b"\x01\x00" * 2205, 22050, "Hello.")
    with wave.open(io.BytesIO(wav_bytes(chunk))) as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate(), clip.getnframes()) == (
            1,
            2,
            22050,
            2205,
        )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.md", "notes.md"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\me\\报告.PDF", "报告.pdf"),
        ('a<b>:"c"|?*.txt', "a_b_c_.txt"),
        ("..", "document"),
        ("\x00evil\n.md", "_evil_.md"),
        ("x" * 300 + ".md", "x" * 100 + ".md"),
    ],
)
def test_uploaded_file_names_are_cleaned(name: str, expected: str) -> None:
    assert clean_file_name(name) == expected


def test_knowledge_base_names() -> None:
    assert valid_kb_name("我的资料") and valid_kb_name("my notes-2")
    for bad in ("", "  ", "a/b", "a\\b", "x" * 65, "tab\there"):
        assert not valid_kb_name(bad), bad


def test_the_data_dir_and_the_source_tree_are_blocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_data_dir()
    monkeypatch.chdir(REPO_ROOT)
    blocked = blocked_paths(settings)
    assert str((tmp_path / "data").resolve()) in blocked
    for name in ("advisor", "ui", "pyproject.toml", ".git", "knowledge"):
        if (REPO_ROOT / name).exists():
            assert str(REPO_ROOT / name) in blocked, name
    assert str(REPO_ROOT) not in blocked, (
        "Gradio names its audio streams by paths under the working directory"
    )


def test_gradio_uploads_inside_the_data_dir_stay_reachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    (tmp_path / "data" / "gradio").mkdir(parents=True)
    (tmp_path / "data" / "catalog.sqlite3").write_text("")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "data" / "gradio"))
    blocked = blocked_paths(settings)
    assert str(tmp_path / "data" / "catalog.sqlite3") in blocked
    assert not any(str(tmp_path / "data" / "gradio").startswith(b) for b in blocked)


def test_upload_limit_is_the_largest_input_limit() -> None:
    settings = Settings(
        retrieval=RetrievalSettings(max_file_bytes=5),
        asr=ASRSettings(max_bytes=7),
        vision=VisionSettings(max_bytes=6),
    )
    assert max_upload_bytes(settings) == 7
