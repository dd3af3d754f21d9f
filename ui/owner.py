"""Whose conversations a request may see: the logged-in user's, or else the browser's own.

Each browser keeps a random token in its localStorage (a Gradio BrowserState, encrypted with a secret
kept in the data dir, so it still opens after a restart); the token is the browser's owner id. With the
optional login, the user name is the owner instead, so a user sees their conversations from any browser.
A request with neither (an API client that sent no token) owns nothing: it is answered but not saved.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

TOKEN = re.compile(r"^[0-9a-f]{32}$")
SECRET_FILE = "ui-browser-secret"


def new_token() -> str:
    return secrets.token_hex(16)


def valid_token(token: Any) -> bool:
    return isinstance(token, str) and TOKEN.match(token) is not None


def ensure_token(token: Any) -> str:
    """The browser's token, or a fresh one when it has none (first visit) or holds something else."""
    return token if valid_token(token) else new_token()


def owner_of(token: Any, request: Any = None) -> str | None:
    """The owner id the conversation store keys sessions by; None when the request has no identity."""
    user = getattr(request, "username", None) if request is not None else None
    if user:
        return f"user:{user}"
    if valid_token(token):
        return f"browser:{token}"
    return None


def _read_secret(path: Path) -> str | None:
    try:
        secret = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return secret if len(secret) >= 32 else None


def browser_secret(data_dir: Path) -> str:
    """The key the browser token is stored under, made once per data dir and kept private (0600)."""
    path = data_dir / SECRET_FILE
    secret = _read_secret(path)
    if secret:
        return secret
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(24)
    temporary = path.with_name(f"{SECRET_FILE}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(secret)
    try:
        os.link(temporary, path)  # the first of two servers starting at once wins
    except FileExistsError:
        kept = _read_secret(path)
        if kept:
            return kept
        os.replace(temporary, path)  # an unreadable leftover: replace it
    finally:
        temporary.unlink(missing_ok=True)
    return secret
