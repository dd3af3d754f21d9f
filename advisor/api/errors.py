"""Errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}` with the matching status.

Every failure the API answers goes through `APIError` (or is turned into one by the handlers below), so
clients written for OpenAI read our errors the way they read theirs: 400 invalid_request_error,
401 invalid_api_key, 404 model_not_found, 413 request_too_large, 429 rate_limit_exceeded, 500/503.
Messages are in English and Chinese, English first, as one string: a client shows it as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}


def bilingual(en: str, zh: str) -> str:
    """One message for both readers: English, then Chinese."""
    return f"{en} / {zh}" if zh and zh != en else en


class APIError(Exception):
    """A failure to answer with `status` and OpenAI's error body; `headers` (Retry-After) go along."""

    def __init__(
        self,
        status: int,
        en: str,
        zh: str = "",
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(en)
        self.status = status
        self.message = bilingual(en, zh)
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, self.code, self.param)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def error_body(
    status: int, message: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


def bad_request(en: str, zh: str, param: str | None = None, code: str = "invalid_request") -> APIError:
    return APIError(400, en, zh, code=code, param=param)


def too_large(en: str, zh: str, param: str | None = None) -> APIError:
    return APIError(413, en, zh, code="request_too_large", param=param)


def unknown_model(model: str, param: str = "model") -> APIError:
    return APIError(
        404,
        f"The model {model!r} does not exist here; GET /v1/models lists those that do",
        f"没有名为 {model!r} 的模型；GET /v1/models 列出可用的模型",
        code="model_not_found",
        param=param,
    )


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "the request body is not valid", None
    first = errors[0]
    where = [str(p) for p in first.get("loc", ()) if p != "body"]
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    param = ".".join(where) or None
    return f"{param + ': ' if param else ''}{first.get('msg', 'invalid value')}", param


def install_handlers(app: FastAPI) -> None:
    """Every error the app answers, in OpenAI's shape."""

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        error = APIError(400, message, "请求内容无效：" + message, code="invalid_request", param=param)
        return error.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            error = APIError(404, f"no such endpoint: {request.url.path}", "没有这个接口", code="not_found")
        elif exc.status_code == 405:
            error = APIError(405, f"{request.method} is not allowed here", "不支持该请求方法", code="method")
        else:
            error = APIError(exc.status_code, str(exc.detail), code=None)
        return JSONResponse(error.body(), status_code=error.status, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("API request failed: %s %s", request.method, request.url.path)
        error = APIError(
            500,
            f"the server failed to answer ({type(exc).__name__})",
            f"服务器未能作答（{type(exc).__name__}）",
            code="internal_error",
        )
        return error.response()
