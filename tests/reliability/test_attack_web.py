"""The web surface under attack: Gradio's file routes, foreign origins, oversized and disguised uploads, and
the dependencies' known vulnerabilities (pip-audit).

The app is the real page on a free 127.0.0.1 port with the scripted chat model (tests/e2e/appserver.py);
requests go out raw (http.client), so a path is sent exactly as written, never normalised by a client.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.appserver import KB, Server, scripted_server
from gradio_client import Client, handle_file

from advisor.config import REPO_ROOT, ASRSettings, RetrievalSettings, VisionSettings
from ui.owner import new_token

pytestmark = pytest.mark.slow
Record = Callable[..., None]
LIMIT = 2_000_000  # every upload limit, small so a test can go over it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = scripted_server(
        tmp_path_factory.mktemp("web"),
        retrieval=RetrievalSettings(max_file_bytes=LIMIT),
        asr=ASRSettings(max_bytes=LIMIT),
        vision=VisionSettings(max_bytes=LIMIT),
    )
    yield srv
    srv.close()


def raw(
    server: Server, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent byte for byte as given."""
    port = urllib.parse.urlsplit(server.url).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if body is not None and "Transfer-Encoding" not in sent:
            sent["Content-Length"] = str(len(body))
        for key, value in sent.items():
            connection.putheader(key, value)
        connection.endheaders()
        if body is not None:
            connection.send(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def multipart(name: str, payload: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(server: Server, name: str, payload: bytes, **headers: str) -> tuple[int, bytes]:
    body, sent = multipart(name, payload)
    status, _, answer = raw(server, "POST", "/gradio_api/upload", body, {**sent, **headers})
    return status, answer


def test_file_routes_serve_nothing_outside_the_uploads(server: Server, reliability: Record) -> None:
    data = server.settings.data_dir
    secret = data / "secret-notes.md"
    secret.write_text("SENTINEL-IN-THE-DATA-DIR", encoding="utf-8")
    # What each target's body would show if it were served.
    targets = {
        secret: b"SENTINEL-IN-THE-DATA-DIR",
        data / "conversations.sqlite3": b"SQLite format 3",
        data / "catalog.sqlite3": b"SQLite format 3",
        REPO_ROOT / "ui" / "app.py": b"SameOriginOnly",
        REPO_ROOT / "pyproject.toml": b"[project]",
        Path("/etc/passwd"): b"root:",
    }
    # A real upload is served: the routes work, so a refusal below is a refusal.
    status, answer = upload(server, "note.txt", b"an uploaded note")
    assert status == 200, answer
    uploaded = Path(json.loads(answer)[0])
    status, _, body = raw(server, "GET", f"/gradio_api/file={uploaded}")
    assert status == 200 and body == b"an uploaded note"

    cwd = Path.cwd()
    paths: list[str] = []
    for target in targets:
        absolute = str(target)
        up = "../" * (len(cwd.parts) + 2)
        relative = up + absolute.lstrip("/")
        from_uploads = str(uploaded.parent) + "/" + "../" * len(uploaded.parent.parts) + absolute.lstrip("/")
        paths += [
            absolute,
            "/" + absolute,  # //etc/passwd
            relative,
            relative.replace("../", "..%2f"),
            relative.replace("../", "%2e%2e%2f"),
            relative.replace("../", "%252e%252e%252f"),  # double-encoded
            relative.replace("../", "..\\"),
            urllib.parse.quote(absolute, safe=""),
            from_uploads,
            from_uploads.replace("../", "..%2f"),
        ]
    routes = ["/gradio_api/file=", "/file=", "/gradio_api/file/", "/gradio_api/static/"]
    served: list[str] = []
    statuses: dict[int, int] = {}
    for route in routes:
        for path in paths:
            status, _, body = raw(server, "GET", route + path)
            statuses[status] = statuses.get(status, 0) + 1
            if any(marker in body for marker in targets.values()):
                served.append(f"{route}{path} -> {status}")
    assert served == [], served
    cases = len(routes) * len(paths)
    assert statuses.get(200, 0) == 0, statuses  # not even an empty page in place of the file
    reliability(
        "Attacks",
        "Path traversal and absolute paths through Gradio's file routes (/gradio_api/file=, /file=, "
        "/gradio_api/file/, /gradio_api/static/): the data dir, its databases, the source tree, /etc/passwd; "
        "plain, //, ../, ..%2f, %2e%2e%2f, double-encoded, backslashes, from inside the upload folder",
        cases,
        "none served: "
        + ", ".join(f"{n}x {s}" for s, n in sorted(statuses.items()))
        + "; a genuine upload is served (control)",
    )


def test_requests_from_a_foreign_origin_are_refused(server: Server, reliability: Record) -> None:
    port = urllib.parse.urlsplit(server.url).port
    config = raw(server, "GET", "/config")
    assert config[0] == 200
    join = json.dumps({"data": ["finance", None, "en"], "fn_index": 0, "session_hash": "x"}).encode()
    requests = [
        ("GET", "/config", None, {}),
        ("GET", "/gradio_api/info", None, {}),
        ("POST", "/gradio_api/upload", *multipart("a.md", b"# hello\n")),
        ("POST", "/gradio_api/queue/join", join, {"Content-Type": "application/json"}),
        ("POST", "/gradio_api/call/choose_advisor", b'{"data": ["finance", null, "en"]}', {}),
    ]
    origins = ["https://evil.example", "null", f"http://127.0.0.1:{port + 1}", f"http://attacker.test:{port}"]
    refused = 0
    for origin in origins:
        for method, path, body, headers in requests:
            status, _, answer = raw(server, method, path, body, {**headers, "Origin": origin})
            assert (status, answer) == (403, b"foreign origin refused"), (origin, method, path, status)
            refused += 1
    # DNS rebinding: a foreign name resolved to 127.0.0.1, so Host and Origin agree but neither is loopback.
    rebound = {"Host": f"attacker.test:{port}", "Origin": f"http://attacker.test:{port}"}
    for method, path, body, headers in requests:
        for sent in (rebound, {"Host": rebound["Host"]}):
            status, _, answer = raw(server, method, path, body, {**headers, **sent})
            assert (status, answer) == (403, b"foreign origin refused"), ("rebinding", method, path, status)
            refused += 1
    # The page's own origin (either loopback name) still works, as does a client that sends no Origin.
    for own in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        body, headers = multipart("a.md", b"# hi\n")
        status, _, _ = raw(server, "POST", "/gradio_api/upload", body, {**headers, "Origin": own})
        assert status == 200, own
    assert Client(server.url, verbose=False).predict(
        "finance", None, "en", new_token(), api_name="/choose_advisor"
    )
    reliability(
        "Attacks",
        "Requests with a foreign Origin (another site, null, another local port) or a rebound Host name (DNS "
        "rebinding, with and without Origin) to the config, API info, upload, queue and call routes",
        refused,
        f"all {refused} refused with 403 before any handler ran; the page's own origin and gradio_client still served",
    )


def ask(client: Client, text: str, files: list[Any]) -> str:
    job = client.submit(
        {"text": text, "files": files}, [], None, "general", [], False, "en", new_token(), api_name="/chat"
    )
    chat = list(job)[-1][0]
    return "".join(
        part.get("text", "")
        for m in chat
        if m["role"] == "assistant"
        for part in m["content"]
        if "text" in part
    )


def test_oversized_and_disguised_uploads_are_refused(
    server: Server, reliability: Record, tmp_path: Path
) -> None:
    client = Client(server.url, verbose=False)
    documents_before = len(server.advisor.library.catalog.documents(KB))
    # Over max_file_size: refused by the server before any handler sees it, with or without a length.
    big = b"#" * (LIMIT + 100_000)
    status, _ = upload(server, "big.md", big)
    assert status == 413
    body, headers = multipart("big.png", big)
    chunks = b"".join(
        f"{len(body[i : i + 65536]):x}\r\n".encode() + body[i : i + 65536] + b"\r\n"
        for i in range(0, len(body), 65536)
    )
    status, _, _ = raw(
        server,
        "POST",
        "/gradio_api/upload",
        chunks + b"0\r\n\r\n",
        {**headers, "Transfer-Encoding": "chunked"},
    )
    assert status == 413
    oversized = 2

    # Files whose name claims an allowed type: each refused in plain words, nothing indexed.
    elf = b"\x7fELF\x02\x01\x01" + bytes(200)
    html = b"<html><body><script>alert(1)</script>not a picture</body></html>"
    zip_bytes = b"PK\x03\x04" + bytes(100)
    disguised_images = {
        "photo.png": elf,
        "scan.jpg": html,
        "label.webp": zip_bytes,
        "chart.gif": b"GIF89a" + bytes(5),
    }
    for name, payload in disguised_images.items():
        path = tmp_path / name
        path.write_bytes(payload)
        answer = ask(client, "What does this picture say?", [handle_file(str(path))])
        assert "Traceback" not in answer and "alert" not in answer
        assert "picture" in answer.lower() or "image" in answer.lower(), (name, answer)
    disguised_docs = {
        "report.pdf": elf,
        "notes.docx": html,
        "manual.pdf": zip_bytes,
        "letter.docx": b"%PDF-1.7\n",
    }
    files = []
    for name, payload in disguised_docs.items():
        path = tmp_path / name
        path.write_bytes(payload)
        files.append(handle_file(str(path)))
    note = client.predict(KB, files, "en", api_name="/kb_upload")[0]
    for name in disguised_docs:
        escaped = name.replace(".", "\\.")  # the note is Markdown
        assert f"Could not add **{escaped}**" in note, (name, note)
    assert "Traceback" not in note
    assert len(server.advisor.library.catalog.documents(KB)) == documents_before
    reliability(
        "Attacks",
        "Oversized uploads (over max_file_size, with a length and chunked) and files renamed to allowed types "
        "(ELF, HTML, ZIP, a bare GIF header as .png/.jpg/.webp/.gif pictures; ELF, HTML, ZIP, PDF as .pdf/.docx "
        "documents) through the chat and knowledge-base uploads",
        oversized + len(disguised_images) + len(disguised_docs),
        "oversized: 413 before any handler; disguised pictures refused in plain words; disguised documents "
        "each reported as not added, nothing indexed; no traceback",
    )


def test_dependencies_have_no_known_vulnerabilities(reliability: Record, tmp_path: Path) -> None:
    """pip-audit of the installed environment against PyPI's vulnerability data."""
    audit = Path(sys.executable).with_name("pip-audit")
    if not audit.exists():
        pytest.skip("pip-audit is not installed (the dev extra has it)")
    report = tmp_path / "audit.json"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run(
        [str(audit), "--local", "--progress-spinner", "off", "--format", "json", "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    if not report.exists():
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1][:300]
        reliability("Attacks", "pip-audit of the installed dependencies", 1, f"could not run: {reason}")
        pytest.skip(f"pip-audit could not run: {reason}")
    dependencies = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in dependencies})
        why = (
            f"the vulnerability service could not be reached from here: all {len(dependencies)} packages "
            f"skipped ({'; '.join(reasons)})"
        )
        reliability(
            "Attacks", "pip-audit of the installed dependencies", len(dependencies), f"not checked: {why}"
        )
        pytest.skip(why)
    vulnerable = {d["name"]: [v["id"] for v in d["vulns"]] for d in audited if d.get("vulns")}
    assert vulnerable == {}, vulnerable
    reliability(
        "Attacks",
        "pip-audit of the installed dependencies",
        len(audited),
        f"no known vulnerabilities in {len(audited)} audited packages "
        f"({len(dependencies) - len(audited)} not on PyPI, not audited)",
    )
