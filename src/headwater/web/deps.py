"""FastAPI dependencies: what a route asks for (the server's state, its stores, its code location)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from headwater.definitions.loading import CodeLocation
from headwater.storage.instance import Instance
from headwater.web.state import WebState

__all__ = ["InstanceDep", "LocationDep", "WebStateDep"]


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


WebStateDep = Annotated[WebState, Depends(web_state)]


def instance(state: WebStateDep) -> Instance:
    return state.instance


def location(state: WebStateDep) -> CodeLocation:
    return state.location()


InstanceDep = Annotated[Instance, Depends(instance)]
LocationDep = Annotated[CodeLocation, Depends(location)]
