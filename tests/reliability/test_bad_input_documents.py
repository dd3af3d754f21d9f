"""Hostile and broken documents in one ingest: each fails alone with a plain reason, nothing half-saved,
the good files of the same batch land, and catalog, vector store and BM25 agree afterwards."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

from test_loaders import make_pdf  # one PDF maker for the loader tests and these

from advisor.knowledge.ingest import ingest
from advisor.knowledge.library import KnowledgeLibrary

GOOD_ZH = (
    "# 应急资金\n\n"
    + "。".join(f"第{i}条：应急资金最好能覆盖三到六个月的生活开支" for i in range(12))
    + "。\n"
)
GOOD_EN = (
    "# Budgets\n\n" + " ".join(f"Rule {i}: write the budget down every month." for i in range(12)) + "\n"
)


def _pdf_bomb() -> bytes:
    """A one-page PDF whose content stream inflates from about 1 MB to 1 GiB."""
    # After a full flush the compressor forgets its history, so every 1 MiB block of spaces compresses to
    # the same bytes: one segment repeated makes a 1 GiB stream in milliseconds.
    deflate = zlib.compressobj(9)
    block = b" " * (1 << 20)
    first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(block) + deflate.flush()
    check = 1
    for _ in range(1024):
        check = zlib.adler32(block, check)
    body = first + segment * 1022 + last[:-4] + check.to_bytes(4, "big")  # the checksum of all 1 GiB
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _docx(paragraph: str = "placeholder") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_with_body(prolog: str, replacement: str) -> bytes:
    """A real DOCX whose document.xml gets a DOCTYPE `prolog` and `replacement` in place of its text."""
    source = zipfile.ZipFile(io.BytesIO(_docx()))
    body = source.read("word/document.xml").decode().split("?>", 1)[1]
    evil = f'<?xml version="1.0"?>{prolog}' + body.replace("placeholder", replacement)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, evil if item.filename == "word/document.xml" else source.read(item))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


LAUGHS = (
    '<!DOCTYPE w [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)


def bad_documents(secret: Path) -> dict[str, bytes]:
    """File name -> content, every one of which must be refused."""
    pdf = make_pdf("Keep an emergency fund of three to six months of expenses. " * 20)
    return {
        "encrypted.pdf": make_pdf("secret budget", password="hunter2"),
        "malformed.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << >>\n%%EOF",
        "truncated.pdf": pdf[: len(pdf) // 3],
        "bomb.pdf": _pdf_bomb(),
        "zip-bomb.docx": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (300 << 20)}),
        "zip-slip.docx": _zip({"../../evil.xml": b"<x/>", "word/document.xml": b"<x/>"}),
        "absolute-path.docx": _zip({"/etc/cron.d/evil": b"x", "word/document.xml": b"<x/>"}),
        "billion-laughs.docx": _docx_with_body(LAUGHS, "&i;"),
        "external-entity.docx": _docx_with_body(
            f'<!DOCTYPE w [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;"
        ),
        "not-a-zip.docx": b"PK\x03\x04 this is not really a zip",
        "latin1.txt": "Caf\xe9 cr\xe8me br\xfbl\xe9e, \xa3 and \xa7 and \xbf".encode("latin-1") * 30,
        "utf16-without-bom.md": "# 预算\n\n每月记账。".encode("utf-16-le"),
        "binary.md": bytes(range(256)) * 40,
        "empty.md": b"",
        "whitespace.txt": b" \n\t\r\n   \n",
        "only-script.html": b"<html><script>alert(1)</script><p style='display:none'>hidden</p></html>",
    }


def good_documents() -> dict[str, bytes]:
    long_name = ("很长的文件名" * 12)[:70] + ".md"  # 70 CJK characters: 213 bytes, near the 255-byte limit
    return {
        "预算与应急资金.md": GOOD_ZH.encode(),
        long_name: GOOD_ZH.replace("应急资金", "长期储蓄").encode(),
        ("a-very-long-english-name-" * 9)[:240] + ".txt": GOOD_EN.encode(),
        "gb18030.txt": GOOD_ZH.replace("应急资金", "记账").encode("gb18030"),
        "utf16-with-bom.md": GOOD_ZH.replace("应急资金", "退休金").encode("utf-16"),
        "budget.pdf": make_pdf("Write the budget down every month and keep receipts. " * 10),
        "plain.docx": _docx("Pay yourself first: save before you spend, every month."),
    }


def _blobs(library: KnowledgeLibrary) -> set[str]:
    return {p.name for p in library.blob_dir.iterdir()} if library.blob_dir.is_dir() else set()


def test_bad_documents_fail_alone_and_nothing_is_half_saved(
    library: KnowledgeLibrary, tmp_path: Path, reliability
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CANARY-7731")
    folder = tmp_path / "batch"
    folder.mkdir()
    bad, good = bad_documents(secret), good_documents()
    for name, data in {**bad, **good}.items():
        (folder / name).write_bytes(data)

    started = time.perf_counter()
    report = ingest(library, [folder], "mixed")
    seconds = time.perf_counter() - started

    assert set(report.failed) == {f"batch/{name}" for name in bad}, report.failed
    assert set(report.added) == {f"batch/{name}" for name in good}, report
    for key, reason in report.failed.items():
        assert reason and "Traceback" not in reason and len(reason) < 200, (key, reason)
    reasons = report.failed
    assert "password" in reasons["batch/encrypted.pdf"]
    assert "zip bomb" in reasons["batch/zip-bomb.docx"]
    assert (
        "unsafe path" in reasons["batch/zip-slip.docx"]
        and "unsafe path" in reasons["batch/absolute-path.docx"]
    )
    assert "UTF-8" in reasons["batch/latin1.txt"] and "empty" in reasons["batch/empty.md"]
    assert "compression bomb" in reasons["batch/bomb.pdf"]
    # Nothing half-saved: only the good documents are catalogued, and only their sources are kept.
    check = library.check("mixed")
    assert check.ok and check.documents == len(good), check
    assert check.catalog_chunks == check.store_count == check.bm25_chunks
    kept = {f"{d.sha256}{d.suffix}" for d in library.catalog.documents("mixed")}
    assert _blobs(library) == kept
    everything = " ".join(
        text for _, _, text, _ in library.catalog.chunk_rows("mixed", library.catalog.chunk_ids("mixed"))
    )
    assert "CANARY" not in everything and "lollol" not in everything
    # The same batch again: nothing changes, the same files fail for the same reasons.
    again = ingest(library, [folder], "mixed")
    assert again.failed == report.failed and set(again.unchanged) == set(report.added)
    assert not again.changed and library.check("mixed").ok
    reliability(
        "Bad input",
        "Documents in one ingest: " + ", ".join(bad) + f"; beside {len(good)} good files "
        "(Chinese and 70-character names, a 245-character name, GB18030 and UTF-16 text, PDF, DOCX)",
        cases=len(bad) + len(good),
        result=(
            f"the {len(bad)} bad files each failed alone with a plain reason (no entity expanded, no file "
            f"read through XXE, the 1 GB PDF bomb refused); the {len(good)} good files landed; catalog = "
            f"vector store = BM25 = {check.catalog_chunks} chunks; no stored source left for a failed file; "
            f"re-run changed nothing; {seconds:.1f} s"
        ),
    )


def test_the_ingest_command_reports_each_bad_file(tmp_path: Path, reliability) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    bad = bad_documents(tmp_path / "missing-secret")
    picked = ["encrypted.pdf", "zip-bomb.docx", "latin1.txt", "empty.md", "billion-laughs.docx"]
    for name in picked:
        (folder / name).write_bytes(bad[name])
    (folder / "预算.md").write_text(GOOD_ZH)
    env = {**os.environ, "ADVISOR_DATA_DIR": str(tmp_path / "data"), "ADVISOR_EMBEDDINGS__BACKEND": "hashing"}
    command = [sys.executable, "-m", "advisor.cli", "ingest", str(folder), "--kb", "笔记"]
    mixed = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert mixed.returncode == 0, mixed.stderr
    report = json.loads(mixed.stdout)
    assert sorted(report["failed"]) == sorted(f"batch/{n}" for n in picked) and report["added"] == [
        "batch/预算.md"
    ]
    (folder / "预算.md").unlink()
    only_bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert only_bad.returncode == 1 and "Traceback" not in only_bad.stderr
    for name in picked:
        assert f"batch/{name}" in only_bad.stderr.replace("\n", "")
    reliability(
        "Bad input",
        "Documents through `advisor ingest`: 5 bad files with 1 good, then the 5 alone",
        cases=len(picked) * 2 + 1,
        result="each bad file named with its reason; exit 0 when something landed, 1 when all failed; no traceback",
    )
