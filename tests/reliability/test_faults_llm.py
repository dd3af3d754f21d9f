"""The language model failing every way a server or a model file can: each turn still ends, in time, with
an answer quoted from the sources and a visible warning; no worker thread is left hanging."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fake_openai_server import THREAD_PREFIX, FakeOpenAIServer, closed_port_url, cut, hang, status, stream
from faultkit import SALT_QUESTION, has_cjk, live_threads, run_turn, wait_for_threads
from PIL import Image, ImageDraw, ImageFont

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import ImageText, Sources, Transcript
from advisor.knowledge.library import KnowledgeLibrary

CONNECT_S, READ_S = 1.0, 2.0
BUDGET_S = 15.0  # generous: the slowest case waits READ_S once; retries add about 1.5 s
ZH_CLIPS = Path(__file__).resolve().parents[1] / "data" / "asr" / "zh"


def openai_settings(tmp_path: Path, url: str) -> Settings:
    settings = Settings(data_dir=tmp_path / "app")
    settings.llm.backend = "openai"
    settings.llm.base_url = url
    settings.llm.model = "test-model"
    settings.llm.connect_timeout_s = CONNECT_S
    settings.llm.read_timeout_s = READ_S
    return settings


def _in_a_worker(advisor: Advisor, question: str) -> tuple[list, float, threading.Thread]:
    """Run the turn on a worker thread, as the web page does, and give it the time budget to end."""
    out: list = []
    worker = threading.Thread(target=lambda: out.append(run_turn(advisor, question)), name="turn-worker")
    started = time.monotonic()
    worker.start()
    worker.join(BUDGET_S)
    return out, time.monotonic() - started, worker


# (name, server behaviours for one turn, the model's words reach the answer?)
SERVER_FAULTS = [
    ("answers normally", [stream(["成年人每天食盐", "不超过5克。[1]"])], True),
    ("429, then answers", [status(429), stream(["成年人每天食盐不超过5克。[1]"])], True),
    ("500 twice, then answers", [status(500), status(500), stream(["成年人每天食盐不超过5克。[1]"])], True),
    ("429 three times", [status(429)] * 3, False),
    ("500 three times", [status(500)] * 3, False),
    ("503 three times", [status(503)] * 3, False),
    ("404 (unknown model)", [status(404)], False),
    ("hangs past the read timeout", [hang(60)], False),
    ("cuts the stream after two pieces", [cut(["成年人每天", "食盐"])], False),
    ("cuts the stream before any piece", [cut([])], False),
    ("answers with nothing", [stream([])], False),
]


def test_llm_server_faults_end_each_turn_in_time(
    shipped: KnowledgeLibrary, tmp_path: Path, reliability
) -> None:
    before = live_threads()
    slowest = 0.0
    with FakeOpenAIServer() as server:
        advisor = Advisor(openai_settings(tmp_path, server.url), library=shipped)
        advisor.retriever.retrieve(SALT_QUESTION)  # load the embedder before anything is timed
        for name, behaviours, answered_by_model in SERVER_FAULTS:
            for behaviour in behaviours:
                server.add(behaviour)
            out, seconds, worker = _in_a_worker(advisor, SALT_QUESTION)
            assert not worker.is_alive(), f"{name}: the turn was still running after {BUDGET_S} s"
            slowest = max(slowest, seconds)
            turn = out[0]
            assert turn.end.answer and has_cjk(turn.end.answer), (name, turn.end)
            assert turn.end.grounded and "5克" in turn.end.answer, (name, turn.end)
            if answered_by_model:
                assert not turn.end.fallback and not turn.warnings, (name, turn.end)
            else:
                assert turn.end.fallback, name  # quoted from the sources instead
                if name != "answers with nothing":  # nothing failed there: the model just had nothing to say
                    assert turn.warnings and all(has_cjk(w) for w in turn.warnings), (name, turn.warnings)
                assert "Traceback" not in " ".join(turn.warnings)
    assert not [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]
    assert not wait_for_threads(before), "a worker thread was left hanging"
    reliability(
        "Faults",
        "LLM server (OpenAI-compatible) faults in a turn: " + "; ".join(name for name, _, _ in SERVER_FAULTS),
        cases=len(SERVER_FAULTS),
        result=(
            f"every turn ended within {BUDGET_S:.0f} s (slowest {slowest:.1f} s, read timeout {READ_S:.0f} s): "
            "the model's answer when a retry got one, otherwise the sources quoted, with a Chinese warning "
            "naming the failure (an empty answer is quoted without one); "
            "grounded every time; no thread left running"
        ),
    )


def test_a_refused_connection_ends_the_turn_quickly(
    shipped: KnowledgeLibrary, tmp_path: Path, reliability
) -> None:
    before = live_threads()
    advisor = Advisor(openai_settings(tmp_path, closed_port_url()), library=shipped)
    advisor.retriever.retrieve(SALT_QUESTION)
    out, seconds, worker = _in_a_worker(advisor, "How much salt should adults eat per day?")
    assert not worker.is_alive()
    turn = out[0]
    assert turn.end.grounded and turn.end.fallback and turn.end.language == "en"
    assert any("could not connect" in w for w in turn.warnings), turn.warnings
    assert not wait_for_threads(before)
    reliability(
        "Faults",
        "LLM server refusing connections",
        cases=1,
        result=(
            f"the turn ended in {seconds:.1f} s with the sources quoted and the warning 'could not connect to "
            "the LLM server ... is it running?'"
        ),
    )


@pytest.fixture
def corrupt_model(tmp_path: Path) -> Path:
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 4096)  # a GGUF magic, then nonsense
    return path


def _label(text: str) -> bytes:
    import io

    picture = Image.new("RGB", (520, 120), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 48)
    ImageDraw.Draw(picture).text((20, 30), text, fill="black", font=font)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_a_model_that_fails_to_load_leaves_the_other_modalities_working(
    shipped: KnowledgeLibrary, tmp_path: Path, corrupt_model: Path, reliability
) -> None:
    settings = Settings(data_dir=tmp_path / "app")
    settings.llm.backend = "llamacpp"
    settings.llm.model = str(corrupt_model)
    advisor = Advisor(settings, library=shipped)
    checked = []
    # Text: retrieval and an extractive answer, with the reason the model is missing.
    text = run_turn(advisor, SALT_QUESTION)
    assert text.of(Sources)[0].items and text.end.grounded and "5克" in text.end.answer
    assert len(text.warnings) == 1 and "broken.gguf" in text.warnings[0], text.warnings
    checked.append("text")
    # The failure is remembered: the next turn does not try to load the file again, and is as quick.
    again = run_turn(advisor, "How much salt should adults eat per day?")
    assert again.end.grounded and again.warnings and again.seconds < BUDGET_S
    checked.append("a second text turn")
    # Voice: the real Whisper still hears the question.
    spoken = run_turn(advisor, audio=ZH_CLIPS / "04.ogg")
    heard = spoken.of(Transcript)
    assert heard and "睡" in heard[0].text and spoken.end.grounded, spoken.events
    checked.append("voice (ASR)")
    # Picture: the real OCR still reads it.
    seen = run_turn(advisor, "How much salt is too much?", image=_label("SALT 5 g per day"))
    read = seen.of(ImageText)
    assert read and "SALT" in read[0].text.upper() and seen.end.answer, seen.events
    checked.append("picture (OCR)")
    reliability(
        "Faults",
        "A model file that fails to load (a corrupt GGUF as ADVISOR_LLM__MODEL)",
        cases=len(checked),
        result=(
            f"{', '.join(checked)} still worked: retrieval and a grounded extractive answer with a warning "
            "naming the failure (loaded once, not retried per turn); Whisper transcribed speech; OCR read a label"
        ),
    )
