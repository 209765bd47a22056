"""``create_app(config)``: the FastAPI application of the web UI.

The app is built from a :class:`~headwater.web.config.WebConfig`; every page and API route
lives in a router under :mod:`headwater.web.routes` and asks :mod:`headwater.services`
its questions. What is wrapped around them here: the :class:`~headwater.web.security.Guard`
(host, token, cross-site checks), the error pages (a missing or bad id is a 404 page, an
unexpected error a 500 page without a traceback), and the static files.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from headwater.errors import HeadwaterError
from headwater.web.config import WebConfig, is_loopback
from headwater.web.security import Guard, GuardMiddleware
from headwater.web.state import WebState

if TYPE_CHECKING:
    from headwater.storage.instance import Instance
    from headwater.web.security import ASGIApp, Scope

__all__ = ["create_app"]

logger = logging.getLogger("headwater.web")

HERE = Path(__file__).parent


def create_app(config: WebConfig | None = None, *, instance: Instance | None = None) -> FastAPI:
    """The web application for ``config`` (the defaults: 127.0.0.1, no token, the pyproject's code location).

    Args:
        config: the server's settings, checked (see :meth:`WebConfig.build`).
        instance: the stores to show (closed with the app); ``HEADWATER_HOME``'s when None.
    """
    from headwater import __version__
    from headwater.web.routes import include_routes

    config = config or WebConfig.build()
    guard = Guard(token=config.token, loopback=is_loopback(config.host))
    state = WebState.from_config(config, guard, instance)
    app = FastAPI(
        title="Headwater",
        version=__version__,
        description="Assets, runs, logs, metrics and schedules of a Headwater code location.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.web = state
    include_routes(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_handlers(app, state)
    app.add_middleware(GuardMiddleware, guard=guard, on_denied=lambda scope, status, reason: _denied(state, scope, status, reason))
    app.router.add_event_handler("shutdown", state.close)
    return app


def _wants_json(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _denied(state: WebState, scope: Scope, status: int, reason: str) -> ASGIApp:
    """The response to a request the guard refused: JSON for the API, a page otherwise."""
    path = scope.get("path", "")
    if _wants_json(path):
        headers = {"WWW-Authenticate": 'Bearer realm="headwater"'} if status == 401 else None
        return JSONResponse({"detail": reason}, status_code=status, headers=headers)
    if status == 401:
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        return state.render_login(target, status_code=401)
    return state.render_error(status, reason)


def _add_error_handlers(app: FastAPI, state: WebState) -> None:
    from headwater.web.errors import status_and_message

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if _wants_json(request.url.path):
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
        return state.render_error(exc.status_code, detail)

    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request.url.path):
            return JSONResponse({"detail": _plain(exc.errors())}, status_code=422)
        return state.render_error(400, "bad request: " + "; ".join(str(e.get("msg", e)) for e in exc.errors()))

    async def headwater_error(request: Request, exc: HeadwaterError) -> Response:
        status, message = status_and_message(exc)
        if _wants_json(request.url.path):
            return JSONResponse({"detail": message}, status_code=status)
        return state.render_error(status, message)

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        logger.exception("error answering %s %s", request.method, request.url.path)
        message = "the server failed to answer this request; its log has the details"
        if _wants_json(request.url.path):
            return JSONResponse({"detail": message}, status_code=500)
        return state.render_error(500, message)

    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HeadwaterError, headwater_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error)


def _plain(errors: Any) -> Any:
    """Validation errors as JSON-able values (their ``ctx`` may hold exceptions)."""
    return [{k: v for k, v in dict(e).items() if k in ("loc", "msg", "type")} for e in errors]
