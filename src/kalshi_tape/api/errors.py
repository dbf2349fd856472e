"""API errors: every failure is JSON `{"code": ..., "message": ...}` with a fitting status.

Handlers cover our own `ApiProblem`, FastAPI's parameter validation (422, never a 500),
HTTP errors raised by routing (404, 405) and, as a last resort, anything unexpected
(500 with a generic message; the details go to the log, never to the client).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

log = logging.getLogger("kalshi_tape.api")


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str


class ApiProblem(Exception):
    """A failure with a status, a stable machine code and a human message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(what: str, ticker: str) -> ApiProblem:
    return ApiProblem(404, f"unknown_{what}", f"no {what} {ticker!r} here or at Kalshi")


def bad_parameter(message: str) -> ApiProblem:
    return ApiProblem(422, "invalid_parameter", message)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status, headers=headers)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def install_error_handlers(app: FastAPI) -> None:
    async def problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiProblem)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, "invalid_parameter", _describe(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error; see the server log")

    app.add_exception_handler(ApiProblem, problem)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


# Documented on every route: what an error looks like.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "missing, wrong or revoked API key"),
        (404, "unknown ticker"),
        (422, "bad parameter"),
        (429, "rate limit of the API key exceeded"),
        (503, "Kalshi unreachable and nothing stored"),
    )
}


# upstream trouble, as the candle service answers it
def unavailable(detail: str) -> ApiProblem:
    return ApiProblem(
        503,
        "upstream_unavailable",
        f"Kalshi could not be reached and the data is not stored here: {detail}",
        {"Retry-After": "30"},
    )


def budget_spent(wait: float) -> ApiProblem:
    retry = str(max(1, int(wait + 0.999)))
    return ApiProblem(
        503,
        "upstream_budget",
        f"the budget for asking Kalshi about data not stored here is spent; retry in {retry} s",
        {"Retry-After": retry},
    )


def describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Kalshi did not answer in time"
    return str(exc) or type(exc).__name__
