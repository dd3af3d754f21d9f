"""Server-sent events as OpenAI streams them: `data: {json}` per chunk, `data: [DONE]` at the end."""

from __future__ import annotations

import json
from typing import Any

DONE = "data: [DONE]\n\n"


def sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
