"""Turn a CTranslate2 Whisper model back into an openai-whisper checkpoint (`whisper.load_model(path)`).

CTranslate2 keeps the original float16 tensors under other names, with the attention projections fused:
self-attention q/k/v in one `linear_0` (the key has no bias, so its third of the bias is zeros), and the
cross-attention k/v in `linear_1`. Splitting and renaming them gives back the exact weights, so both
backends run the same model. Quantised (int8) CTranslate2 models cannot be converted and are refused.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from advisor.models import ModelIntegrityError

# CTranslate2's type ids, in its order: float32, int8, int16, int32, float16, bfloat16.
_DTYPES: dict[int, Any] = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(path: Path) -> dict[str, np.ndarray]:
    """Every variable in a CTranslate2 model.bin (binary format version 6), as numpy arrays."""
    data = memoryview(path.read_bytes())
    offset = 0

    def take(fmt: str) -> int:
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return int(value)

    def text() -> str:
        nonlocal offset
        length = take("<H")
        value = bytes(data[offset : offset + length - 1]).decode()
        offset += length
        return value

    version = take("<I")
    if version < 5:
        raise ModelIntegrityError(f"{path}: CTranslate2 binary version {version} is too old to convert")
    spec = text()
    if spec != "WhisperSpec":
        raise ModelIntegrityError(f"{path} is a {spec} model, not Whisper")
    take("<I")  # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(take("<I")):
        name = text()
        shape = [take("<I") for _ in range(take("<B"))]
        dtype_id, nbytes = take("<B"), take("<I")
        if dtype_id not in _DTYPES:
            raise ModelIntegrityError(f"{path}: {name} has an unsupported type id {dtype_id}")
        raw = data[offset : offset + nbytes]
        offset += nbytes
        variables[name] = np.frombuffer(raw, dtype=_DTYPES[dtype_id]).reshape(shape)
    for _ in range(take("<I")):
        alias, target = text(), text()
        variables[alias] = variables[target]
    return variables


def _layer_count(variables: dict[str, np.ndarray], prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in variables:
        n += 1
    return n


def ct2_to_openai_state(variables: dict[str, np.ndarray]) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """openai-whisper's (dims, state_dict) from CTranslate2 variables, without copying tensor data."""
    if any(name.endswith("weight_scale") for name in variables):
        raise ModelIntegrityError("this CTranslate2 model is quantised (int8); only float models convert")
    v = variables
    state: dict[str, np.ndarray] = {}

    def norm(target: str, source: str) -> None:
        state[f"{target}.weight"], state[f"{target}.bias"] = v[f"{source}/gamma"], v[f"{source}/beta"]

    def linear(target: str, source: str) -> None:
        state[f"{target}.weight"], state[f"{target}.bias"] = v[f"{source}/weight"], v[f"{source}/bias"]

    def fused(target: str, source: str, names: tuple[str, ...]) -> None:
        weights = np.split(v[f"{source}/weight"], len(names))
        biases = np.split(v[f"{source}/bias"], len(names))
        for name, weight, bias in zip(names, weights, biases, strict=True):
            state[f"{target}.{name}.weight"] = weight
            if name != "key":  # Whisper's key projection has no bias
                state[f"{target}.{name}.bias"] = bias

    def block(target: str, source: str, cross: bool) -> None:
        fused(f"{target}.attn", f"{source}/self_attention/linear_0", ("query", "key", "value"))
        linear(f"{target}.attn.out", f"{source}/self_attention/linear_1")
        norm(f"{target}.attn_ln", f"{source}/self_attention/layer_norm")
        if cross:
            linear(f"{target}.cross_attn.query", f"{source}/attention/linear_0")
            fused(f"{target}.cross_attn", f"{source}/attention/linear_1", ("key", "value"))
            linear(f"{target}.cross_attn.out", f"{source}/attention/linear_2")
            norm(f"{target}.cross_attn_ln", f"{source}/attention/layer_norm")
        linear(f"{target}.mlp.0", f"{source}/ffn/linear_0")
        linear(f"{target}.mlp.2", f"{source}/ffn/linear_1")
        norm(f"{target}.mlp_ln", f"{source}/ffn/layer_norm")

    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    state["encoder.positional_embedding"] = v["encoder/position_encodings/encodings"]
    n_audio_layer, n_text_layer = _layer_count(v, "encoder"), _layer_count(v, "decoder")
    for i in range(n_audio_layer):
        block(f"encoder.blocks.{i}", f"encoder/layer_{i}", cross=False)
    norm("encoder.ln_post", "encoder/layer_norm")
    state["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
    state["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
    for i in range(n_text_layer):
        block(f"decoder.blocks.{i}", f"decoder/layer_{i}", cross=True)
    norm("decoder.ln", "decoder/layer_norm")

    conv1 = v["encoder/conv1/weight"]  # (n_audio_state, n_mels, 3)
    dims = {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(conv1.shape[0]),
        "n_audio_head": int(v["encoder/num_heads"]),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(v["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(v["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(v["decoder/num_heads"]),
        "n_text_layer": n_text_layer,
    }
    return dims, state


def convert_ct2_folder(folder: Path, target: Path) -> Path:
    """Write `target` (a torch checkpoint) from the CTranslate2 model in `folder`, once.

    The checkpoint is rebuilt only when the source model.bin changed (size and mtime in a marker).
    """
    import torch

    source = folder / "model.bin"
    stat = source.stat()
    stamp = f"{source.resolve()} {stat.st_size} {stat.st_mtime_ns}"
    marker = target.with_name(target.name + ".source")
    if target.is_file() and marker.is_file() and marker.read_text() == stamp:
        return target
    dims, state = ct2_to_openai_state(read_ct2(source))
    checkpoint = {
        "dims": dims,
        "model_state_dict": {name: torch.from_numpy(array.copy()) for name, array in state.items()},
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        torch.save(checkpoint, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    marker.write_text(stamp)
    return target


def alignment_heads(folder: Path) -> list[tuple[int, int]]:
    """The (layer, head) pairs for word timing, from the CTranslate2 config, if it has them."""
    try:
        config = json.loads((folder / "config.json").read_text())
        return [(int(layer), int(head)) for layer, head in config.get("alignment_heads", [])]
    except (OSError, ValueError, TypeError):
        return []
