"""`make bench`: run every benchmark, then rewrite docs/BENCHMARKS.md from the saved results.

python -m bench.run [--only NAME ...] [--report-only]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from bench.report import write_report

BENCHMARKS = {
    "retrieval_cmrc_trial": ["bench.retrieval_cmrc", "--split", "trial", "--tune"],
    "retrieval_cmrc_dev": ["bench.retrieval_cmrc", "--split", "dev"],
    "retrieval_kb": ["bench.retrieval_kb"],
    "retrieval_latency": ["bench.retrieval_latency"],
    "dialogue_kb": ["bench.dialogue_kb"],
    "ocr": ["bench.ocr"],
    "image_kb": ["bench.image_kb"],
    "asr": ["bench.asr"],
    "asr_names": ["bench.asr_names"],
    "tts": ["bench.tts"],
    "dialogue_cmrc": ["bench.dialogue_cmrc"],
    "llm_quant": ["bench.llm_quant"],
    "llm_build": ["bench.llm_build"],
    "turn_latency": ["bench.turn_latency"],
    "voice_latency": ["bench.voice_latency"],
    "transport": ["bench.transport"],
    "app": ["bench.app"],
    "api_latency": ["bench.api_latency"],
    # Eleven minutes or more of real time; alone: python -m bench.run --only voice_soak
    "voice_soak": ["bench.voice_soak", "--minutes", "10"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS))
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        for name in args.only or BENCHMARKS:
            print(f"== {name}", flush=True)
            subprocess.run([sys.executable, "-m", *BENCHMARKS[name]], check=True)
    print("wrote", write_report())


if __name__ == "__main__":
    main()
