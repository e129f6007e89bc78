"""Errors as the API answers them: a status and a JSON body ``{"error": {"status", "message"}}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

__all__ = ["ApiError", "error_response", "install_handlers", "problems"]


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))


def problems(exc: RequestValidationError) -> str:
    """What was wrong with the request's parameters, in one line."""
    text = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors())
    return text or "invalid request"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, problems(exc))


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer in time (locked by another writer, or away): nothing was done; try again."""
    return error_response(503, f"the store is busy or unreachable ({type(exc).__name__}); nothing was changed, try again",
                          {"Retry-After": "2"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return error_response(500, f"internal error ({type(exc).__name__}); please report this")


def install_handlers(app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _store_unavailable)
    app.add_exception_handler(Exception, _unexpected)
