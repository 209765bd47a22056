"""The front page (the asset graph) and the API's index."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

__all__ = ["api", "pages"]

api = APIRouter()
pages = APIRouter()


class ApiIndex(BaseModel):
    """What the API offers."""

    name: str
    version: str
    openapi: str


@api.get("/", summary="The API's index")
def api_index() -> ApiIndex:
    from headwater import __version__

    return ApiIndex(name="headwater", version=__version__, openapi="/api/openapi.json")


@pages.get("/")
def front() -> RedirectResponse:
    return RedirectResponse("/assets", status_code=307)
