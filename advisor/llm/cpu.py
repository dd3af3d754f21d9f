"""What this CPU and its OS let a process execute, and which of it the installed llama.cpp build uses.

A CPU can report an instruction set that the OS (or the VM under it) does not let a process use: AMX
tiles must be granted per process (Linux `arch_prctl(ARCH_REQ_XCOMP_PERM)`), and a hypervisor may not
hand the tile state to the guest at all. Executing such an instruction is a fatal fault, not an error,
so the build is compared with what is allowed before the model is loaded.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import re
from dataclasses import dataclass
from pathlib import Path

_SYS_ARCH_PRCTL = 158  # x86-64
_ARCH_GET_XCOMP_SUPP = 0x1021
_ARCH_REQ_XCOMP_PERM = 0x1023
_XFEATURE_XTILEDATA = 18

# llama.cpp's names for what a build uses (llama_print_system_info) -> the /proc/cpuinfo flag it needs.
FEATURE_FLAGS = {
    "SSE3": "pni",
    "SSSE3": "ssse3",
    "AVX": "avx",
    "AVX2": "avx2",
    "AVX_VNNI": "avx_vnni",
    "F16C": "f16c",
    "FMA": "fma",
    "BMI2": "bmi2",
    "AVX512": "avx512f",
    "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16",
    "AMX_INT8": "amx_int8",
}
AMX_FEATURES = frozenset({"AMX_INT8"})


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The instruction-set flags the kernel reports for this CPU (it drops those whose state it does not
    manage, e.g. AVX-512 when XSAVE does not cover it)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return frozenset()
    match = re.search(r"^flags\s*:\s*(.*)$", text, re.MULTILINE)
    return frozenset(match.group(1).split()) if match else frozenset()


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"^model name\s*:\s*(.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.machine()


@functools.cache
def amx_granted() -> bool:
    """Whether this process may use AMX tiles: the kernel supports the tile state and grants it."""
    if platform.machine() not in ("x86_64", "AMD64") or platform.system() != "Linux":
        return False
    if not {"amx_tile", "amx_int8"} <= cpu_flags():
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        supported = ctypes.c_uint64(0)
        if libc.syscall(_SYS_ARCH_PRCTL, _ARCH_GET_XCOMP_SUPP, ctypes.byref(supported)) != 0:
            return False
        if not supported.value & (1 << _XFEATURE_XTILEDATA):
            return False
        return bool(libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA) == 0)
    except (OSError, AttributeError):
        return False


def build_features(system_info: str) -> frozenset[str]:
    """The CPU features a llama.cpp build was compiled to use, from `llama_print_system_info()`'s
    "AVX2 = 1 | AVX512 = 0 | ..." text (only those set to 1)."""
    return frozenset(name for name, value in re.findall(r"([A-Z0-9_]+) = (\d+)", system_info) if value != "0")


@dataclass(frozen=True)
class BuildCheck:
    uses: tuple[str, ...]  # the instruction sets the build uses, in llama.cpp's names
    missing: tuple[str, ...]  # those this CPU lacks
    denied: tuple[str, ...]  # those the CPU has but the OS does not grant (AMX)

    @property
    def runs_here(self) -> bool:
        """Whether the build can run here at all (denied AMX is avoided at load time, see below)."""
        return not self.missing

    @property
    def plain_buffers_only(self) -> bool:
        """AMX is compiled in but not granted: its code runs only through llama.cpp's AMX buffer type,
        so the model must be loaded without the extra buffer types (`use_extra_bufts=False`)."""
        return bool(self.denied)

    def problem(self) -> str:
        """Why the build cannot run here, in words a user can act on ('' when it can)."""
        if not self.missing:
            return ""
        return (
            f"the installed llama.cpp build uses {', '.join(self.missing)}, which this CPU lacks: rebuild "
            "it for this machine (`make setup` builds a portable x86-64-v3 wheel)"
        )

    def summary(self) -> str:
        text = ", ".join(self.uses) or "no SIMD"
        if self.denied:
            text += f" ({', '.join(self.denied)} not granted by the OS: not used)"
        return text


def check_build(system_info: str, flags: frozenset[str] | None = None, amx: bool | None = None) -> BuildCheck:
    """Compare what a build uses with what this CPU has and the OS allows. AMX compiled in is allowed
    only where granted: llama.cpp's AMX path is taken at load time, whatever the model."""
    flags = cpu_flags() if flags is None else flags
    amx = amx_granted() if amx is None else amx
    uses = sorted(f for f in build_features(system_info) if f in FEATURE_FLAGS)
    missing = tuple(f for f in uses if FEATURE_FLAGS[f] not in flags)
    denied = tuple(f for f in uses if f in AMX_FEATURES and f not in missing and not amx)
    return BuildCheck(tuple(uses), missing, denied)
