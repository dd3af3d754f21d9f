"""The OpenAI-compatible API as a FastAPI app: `create_api(settings, advisor)`, its routes under /v1.

`advisor serve` puts it in front of the page on the page's port (ui/app.py: `MountAt("/v1", api)`), with
the page's advisor, so both share one set of models; `advisor api` serves it alone (`serve_api`).
"""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from advisor.api import audio, chat, embeddings, models
from advisor.api.auth import Gate, KeyStore, is_loopback
from advisor.api.context import APIContext, ReleaseLease
from advisor.api.errors import install_handlers
from advisor.api.limits import Limiter
from advisor.api.security import protect
from advisor.api.uploads import body_limit
from advisor.config import Settings
from advisor.dialogue.advisor import Advisor

log = logging.getLogger(__name__)
PREFIX = "/v1"


def create_api(
    settings: Settings,
    advisor: Advisor | None = None,
    bind_host: str | None = None,
) -> FastAPI:
    """The API app, on `advisor` (the page's, when mounted beside it: one set of models). `bind_host` is
    the address the server listens on: it decides whether keys are required."""
    host = bind_host if bind_host is not None else settings.api.host
    api = FastAPI(
        title="advisor API",
        description="OpenAI-compatible API of the bilingual advisor. 智能顾问的 OpenAI 兼容接口。",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    api.state.api = APIContext(
        settings=settings,
        advisor=advisor or Advisor(settings),
        gate=Gate(KeyStore.in_data_dir(settings.ensure_data_dir()), host, settings.api.require_key),
        limiter=Limiter(settings.api.requests_per_minute, settings.api.concurrent_requests),
    )
    for module in (models, chat, audio, embeddings):
        api.include_router(module.router, prefix=PREFIX)
    install_handlers(api)
    api.add_middleware(ReleaseLease)
    protect(api, body_limit(settings), settings.api.cors_origins, host)
    if not is_loopback(host):
        log.info("API on a non-loopback address: every request needs a key (advisor keys create)")
    return api


def serve_api(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """`advisor api`: the API alone, on [api] host:port; the models load in the background."""
    import uvicorn

    host = host or settings.api.host
    advisor = Advisor(settings)
    app = create_api(settings, advisor, bind_host=host)

    def warm() -> None:
        try:
            advisor.warm_up()
        except Exception:
            log.exception("warming up the advisor failed; it will load on first use")

    threading.Thread(target=warm, name="advisor-warm-up", daemon=True).start()
    uvicorn.run(app, host=host, port=port or settings.api.port, log_level="info", access_log=False)
