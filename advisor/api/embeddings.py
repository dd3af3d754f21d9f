"""`POST /v1/embeddings` with the knowledge bases' own embedder, so a client's vectors match theirs.

By default a text is embedded as the knowledge bases embed their passages, so the vector of a passage's
text equals the stored one. The extension parameter `input_type: "query"` embeds a text as the
retriever embeds a question (e5 models mark the two differently), for searching those passages.
`encoding_format` is float or base64 (little-endian float32, what OpenAI's SDK asks for by default).
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from advisor.api.context import admitted, context
from advisor.api.errors import bad_request, unknown_model
from advisor.api.models import EMBEDDING_ALIAS, embedding_model
from advisor.knowledge.chunking import estimate_tokens

router = APIRouter()
MAX_INPUTS = 256
MAX_CHARS = 8192


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = None
    input_type: Literal["document", "query"] = "document"
    user: str | None = None


@router.post("/embeddings")
async def embeddings(
    body: EmbeddingRequest, request: Request, caller: str = Depends(admitted)
) -> dict[str, Any]:
    ctx = context(request)
    library = ctx.advisor.library
    name = await asyncio.to_thread(embedding_model, ctx)
    if body.model not in (name, EMBEDDING_ALIAS):
        raise unknown_model(body.model)
    texts = [body.input] if isinstance(body.input, str) else body.input
    if not texts or not all(isinstance(t, str) for t in texts):
        raise bad_request(
            "input: a string or a list of strings (token arrays are not read here)",
            "input：一个字符串或字符串列表（不接受词元数组）",
            "input",
        )
    strings: list[str] = [str(t) for t in texts]
    if len(strings) > MAX_INPUTS or any(len(t) > MAX_CHARS or not t.strip() for t in strings):
        raise bad_request(
            f"input: 1 to {MAX_INPUTS} non-empty texts of at most {MAX_CHARS} characters each",
            f"input：1 到 {MAX_INPUTS} 段非空文字，每段最多 {MAX_CHARS} 个字符",
            "input",
        )
    dim = library.embedder.dim
    if body.dimensions is not None and body.dimensions != dim:
        raise bad_request(
            f"dimensions: this embedder gives {dim}", f"dimensions：该模型的维度为 {dim}", "dimensions"
        )

    def embed() -> np.ndarray:
        if body.input_type == "query":
            return np.stack([library.embedder.embed_query(t) for t in strings])
        return library.embedder.embed_documents(strings)

    vectors = np.asarray(await asyncio.to_thread(embed), dtype="<f4")
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(v, body.encoding_format)}
        for i, v in enumerate(vectors)
    ]
    tokens = sum(max(0, estimate_tokens(t) - 1) for t in strings)
    return {
        "object": "list",
        "data": data,
        "model": name,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _encode(vector: np.ndarray, fmt: str) -> list[float] | str:
    if fmt == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]
