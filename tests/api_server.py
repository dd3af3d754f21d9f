"""Run the advisor's OpenAI-compatible API for a test: uvicorn in a thread on a free port.

`start_api(settings, advisor)` returns a `RunningAPI` with its base URL (ending in /v1) and `client()`,
an `openai.OpenAI` pointed at it; `stop()` ends the server. `scripted_advisor(root)` is the small
knowledge base of tests/e2e/appserver.py (real default embedder) with its scripted chat model.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import uvicorn
from e2e.appserver import ROUTES, RoutedChatModel, build_library, free_port, make_settings

from advisor.api.app import create_api
from advisor.config import Settings
from advisor.dialogue.advisor import Advisor


@dataclass
class RunningAPI:
    url: str  # http://127.0.0.1:PORT/v1
    settings: Settings
    advisor: Advisor
    server: uvicorn.Server
    thread: threading.Thread

    def client(self, api_key: str = "local", **options: Any) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        options.setdefault("timeout", 300)
        return openai.OpenAI(base_url=self.url, api_key=api_key, **options)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_api(settings: Settings, advisor: Advisor, host: str = "127.0.0.1") -> RunningAPI:
    app = create_api(settings, advisor, bind_host=host)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    return RunningAPI(f"http://127.0.0.1:{port}/v1", settings, advisor, server, thread)


def scripted_advisor(
    root: Path, word_s: float = 0.0, routes: list[tuple[str, str]] | None = None, **overrides: Any
) -> Advisor:
    """`routes` go before tests/e2e/appserver.py's ROUTES (first match wins)."""
    settings = make_settings(root, **overrides)
    library = build_library(settings, root / "docs")
    model = RoutedChatModel(routes=[*(routes or []), *ROUTES], word_s=word_s)
    return Advisor(settings, library=library, llm=model)
