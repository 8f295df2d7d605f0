"""One place that turns errors into Seerr's error bodies: core errors into their status
codes and messages, invalid input into 400 naming the field, anything unexpected into a
plain 500 (logged here, never a traceback in the response)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from core import errors
from core.media import MediaType

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than success, with its exact body (and headers)."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})


def message(status: int, text: str, *fields: str) -> ApiError:
    """Seerr's route error body: ``{"message": ..., "errors": [...]}``."""
    return ApiError(status, {"message": text, "errors": list(fields)})


def message_only(status: int, text: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An answer whose body is ``{"message": ...}`` alone, as Seerr's title and downloader
    routes send their failures (returned by a route, not raised)."""
    return JSONResponse({"message": text}, status_code=status, headers=headers)


def _quota(error: errors.QuotaExceeded) -> str:
    return (
        "Movie Quota exceeded." if error.media_type is MediaType.MOVIE else "Series Quota exceeded."
    )


def from_core(error: errors.CoreError) -> ApiError:
    """The HTTP answer to a core error, with Seerr's code and, where it has one, its text."""
    match error:
        case errors.NotFound(kind=kind):
            return message(404, f"{kind[:1].upper()}{kind[1:]} not found.")
        case errors.TitleNotFound():
            return message(404, "Title not found.", "mediaId")
        case errors.QuotaExceeded():
            return message(403, _quota(error))
        case errors.PermissionDenied(action=action):
            return message(403, f"You do not have permission to {action}.")
        case errors.ProtectedUser(reason=reason):
            return message(403, f"You do not have permission to do that: {reason}.")
        case errors.Blocklisted():
            return message(403, "This media is blocklisted.")
        case errors.DuplicateRequest():
            return message(409, "Request for this media already exists.")
        case errors.AlreadyDecided(request=request):
            return message(409, f"Request is already {request.status.name.lower()}.")
        case errors.InvalidTransition(status=status, action=action):
            return message(409, f"Cannot {action} a request that is {status.name.lower()}.")
        case errors.InvalidSeasons(unknown=unknown):
            return message(
                400, f"The show has no season {', '.join(map(str, unknown))}.", "seasons"
            )
        case errors.InvalidInput(field=field, reason=reason):
            return message(400, f"Invalid {field}: {reason}.", field)
        case errors.IssueRefused(reason=reason):
            return message(400, reason)
        case errors.ServiceUnavailable(service=service):
            return message(503, f"{service} is not reachable; try again later.")
        case errors.ServiceRejected(service=service):
            return message(502, f"{service} refused the request.")
        case errors.Conflict():
            return message(503, "Busy; try again.")
    return message(500, "Unexpected error.")


def _field(problem: Mapping[str, Any]) -> str:
    """The field a validation problem is about (``seasons.1``); ``body`` for a body that
    is no JSON at all, whose location is a character position."""
    if problem.get("type") == "json_invalid":
        return "body"
    location = problem.get("loc", ())
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _core_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.CoreError)
    return await _api_error(_request, from_core(exc))


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    fields = [_field(p) for p in problems] or ["body"]
    first = problems[0].get("msg", "invalid value") if problems else "invalid value"
    text = f"Invalid value for {fields[0]}: {first}."
    return JSONResponse({"message": text, "errors": fields}, status_code=400)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        {"message": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("API error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"message": "Unexpected error."}, status_code=500)


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["message", "errors"],
}


def _documented(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app``'s OpenAPI document as it answers: invalid input is a 400 naming the fields
    (FastAPI documents its own 422, which this API never sends)."""
    generate = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        invalid = {
            "description": "Invalid input: the message says why, errors names the fields",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", invalid)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components["Error"] = ERROR_SCHEMA
        app.openapi_schema = schema
        return schema

    return document


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``, and document what invalid input gets."""
    app.openapi = _documented(app)  # type: ignore[method-assign]
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(errors.CoreError, _core_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
