"""`advisor serve` serves the API at /v1 on the page's port, ahead of the page, with the page's advisor."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import openai
import pytest
from api_server import scripted_advisor
from e2e.appserver import start

from advisor.api.app import create_api

pytestmark = pytest.mark.slow


def test_api_at_v1_beside_the_page(tmp_path: Path) -> None:
    advisor = scripted_advisor(tmp_path)
    settings = advisor.settings
    server = start(settings, advisor, api=create_api(settings, advisor, bind_host=settings.ui.host))
    try:
        client = openai.OpenAI(base_url=server.url + "v1", api_key="local", max_retries=0)
        reply = client.chat.completions.create(
            model="advisor", messages=[{"role": "user", "content": "How much is a Riverside Library card?"}]
        )
        assert "12 dollars" in (reply.choices[0].message.content or "")
        with pytest.raises(openai.NotFoundError):  # the API's own 404, in OpenAI's shape
            client.get("/no-such-endpoint", cast_to=object)
        with urllib.request.urlopen(server.url) as page:  # the page is still there
            assert page.status == 200 and b"gradio" in page.read().lower()
    finally:
        server.close()
