"""Signing in with the server's token (a session cookie) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from headwater.web.deps import WebStateDep
from headwater.web.security import SESSION_COOKIE
from headwater.web.state import local_path

__all__ = ["pages"]

pages = APIRouter()


@pages.get("/login")
def login_form(state: WebStateDep, next: str = "/") -> Response:
    """The sign-in form (or straight on, when the server needs no token)."""
    if state.guard.token is None:
        return RedirectResponse("/", status_code=303)
    return state.render_login(next)


@pages.post("/login")
def login(
    request: Request,
    state: WebStateDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the token; on success set the session cookie and go on to ``next``."""
    if state.guard.token is None:
        return RedirectResponse("/", status_code=303)
    if not state.guard.token_matches(token):
        return state.render_login(next, status_code=401, failed=True)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, state.guard.session_value, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@pages.post("/logout")
def logout() -> Response:
    """Forget the session cookie."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
