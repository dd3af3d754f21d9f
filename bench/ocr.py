"""OCR character accuracy of the packaged RapidOCR (PP-OCRv4) on generated pictures of text.

Each case draws 2-4 lines of Chinese, English or mixed text (labels, notices, receipts, instructions)
with one of several fonts at one of several sizes, rotates the text by up to 10 degrees, lays it over a
photo that scikit-image ships (on a translucent label, or straight onto the photo with an outline),
JPEG-compresses the result at quality 45-90, and sends the bytes through the same path as a user upload
(`load_image` then the OCR reader, text in reading order).

Character accuracy = 1 - (edit distance / reference length), summed over all cases, after NFKC
normalisation (full-width ：，（） become their ASCII forms) and with all whitespace removed (OCR often
drops or adds the space between a Chinese word and a number). The strict figure keeps full-width forms.

    python -m bench.ocr [--cases 40] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
import unicodedata
from typing import Any

from advisor.vision.ocr import get_engine
from advisor.vision.safe_image import load_image
from bench.asr_metrics import edit_distance
from bench.common import percentiles, save
from bench.vision_samples import CJK_FONTS, LATIN_FONTS, available_fonts, jpeg, photo, render_text

TARGET = 0.98

PHOTOS = [
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "camera",
    "coins",
    "brick",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "clock",
]

TEXTS: list[tuple[str, list[str]]] = [
    ("zh", ["营养成分表", "能量 1850千焦 22%", "钠 680毫克 34%"]),
    ("zh", ["每日食盐摄入量不超过5克", "少吃腌制食品"]),
    ("zh", ["七天无理由退货", "商品需保持完好", "请保留购物小票"]),
    ("zh", ["用法用量：口服", "一次2片，一日3次", "饭后服用"]),
    ("zh", ["生产日期：2024年3月15日", "保质期：18个月"]),
    ("zh", ["请勿在此吸烟", "违者罚款200元"]),
    ("zh", ["空腹血糖 5.6 毫摩尔/升", "参考范围 3.9-6.1"]),
    ("zh", ["账户余额：12,345.67元", "本月支出：3,210.50元"]),
    ("zh", ["儿童用量请遵医嘱", "孕妇禁用"]),
    ("zh", ["会员价 ¥29.90", "原价 ¥39.90"]),
    ("zh", ["贮藏：密封，置阴凉干燥处"]),
    ("zh", ["退款将在7个工作日内", "原路退回到您的账户"]),
    ("zh", ["紧急出口", "保持通道畅通"]),
    ("zh", ["配料：水、白砂糖、食用盐", "过敏原信息：含大豆"]),
    ("en", ["Nutrition Facts", "Sodium 680mg 34%", "Total Fat 8g 10%"]),
    ("en", ["Returns accepted within 30 days", "Keep your receipt"]),
    ("en", ["Take 2 tablets daily", "Do not exceed the stated dose"]),
    ("en", ["Best before 2025-06-30", "Store in a cool dry place"]),
    ("en", ["Balance: $4,210.55", "Interest rate 3.25%"]),
    ("en", ["Wet Floor", "Caution"]),
    ("en", ["Fasting glucose 5.6 mmol/L", "Reference 3.9-6.1"]),
    ("en", ["Sale price $19.99", "Was $24.99"]),
    ("en", ["Keep out of reach of children"]),
    ("en", ["Ingredients: water, sugar, salt", "Contains: soy"]),
    ("en", ["Emergency Exit", "Do not block"]),
    ("en", ["Refunds are issued within", "7 business days"]),
    ("mixed", ["维生素C Vitamin C", "100毫克 100mg"]),
    ("mixed", ["退货政策 Return Policy", "30天内 within 30 days"]),
    ("mixed", ["总计 Total: ¥128.00"]),
    ("mixed", ["高血压 Hypertension", "收缩压 140 mmHg"]),
    ("mixed", ["WiFi密码：guest2024"]),
    ("mixed", ["订单号 Order No. 20240315001"]),
]

SIZES = [24, 30, 36, 44, 56]


def normalise(text: str, *, strict: bool = False) -> str:
    if not strict:
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


def build_cases(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    cjk = available_fonts(CJK_FONTS)
    latin = available_fonts(LATIN_FONTS)
    if not cjk:
        raise SystemExit("no CJK font found: apt-get install fonts-wqy-microhei")
    cases = []
    for index in range(count):
        language, lines = TEXTS[index % len(TEXTS)]
        fonts = cjk if language != "en" else {**cjk, **latin}
        font_name = sorted(fonts)[index % len(fonts)]
        cases.append(
            {
                "id": index,
                "language": language,
                "lines": lines,
                "font": font_name,
                "font_path": fonts[font_name],
                "size": SIZES[index % len(SIZES)],
                "angle": round(rng.uniform(-10, 10), 1),
                "photo": PHOTOS[index % len(PHOTOS)],
                "panel": index % 3 != 2,  # one in three straight onto the photo, with an outline
                "quality": rng.choice([45, 55, 65, 75, 85, 90]),
            }
        )
    return cases


def run(count: int, seed: int) -> dict[str, Any]:
    engine = get_engine()
    t0 = time.perf_counter()
    engine.load()
    load_ms = (time.perf_counter() - t0) * 1000
    results = []
    totals = {"edits": 0, "chars": 0, "strict_edits": 0, "strict_chars": 0}
    by_language: dict[str, dict[str, int]] = {}
    timings = []
    for case in build_cases(count, seed):
        picture = render_text(
            case["lines"],
            case["font_path"],
            case["size"],
            background=photo(case["photo"]),
            angle=case["angle"],
            panel=case["panel"],
        )
        data = jpeg(picture, case["quality"])
        started = time.perf_counter()
        image = load_image(data)
        found = engine.recognise(image.to_bgr())
        timings.append((time.perf_counter() - started) * 1000)
        reference = "\n".join(case["lines"])
        ref, hyp = normalise(reference), normalise(found.text)
        edits = edit_distance(ref, hyp)
        strict_ref, strict_hyp = normalise(reference, strict=True), normalise(found.text, strict=True)
        strict_edits = edit_distance(strict_ref, strict_hyp)
        totals["edits"] += edits
        totals["chars"] += len(ref)
        totals["strict_edits"] += strict_edits
        totals["strict_chars"] += len(strict_ref)
        group = by_language.setdefault(case["language"], {"edits": 0, "chars": 0, "cases": 0})
        group["edits"] += edits
        group["chars"] += len(ref)
        group["cases"] += 1
        accuracy = 1 - edits / max(len(ref), 1)
        results.append(
            {
                **{k: v for k, v in case.items() if k != "font_path"},
                "width": image.width,
                "height": image.height,
                "jpeg_bytes": len(data),
                "expected": reference,
                "read": found.text,
                "accuracy": round(accuracy, 4),
                "confidence": round(found.confidence, 4),
            }
        )
        flag = "" if edits == 0 else f"   <- {found.text!r}"
        print(f"{case['id']:3d} {case['language']:5s} {accuracy:6.3f} {case['font']:20s}{flag}", flush=True)
    accuracy = 1 - totals["edits"] / totals["chars"]
    return {
        "cases": len(results),
        "character_accuracy": round(accuracy, 4),
        "character_accuracy_strict": round(1 - totals["strict_edits"] / totals["strict_chars"], 4),
        "target": TARGET,
        "meets_target": accuracy >= TARGET,
        "exact_cases": sum(1 for r in results if r["accuracy"] == 1.0),
        "by_language": {
            name: {
                "cases": group["cases"],
                "characters": group["chars"],
                "character_accuracy": round(1 - group["edits"] / group["chars"], 4),
            }
            for name, group in sorted(by_language.items())
        },
        "reference_characters": totals["chars"],
        "model_load_ms": round(load_ms, 1),
        "ocr_ms": percentiles(timings),
        "fonts": sorted({r["font"] for r in results}),
        "photos": sorted({r["photo"] for r in results}),
        "normalisation": "NFKC, whitespace removed; strict: whitespace removed only",
        "results": results,
    }


def report_section() -> list[str]:
    """Markdown lines for docs/BENCHMARKS.md, from the saved result (for bench/report.py)."""
    import json

    from bench.common import RESULTS_DIR

    path = RESULTS_DIR / "ocr.json"
    if not path.exists():
        return ["_No OCR result yet: run `python -m bench.ocr`._"]
    result = json.loads(path.read_text())
    m = result["machine"]
    lines = [
        f"{result['cases']} generated images ({result['reference_characters']} characters): Chinese, English and"
        f" mixed text in {len(result['fonts'])} fonts at 24-56 px, rotated up to 10 degrees, over"
        f" {len(result['photos'])} scikit-image sample photos, JPEG quality 45-90; the packaged RapidOCR"
        " PP-OCRv4 through the upload path. Normalisation: " + result["normalisation"] + ".",
        "",
        "| set | images | characters | character accuracy |",
        "| --- | --- | --- | --- |",
    ]
    for name, group in result["by_language"].items():
        lines.append(f"| {name} | {group['cases']} | {group['characters']} | {group['character_accuracy']} |")
    met = "met" if result["meets_target"] else "NOT met"
    lines += [
        f"| all | {result['cases']} | {result['reference_characters']} | {result['character_accuracy']} |",
        "",
        f"Character accuracy {result['character_accuracy']} (target >= {result['target']}: {met}); strict"
        f" (full-width forms kept) {result['character_accuracy_strict']}; {result['exact_cases']} of"
        f" {result['cases']} images read exactly. OCR time per image p50 {result['ocr_ms']['p50']} ms,"
        f" p95 {result['ocr_ms']['p95']} ms; model load {result['model_load_ms']} ms.",
        "",
        f"_Run {m['date']} at commit `{m['commit']}` on {m['cpu']} ({m['cores']} cores), Python {m['python']}."
        f" Command: `{result['command']}`._",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    payload = run(args.cases, args.seed)
    print(
        f"character accuracy {payload['character_accuracy']:.4f} (strict {payload['character_accuracy_strict']:.4f})"
        f" on {payload['cases']} images, {payload['exact_cases']} exact; OCR p50 {payload['ocr_ms']['p50']} ms"
    )
    print("saved", save("ocr", payload))


if __name__ == "__main__":
    main()
