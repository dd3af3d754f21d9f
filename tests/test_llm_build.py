"""The llama.cpp build uses only instructions this machine (CPU and OS) lets a process execute.

The build's features are read in a child process: if the build could not even be loaded here, this
test fails with the child's fate instead of taking the test run down with it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from advisor.config import REPO_ROOT
from advisor.llm.cpu import FEATURE_FLAGS, amx_granted, build_features, check_build, cpu_flags

SAMPLE = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 0 | "
HASWELL = frozenset({"pni", "ssse3", "avx", "avx2", "f16c", "fma", "bmi2"})
SAPPHIRE_RAPIDS = HASWELL | {"avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8"}


def installed_system_info() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"loading the llama.cpp library failed here ({done.returncode}): {done.stderr[-500:]}"
    )
    return done.stdout


def test_features_are_read_from_the_system_info_line() -> None:
    assert build_features(SAMPLE) == {"SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2"}


def test_a_build_for_a_newer_cpu_is_refused_with_the_reason() -> None:
    check = check_build(SAMPLE.replace("AVX512 = 0", "AVX512 = 1"), flags=HASWELL, amx=False)
    assert not check.runs_here
    assert "AVX512" in check.problem() and "make setup" in check.problem()
    assert check_build(SAMPLE, flags=HASWELL, amx=False).runs_here


def test_amx_that_the_os_does_not_grant_is_kept_out_of_the_load() -> None:
    amx_build = SAMPLE + "AMX_INT8 = 1 | "
    denied = check_build(amx_build, flags=SAPPHIRE_RAPIDS, amx=False)
    assert denied.runs_here and denied.plain_buffers_only and denied.denied == ("AMX_INT8",)
    assert "not granted" in denied.summary()
    granted = check_build(amx_build, flags=SAPPHIRE_RAPIDS, amx=True)
    assert granted.runs_here and not granted.plain_buffers_only


def test_the_installed_build_runs_on_this_machine() -> None:
    check = check_build(installed_system_info())
    assert check.runs_here, check.problem()
    assert "AVX2" in check.uses or "avx2" not in cpu_flags()
    for feature in check.uses:
        assert FEATURE_FLAGS[feature] in cpu_flags(), feature
    if "AMX_INT8" in check.uses:
        # Only where this process may use the tiles; elsewhere the loader turns the AMX buffers off.
        assert amx_granted() or check.plain_buffers_only


def test_the_default_build_is_portable() -> None:
    """`make setup`'s default flags give an x86-64-v3 build, whatever CPU compiled it."""
    venv = Path(sys.prefix)
    stamps = list(venv.glob(".llama-*"))
    if not stamps:
        pytest.skip("llama-cpp-python was not installed by make setup")
    flags = stamps[0].read_text().split()
    makefile = (REPO_ROOT / "Makefile").read_text()
    if not all(flag in makefile for flag in flags):
        pytest.skip("built with LLAMA_CMAKE_ARGS of the user's own")
    uses = check_build(installed_system_info()).uses
    assert {"AVX", "AVX2", "FMA", "F16C"} <= set(uses), uses
    assert not [f for f in uses if f.startswith(("AVX512", "AMX"))], uses
