"""Turn a file (Markdown, text, HTML, PDF, DOCX) into plain Markdown-ish text plus its metadata.

Every failure is a DocumentError whose message is meant for the user: which file, what is wrong.
Untrusted input: sizes are checked before parsing, archives before unpacking, hidden HTML is dropped.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from advisor.knowledge.text import clean_text, detect_language

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}  # read by OCR (advisor.vision)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | IMAGE_SUFFIXES | {".pdf", ".docx"}

MAX_EXTRACTED_CHARS = 5_000_000
MAX_PDF_PAGES = 2_000
MAX_PDF_OCR_PAGES = 300  # about 1-2 s a page on two cores
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200  # compressed-to-unpacked ratio above this is treated as a zip bomb
MAX_PDF_STREAM_BYTES = 64 * 1024 * 1024  # one page's inflated content or image; a 600 dpi A4 scan is ~100 MB


class DocumentError(Exception):
    """A document that cannot be ingested; the message says why in plain words."""


@dataclass(frozen=True)
class LoadedDocument:
    text: str  # Markdown-ish body: headings as '#' lines
    title: str
    language: str  # zh | en
    metadata: dict[str, str] = field(default_factory=dict)  # front matter: domain, source, updated, ...


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}; supported: {_supported()}")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("the file is empty")
    if size > max_bytes:
        raise DocumentError(f"the file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB")
    data = path.read_bytes()
    reader = _READERS[suffix]
    try:
        body, title, metadata = reader(data)
    except DocumentError:
        raise
    except Exception as exc:  # parsers raise many types on malformed input
        raise DocumentError(
            f"the {suffix[1:].upper()} file could not be read ({type(exc).__name__})"
        ) from exc
    body = clean_text(body).strip()
    if len(body) > MAX_EXTRACTED_CHARS:
        raise DocumentError(f"the document holds over {MAX_EXTRACTED_CHARS:,} characters of text")
    if not body:
        raise DocumentError("the document contains no text")
    title = clean_text(metadata.pop("title", "") or title or _first_heading(body) or path.stem).strip()
    language = metadata.pop("language", "") or detect_language(body)
    return LoadedDocument(text=body, title=title, language=language, metadata=metadata)


def _supported() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def _first_heading(text: str) -> str:
    match = re.search(r"^#{1,6}\s+(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else ""


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark, as Notepad saves it
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                "the text says it is UTF-16 but is not; save it as UTF-8 and try again"
            ) from exc
    if b"\x00" in data[:8192]:
        raise DocumentError("this looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Chinese text files from Windows are often GBK/GB18030; accept them only when they read as text.
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    visible = [ch for ch in text if not ch.isspace()]
    readable = sum(1 for ch in visible if (ch.isascii() and ch.isprintable()) or "\u4e00" <= ch <= "\u9fff")
    if visible and readable / len(visible) > 0.9:
        return text
    raise DocumentError("the text is not UTF-8 (nor GB18030); save it as UTF-8 and try again")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---"):
        return {}, text
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.DOTALL)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise DocumentError(f"the front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(meta, dict):
        return {}, text
    return {str(k): str(v) for k, v in meta.items() if v is not None}, text[match.end() :]


def _read_text(data: bytes) -> tuple[str, str, dict[str, str]]:
    metadata, body = split_front_matter(decode_text(data))
    return body, "", metadata


def _read_html(data: bytes) -> tuple[str, str, dict[str, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data), "html.parser")
    for node in soup(["script", "style", "noscript", "template", "iframe", "object", "svg"]):
        node.decompose()
    # Text a reader cannot see is a classic prompt-injection carrier: drop it.
    hidden = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0", re.I)
    for node in soup.find_all(True):
        attrs = getattr(node, "attrs", None)
        if attrs is None:
            continue
        style = node.get("style")
        if "hidden" in attrs or node.get("aria-hidden") == "true" or (style and hidden.search(str(style))):
            node.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.replace_with(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n")
    for block in soup.find_all(["p", "li", "tr", "div", "br", "section", "article"]):
        block.insert_after("\n")
    text = re.sub(r"\n{3,}", "\n\n", soup.get_text())
    return text, title, {}


def _read_pdf(data: bytes) -> tuple[str, str, dict[str, str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        # An empty user password only restricts printing/copying; anything else we cannot open.
        try:
            unlocked = bool(reader.decrypt(""))
        except Exception:
            unlocked = False
        if not unlocked:
            raise DocumentError("the PDF is encrypted with a password; remove the password and try again")
    if len(reader.pages) > MAX_PDF_PAGES:
        raise DocumentError(f"the PDF has {len(reader.pages)} pages, over the limit of {MAX_PDF_PAGES}")
    _check_pdf_streams(reader)
    pages, total = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        total += len(text)
        if total > MAX_EXTRACTED_CHARS:
            raise DocumentError(f"the PDF holds over {MAX_EXTRACTED_CHARS:,} characters of text")
        pages.append(text)
    empty = [i for i, text in enumerate(pages) if not text.strip()]
    if empty and len(empty) <= MAX_PDF_OCR_PAGES:
        # Scanned pages (no text layer) are read by OCR: all of a scan, or the scanned pages of a mix.
        from advisor.vision import VisionError
        from advisor.vision.ocr import ocr_pdf_page_texts

        try:
            for index, text in zip(empty, ocr_pdf_page_texts(data, empty), strict=True):
                pages[index] = text
        except VisionError as exc:
            raise DocumentError(str(exc)) from exc
    if not any(p.strip() for p in pages):
        raise DocumentError("the PDF has no text layer and OCR found no text in its pages")
    title = ""
    if reader.metadata and reader.metadata.title:
        title = str(reader.metadata.title)
    return "\n\n".join(pages), title, {}


def _check_pdf_streams(reader: Any) -> None:
    """Refuse a compression bomb before any page is parsed or rendered: a page whose content streams or
    XObjects inflate past MAX_PDF_STREAM_BYTES. Inflating stops at the limit, so this is cheap."""
    for number, page in enumerate(reader.pages, 1):
        streams = []
        contents = page.get("/Contents")
        if contents is not None:
            contents = contents.get_object()
            streams += list(contents) if isinstance(contents, list) else [contents]
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is not None:
            streams += list(xobjects.get_object().values())
        total = 0
        for ref in streams:
            stream = ref.get_object()
            total += _inflated_size(stream, MAX_PDF_STREAM_BYTES - total)
            if total > MAX_PDF_STREAM_BYTES:
                raise DocumentError(
                    f"page {number} of the PDF unpacks to over {MAX_PDF_STREAM_BYTES >> 20} MB; "
                    "it looks like a compression bomb"
                )


def _inflated_size(stream: Any, limit: int) -> int:
    """How many bytes a stream inflates to, counting no further than just past `limit`."""
    raw = getattr(stream, "_data", b"") or b""
    filters = stream.get("/Filter") if hasattr(stream, "get") else None
    first = filters[0] if isinstance(filters, list) and filters else filters
    if str(first) not in ("/FlateDecode", "/Fl"):
        return len(raw)  # other filters are bounded by pypdf's own output limits
    inflater = zlib.decompressobj()
    size, pending = 0, raw
    try:
        while pending and size <= limit:
            size += len(inflater.decompress(pending, 1 << 20))
            pending = inflater.unconsumed_tail
        if size <= limit:
            size += len(inflater.flush())
    except zlib.error:
        pass  # a damaged stream: pypdf reports it when the page is read
    return size


def check_zip(data: bytes, max_unpacked: int = MAX_DOCX_UNPACKED_BYTES) -> zipfile.ZipFile:
    """Refuse zip bombs and unsafe member names before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise DocumentError("the file is not a valid DOCX (not a zip archive)") from exc
    unpacked = 0
    for info in archive.infolist():
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
            raise DocumentError(f"the archive holds an unsafe path ({name[:60]!r})")
        unpacked += info.file_size
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_ZIP_RATIO
            and info.file_size > 1e6
        ):
            raise DocumentError("the DOCX looks like a zip bomb (compression ratio too high)")
    if unpacked > max_unpacked:
        raise DocumentError(f"the DOCX unpacks to {unpacked / 1e6:.0f} MB, over the limit")
    return archive


def _read_docx(data: bytes) -> tuple[str, str, dict[str, str]]:
    check_zip(data)
    import docx

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append(f"# {text}")
        elif level:
            lines.append(f"{'#' * int(level.group(1))} {text}")
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    title = document.core_properties.title or ""
    return "\n\n".join(lines), title, {}


def _read_image(data: bytes) -> tuple[str, str, dict[str, str]]:
    from advisor.vision import VisionError
    from advisor.vision.ocr import ocr_image_bytes

    try:
        text = ocr_image_bytes(data)  # checked as an untrusted upload first (format, size, pixels)
    except VisionError as exc:
        raise DocumentError(str(exc)) from exc
    if not text.strip():
        raise DocumentError("no readable text was found in the image (OCR reads printed text only)")
    return text, "", {}


_READERS: dict[str, Callable[[bytes], tuple[str, str, dict[str, str]]]] = {
    **{s: _read_text for s in TEXT_SUFFIXES},
    **{s: _read_html for s in HTML_SUFFIXES},
    **{s: _read_image for s in IMAGE_SUFFIXES},
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
