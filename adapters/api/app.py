"""The application: every router under /api/v1 (all but the public ones behind the key
check), the OpenAPI document at /api-docs, and the error handlers."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata

from fastapi import APIRouter, Depends, FastAPI

from adapters.api import errors, issues, media, requests, settings_routes, status, users
from adapters.api.auth import ApiKeys, ApiState, FailureLimiter, acting_user, checked_key
from core.services import Services

PREFIX = "/api/v1"


def _version() -> str:
    try:
        return metadata.version("requestbot")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0.0.0"


def build_api(
    services: Services,
    keys: ApiKeys,
    *,
    routers: Sequence[APIRouter] = (),
    version: str | None = None,
    title: str = "requestbot",
    limiter: FailureLimiter | None = None,
) -> FastAPI:
    """The Seerr-compatible API over ``services``; ``routers`` are more routes to serve
    under /api/v1 behind the same key check; ``limiter`` counts failed authentications
    (10 a minute per address by default)."""
    shown = version or _version()
    app = FastAPI(
        title=title,
        version=shown,
        docs_url="/api-docs",
        openapi_url="/api-docs/openapi.json",
        redoc_url=None,
    )
    app.state.api = ApiState(services, keys, shown, title, limiter or FailureLimiter())
    errors.install(app)
    public = APIRouter(prefix=PREFIX)
    public.include_router(status.router())
    public.include_router(settings_routes.public_router())
    # POST /request finds the acting user in its own transaction (one unit of work). Its
    # router comes before the protected one, whose routes a POST would otherwise be matched
    # against first (about 750 Python calls a request).
    keyed = APIRouter(prefix=PREFIX, dependencies=[Depends(checked_key)])
    keyed.include_router(requests.create_router())
    protected = APIRouter(prefix=PREFIX, dependencies=[Depends(acting_user)])
    parts = (requests, users, media, issues, settings_routes)
    for part in (module.router() for module in parts):
        protected.include_router(part)
    for extra in routers:
        protected.include_router(extra)
    app.include_router(public)
    app.include_router(keyed)
    app.include_router(protected)
    return app
