"""`advisor keys` and `advisor api` as a user runs them: a key made on the command line opens the API that
`advisor api` serves, and a wrong key or a revoked one does not (the openai SDK as the client)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest

ADVISOR = [sys.executable, "-m", "advisor.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*ADVISOR, *args], env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_a_key_from_the_command_line_opens_the_api_that_advisor_api_serves(tmp_path: Path) -> None:
    env = {**os.environ, "ADVISOR_DATA_DIR": str(tmp_path / "data")}
    made = json.loads(_cli(env, "keys", "create", "--name", "script", "--json"))
    assert made["key"] and made["name"] == "script"
    listed = json.loads(_cli(env, "keys", "list", "--json"))
    assert [k["id"] for k in listed] == [made["id"]] and made["key"] not in json.dumps(listed)  # hashed

    port = _free_port()
    server = subprocess.Popen(
        [*ADVISOR, "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/v1"
        client = openai.OpenAI(base_url=base, api_key=made["key"], max_retries=0, timeout=10)
        deadline = time.monotonic() + 90
        while True:
            try:
                models = [m.id for m in client.models.list()]
                break
            except openai.APIConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"advisor api did not start: {server.stderr.read() if server.stderr else ''}")
                time.sleep(0.5)
        assert "advisor" in models and "advisor-health" in models
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=base, api_key="sk-wrong", max_retries=0).models.list()
        _cli(env, "keys", "revoke", made["id"])
        with pytest.raises(openai.AuthenticationError):
            client.models.list()  # revoked: refused from the next request on
    finally:
        server.terminate()
        server.wait(timeout=30)
