"""`GET /v1/models`: the advisors as models, with the knowledge bases each reads; and the other engines.

advisor            the general advisor: picks the domain from the question, reads every knowledge base
advisor-health     one domain's advisor (its persona and policy), reading that domain's documents
advisor-llm        the plain language model: no retrieval, no guard; for another advisor's `openai`
                   backend (one machine serving the model for another) and for scripts
whisper-1          speech recognition (POST /v1/audio/transcriptions)
tts-1              speech (POST /v1/audio/speech)
<embedder>         the knowledge bases' embedder (POST /v1/embeddings), e.g. multilingual-e5-small-q4;
                   also as `advisor-embeddings`
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request

from advisor.api.context import APIContext, admitted, context
from advisor.api.errors import unknown_model

OWNER = "advisor"
GENERAL = "advisor"
RAW_LLM = "advisor-llm"
ASR_MODELS = ("whisper-1", "whisper")
TTS_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
CREATED = 1_735_689_600  # 2025-01-01: a fixed date, so the list does not change between calls


@dataclass(frozen=True)
class ChatModel:
    id: str
    domain: str | None  # None: the general advisor picks; "" for the raw model
    raw: bool = False


def chat_models(ctx: APIContext) -> dict[str, ChatModel]:
    models = {GENERAL: ChatModel(GENERAL, None)}
    for domain in ctx.advisor.prompts.domains:
        if domain != "general":
            models[f"advisor-{domain}"] = ChatModel(f"advisor-{domain}", domain)
    models[RAW_LLM] = ChatModel(RAW_LLM, "", raw=True)
    return models


def chat_model(ctx: APIContext, name: str) -> ChatModel:
    try:
        return chat_models(ctx)[name]
    except KeyError:
        raise unknown_model(name) from None


EMBEDDING_ALIAS = "advisor-embeddings"


def embedding_model(ctx: APIContext) -> str:
    """The knowledge bases' embedder, by the name the catalog records (e.g. multilingual-e5-small-q4)."""
    return ctx.advisor.library.embedder_name


def _knowledge_bases(ctx: APIContext) -> dict[str, list[str]]:
    """Each domain's knowledge bases: those holding a document of that domain."""
    library = ctx.advisor.library
    by_domain: dict[str, list[str]] = {}
    for kb in library.names():
        for domain in sorted({d.domain for d in library.catalog.documents(kb)}):
            by_domain.setdefault(domain, []).append(kb)
    return by_domain


def _card(model_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": CREATED, "owned_by": OWNER, **extra}


def model_list(ctx: APIContext) -> list[dict[str, Any]]:
    kbs = _knowledge_bases(ctx)
    every = ctx.advisor.library.names()
    cards = []
    for model in chat_models(ctx).values():
        if model.raw:
            cards.append(_card(model.id, advisor={"kind": "llm", "knowledge_bases": []}))
        else:
            reads = every if model.domain is None else kbs.get(model.domain, [])
            cards.append(
                _card(
                    model.id,
                    advisor={"kind": "advisor", "domain": model.domain or "auto", "knowledge_bases": reads},
                )
            )
    cards.append(_card(ASR_MODELS[0], advisor={"kind": "transcription", "backend": ctx.settings.asr.backend}))
    cards.append(_card(TTS_MODELS[0], advisor={"kind": "speech", "backend": ctx.settings.tts.backend}))
    cards.append(_card(embedding_model(ctx), advisor={"kind": "embeddings"}))
    return cards


router = APIRouter()


@router.get("/models")
def list_models(request: Request, caller: str = Depends(admitted)) -> dict[str, Any]:
    return {"object": "list", "data": model_list(context(request))}


@router.get("/models/{model_id}")
def get_model(model_id: str, request: Request, caller: str = Depends(admitted)) -> dict[str, Any]:
    card = next((c for c in model_list(context(request)) if c["id"] == model_id), None)
    if card is None:
        raise unknown_model(model_id)
    return card
