"""The Gradio app: `build_app(settings)` lays out the page and wires it; `serve(settings)` starts it.

The page: a conversations sidebar; tabs for Chat, Knowledge bases and Status (ui.layout). Its texts come
from ui.i18n, in the browser's language by default and switchable. Behaviour lives beside it: the chat
and the sidebar in ui.chat_events, the knowledge bases in ui.kb_events; here only the language, the
status table and how the server is started (limits, file serving, login, queue).
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gradio as gr
from gradio.utils import get_cache_folder, get_upload_folder
from starlette.middleware import Middleware

from advisor.config import REPO_ROOT, Settings, get_settings
from advisor.dialogue.advisor import Advisor
from ui.chat import can_speak
from ui.chat_events import ChatEvents
from ui.i18n import LANGUAGES, browser_language, normalize, t
from ui.kb import KnowledgeAdmin
from ui.kb_events import KnowledgeEvents
from ui.layout import CSS, Page, build_page, page_js, theme
from ui.owner import browser_secret, ensure_token, owner_of
from ui.status import status_markdown
from ui.views import Views
from ui.voice_events import VoiceEvents
from ui.voice_gate import VoiceGate, advisor_sessions
from ui.voice_socket import PREFIX as VOICE_PREFIX
from ui.voice_socket import voice_app

log = logging.getLogger(__name__)

TITLE = "智能顾问 · Advisor"
QUEUE_SIZE = 16  # requests waiting beyond this get Gradio's "busy, try again" answer


def build_app(settings: Settings, advisor: Advisor | None = None) -> gr.Blocks:
    advisor = advisor or Advisor(settings)
    admin = KnowledgeAdmin(advisor.library)
    views = Views(advisor, admin)
    start = settings.ui.language if settings.ui.language in LANGUAGES else "en"
    secret = browser_secret(settings.ensure_data_dir())
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        page = build_page(views, start, can_speak(advisor), secret)
        chat = ChatEvents(advisor, views)
        chat.wire(page)
        gate = VoiceGate(advisor_sessions(advisor))
        VoiceEvents(advisor, views, gate, chat.open_conversation).wire(page)
        KnowledgeEvents(admin, views).wire(page)

        def status(lang: str) -> str:
            return status_markdown(advisor, normalize(lang))

        wire_language(app, page, settings, views, advisor, status)

        page.status_refresh.click(status, page.lang, page.status, api_name="status")
        page.status_tab.select(status, page.lang, page.status, api_visibility="private")
    app.queue(max_size=QUEUE_SIZE, default_concurrency_limit=1)
    app.voice_gate = gate  # for launch(): the socket redeems its tickets
    return app


def wire_language(
    app: gr.Blocks,
    page: Page,
    settings: Settings,
    views: Views,
    advisor: Advisor,
    status: Callable[[str], str],
) -> None:
    """On load, the browser's language (or the configured one) and its owner token; on a click, the
    other language."""

    def detect(token: str | None, request: gr.Request) -> tuple[str, str]:
        token = ensure_token(token)
        if settings.ui.language in LANGUAGES:
            return settings.ui.language, token
        header = request.headers.get("accept-language") if request is not None else None
        return browser_language(header), token

    p = page
    outputs = [p.title, p.domain, p.badge, p.conversations, p.kb_stats, p.kb_docs, p.status, p.speech]

    def apply(
        lang: str, domain: str | None, kb: str | None, token: str | None, request: gr.Request
    ) -> list[Any]:
        lang = normalize(lang)
        owner = owner_of(token, request)
        speech = can_speak(advisor)
        return [
            gr.update(value=f"# {t(lang, 'title')}", elem_classes=["ready"]),  # "ready": the page has loaded
            gr.update(choices=views.advisor_choices(lang), label=t(lang, "advisor")),
            views.badge(domain, lang),
            gr.update(choices=views.conversation_choices(lang, owner), label=t(lang, "conversations")),
            views.admin.stats(kb, lang),
            views.documents(kb, lang),
            status(lang),
            gr.update(
                label=t(lang, "speech"),
                interactive=speech,
                info=t(lang, "speech_info_ok" if speech else "speech_info_off"),
            ),
            *p.texts.updates(lang),
        ]

    inputs, every_text = [p.lang, p.domain, p.kb_select, p.owner], [*outputs, *p.texts.components]
    app.load(detect, p.owner, [p.lang, p.owner], api_visibility="private").then(
        apply, inputs, every_text, api_visibility="private"
    )
    p.lang.input(apply, inputs, every_text, api_name="language")

    def knowledge_bases() -> Any:
        return gr.update(choices=views.admin.names())

    for choices in (p.kb_filter, p.kb_select):  # knowledge bases made since the page was built
        app.load(knowledge_bases, None, choices, api_visibility="private")


# -- starting the server ----------------------------------------------------------------------------------------
def _auth(spec: str) -> Callable[[str, str], bool] | None:
    """`user:password` from settings.ui.auth, checked in constant time; None = no login."""
    if not spec:
        return None
    user, _, password = spec.partition(":")

    def check(name: str, secret: str) -> bool:
        same_user = hmac.compare_digest(name.encode(), user.encode())
        return hmac.compare_digest(secret.encode(), password.encode()) and same_user

    return check


def blocked_paths(settings: Settings) -> list[str]:
    """The data dir and the source tree, never served.

    Gradio serves only its own upload and cache folders and `allowed_paths` (empty here); blocking these
    as well keeps a file of ours from ever reaching a reply. Gradio's upload and cache folders stay open,
    and so does the working directory itself (Gradio names its audio streams by paths under it), so a
    root that holds one of them is blocked child by child instead of whole.
    """
    keep = [Path(get_upload_folder()).resolve(), get_cache_folder().resolve()]
    open_dirs = [Path.cwd().resolve()]

    def block(root: Path) -> list[str]:
        if any(root.is_relative_to(k) for k in keep):
            return []
        if not any(k.is_relative_to(root) for k in keep + open_dirs):
            return [str(root)]
        if not root.is_dir():
            return []
        return [path for child in sorted(root.iterdir()) for path in block(child)]

    return [path for root in (settings.data_dir.resolve(), REPO_ROOT.resolve()) for path in block(root)]


class SameOriginOnly:
    """Refuses (403) any request whose Origin header names another site than the one it is sent to.

    Gradio itself only withholds the CORS headers from a foreign origin, which still lets another site's
    page post a form (an upload, a queued call) that runs here. A browser sends Origin with every such
    request; gradio_client and curl send none and are let through. Behind a reverse proxy, pass the
    original Host header on. Served on a loopback address only, a request must also name a loopback host:
    a page whose own name was made to resolve to 127.0.0.1 (DNS rebinding) is refused too.
    """

    LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

    def __init__(self, app: Any, loopback_only: bool = False) -> None:
        self.app = app
        self.loopback_only = loopback_only

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            origin, host = headers.get("origin"), headers.get("host", "")
            rebound = self.loopback_only and urlsplit(f"//{host}").hostname not in self.LOOPBACK
            if rebound or (origin is not None and not self.allowed(origin, host)):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"text/plain")],
                    }
                )
                await send({"type": "http.response.body", "body": b"foreign origin refused"})
                return
        await self.app(scope, receive, send)

    @classmethod
    def allowed(cls, origin: str, host: str) -> bool:
        parsed = urlsplit(origin)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return False  # "null" (a sandboxed frame, a file:// page) and anything odd
        if parsed.netloc.lower() == host.lower():
            return True
        # localhost and 127.0.0.1 name the same server, on the same port only: another local app is foreign.
        served = urlsplit(f"//{host}")
        same_port = (parsed.port or {"http": 80, "https": 443}[parsed.scheme]) == (served.port or 80)
        return same_port and served.hostname in cls.LOOPBACK and parsed.hostname in cls.LOOPBACK


def max_upload_bytes(settings: Settings) -> int:
    return max(settings.retrieval.max_file_bytes, settings.asr.max_bytes, settings.vision.max_bytes)


def page_middleware(settings: Settings, api: Any = None, gate: VoiceGate | None = None) -> list[Middleware]:
    """In front of the page: the API at /v1 (its own origin rules), the same-origin check, then the voice
    socket at /voice, after the check: another site's page must not open a conversation here."""
    from advisor.api.security import MountAt

    at_v1 = [Middleware(MountAt, prefix="/v1", api=api)] if api is not None else []
    at_voice = [Middleware(MountAt, prefix=VOICE_PREFIX, api=voice_app(gate))] if gate is not None else []
    loopback = settings.ui.host in SameOriginOnly.LOOPBACK
    return [*at_v1, Middleware(SameOriginOnly, loopback_only=loopback), *at_voice]


