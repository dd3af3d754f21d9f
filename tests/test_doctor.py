"""`advisor doctor`: each engine runs once in a child process; a crash there is a line in the report."""

from __future__ import annotations

import json
import signal
import sys

from typer.testing import CliRunner

from advisor.cli import app
from advisor.doctor import run_probe


def test_an_engine_killed_by_a_signal_is_reported_not_fatal() -> None:
    crash = [sys.executable, "-c", f"import os; os.kill(os.getpid(), {int(signal.SIGILL)})"]
    probe = run_probe("llm", command=crash)
    assert not probe.ok and "killed by SIGILL" in probe.detail


def test_a_python_failure_in_a_probe_is_reported_with_its_message() -> None:
    failing = [sys.executable, "-c", "raise SystemExit('no model here')"]
    probe = run_probe("asr", command=failing)
    assert not probe.ok and "no model here" in probe.detail


def test_doctor_runs_the_real_engines_and_reports_the_machine() -> None:
    result = CliRunner().invoke(
        app, ["doctor", "--json", "--engine", "llm", "--engine", "embeddings", "--engine", "ocr"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["machine"]["cpu"] and "amx" in report["machine"]
    engines = {e["engine"]: e for e in report["engines"]}
    assert engines["llm"]["ok"] and "AVX2" in engines["llm"]["detail"], engines["llm"]
    assert engines["embeddings"]["ok"] and "384" in engines["embeddings"]["detail"]
    assert engines["ocr"]["ok"] and "OCR" in engines["ocr"]["detail"]


def test_an_unknown_engine_is_refused() -> None:
    result = CliRunner().invoke(app, ["doctor", "--engine", "gpu"])
    assert result.exit_code == 2 and "choose from" in result.stderr
