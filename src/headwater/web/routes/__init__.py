"""The routers of the web app: one module per resource, each with its pages and its API twin.

A module offers ``api`` (JSON routes, mounted under ``/api`` and described in the OpenAPI
schema) and/or ``pages`` (HTML). :func:`route_table` lists every route with its methods, so
tests can try each one (the security tests do).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from headwater.web.routes import assets, auth, home, launch, runs, schedules

__all__ = ["API_PREFIX", "include_routes", "route_table"]

API_PREFIX = "/api"

#: (prefix, router, in the schema) in the order routes are matched
_ROUTERS: list[tuple[str, APIRouter, bool]] = [
    (API_PREFIX, module.api, True) for module in (home, assets, runs, launch, schedules)
] + [("", module.pages, False) for module in (home, auth, assets, runs, launch, schedules)]


def include_routes(app: FastAPI) -> None:
    """Add every router to ``app``."""
    for prefix, router, in_schema in _ROUTERS:
        app.include_router(router, prefix=prefix, include_in_schema=in_schema)


def route_table() -> list[tuple[str, str]]:
    """``(method, path)`` of every route, paths with their ``{parameters}``."""
    table: list[tuple[str, str]] = []
    for prefix, router, _ in _ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                table.extend((method, prefix + route.path) for method in sorted(route.methods or ()))
    return table