def launch(app: gr.Blocks, settings: Settings, api: Any = None, **overrides: Any) -> Any:
    """Start the server with the page's security settings. `api`: the OpenAI-compatible API app
    (advisor.api), served at /v1 ahead of the page. `overrides` go to `Blocks.launch` (tests)."""
    options: dict[str, Any] = {
        "server_name": settings.ui.host,
        "server_port": settings.ui.port,
        "auth": _auth(settings.ui.auth),
        "auth_message": TITLE,
        "max_file_size": max_upload_bytes(settings),
        "allowed_paths": [],
        "blocked_paths": blocked_paths(settings),
        "show_error": False,  # errors reach the page as plain words from the handlers, never a traceback
        "footer_links": ["api", "settings"],
        "run_history": False,
        "enable_monitoring": False,
        "ssr_mode": False,
        "mcp_server": False,
        "pwa": False,
        "app_kwargs": {"middleware": page_middleware(settings, api, getattr(app, "voice_gate", None))},
        "theme": theme(),
        "css": CSS,
        "js": page_js(),
    }
    options.update(overrides)
    return app.launch(**options)


def _warm_up(advisor: Advisor) -> None:
    try:
        advisor.warm_up()
    except Exception:
        log.exception("warming up the advisor failed; it will load on first use")
    advisor.stages.warm_up()


def serve(settings: Settings | None = None) -> None:
    """`advisor serve`: build the page, load the models in the background, serve until stopped."""
    settings = settings or get_settings()
    advisor = Advisor(settings)
    app = build_app(settings, advisor)
    threading.Thread(target=_warm_up, args=(advisor,), name="advisor-warm-up", daemon=True).start()
    from advisor.api.app import create_api

    api = create_api(settings, advisor, bind_host=settings.ui.host) if settings.api.enabled else None
    launch(app, settings, api=api)
