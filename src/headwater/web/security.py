"""Who may use the server, and which requests may change something.

Three checks run on every request, before any route (a pure ASGI middleware, so static
files and unknown paths are covered as well as pages and the API):

* **Host.** A server bound to a loopback address answers only requests addressed to a
  loopback name: a web page cannot reach it through a DNS name rebound to 127.0.0.1.
* **Token.** When the server has a token, a request proves it knows it with
  ``Authorization: Bearer TOKEN`` (API clients) or the session cookie the sign-in form
  sets (browsers); anything else is answered 401 (the sign-in form, for a page).
* **Cross-site requests.** A request that is not GET, HEAD or OPTIONS passes when it carries
  the Bearer token (browsers never add it on their own), or when it is JSON
  (``application/json`` needs a CORS preflight this server never grants), or when it is a
  form whose ``csrf_token`` field holds this server's CSRF token (which only its own pages
  show). And never when the browser says it comes from another site (``Origin`` or
  ``Sec-Fetch-Site``). Anything else is answered 403.

Secrets are compared in constant time; the session cookie and the CSRF token are HMACs
under a key made fresh each time the server starts, so restarting the server signs
everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from headwater.web.config import is_loopback

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "SESSION_COOKIE", "Guard", "GuardMiddleware"]

SESSION_COOKIE = "headwater_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: paths anyone may reach: the sign-in form itself
PUBLIC_PATHS = frozenset({"/login"})
#: the largest form body read to find its CSRF field
MAX_FORM_BYTES = 1 << 20

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Guard:
    """The server's secrets and the checks made with them.

    Attributes:
        token: what clients must present; None when the server needs no sign-in.
        loopback: whether the server is bound to a loopback address (then the Host check applies).
    """

    token: str | None
    loopback: bool = True
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def _mac(self, purpose: str) -> str:
        return hmac.new(self.key, purpose.encode(), hashlib.sha256).hexdigest()

    @property
    def session_value(self) -> str:
        """The session cookie's value once signed in."""
        return self._mac("session")

    @property
    def csrf_token(self) -> str:
        """The token this server's forms carry in their ``csrf_token`` field."""
        return self._mac("csrf")

    def token_matches(self, presented: str) -> bool:
        """Whether ``presented`` is the server's token (constant time)."""
        return self.token is not None and hmac.compare_digest(presented.encode(), self.token.encode())

    def csrf_matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.encode(), self.csrf_token.encode())

    def host_allowed(self, host_header: str | None) -> bool:
        """Whether a request addressed to ``host_header`` may be answered."""
        if not self.loopback:
            return True  # reachable by name from anywhere; the token protects it
        if not host_header:
            return False
        name = urlsplit(f"//{host_header}").hostname
        return name is not None and is_loopback(name)

    def bearer(self, headers: dict[str, str]) -> bool:
        """Whether the request carries ``Authorization: Bearer TOKEN`` with the right token."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.token_matches(value.strip())

    def signed_in(self, headers: dict[str, str]) -> bool:
        """Whether the request may see the server: no token needed, the Bearer token, or the cookie."""
        if self.token is None or self.bearer(headers):
            return True
        cookie = _cookies(headers.get("cookie", "")).get(SESSION_COOKIE)
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.session_value.encode())


class GuardMiddleware:
    """The ASGI middleware that applies a :class:`Guard` to every HTTP request."""

    def __init__(self, app: ASGIApp, guard: Guard, *, on_denied: Callable[[Scope, int, str], Any]) -> None:
        self.app = app
        self.guard = guard
        #: builds the response for a refused request: (scope, status, reason) -> ASGI app
        self.on_denied = on_denied

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        guard = self.guard
        path: str = scope.get("path", "")
        if not guard.host_allowed(headers.get("host")):
            await self.on_denied(scope, 400, "this server answers only requests addressed to localhost")(
                scope, receive, send
            )
            return
        if path not in PUBLIC_PATHS and not guard.signed_in(headers):
            await self.on_denied(scope, 401, "sign in with the server's token")(scope, receive, send)
            return
        if scope.get("method", "GET") in _SAFE_METHODS or guard.bearer(headers):
            await self.app(scope, receive, send)
            return
        if _cross_site(headers):
            await self.on_denied(scope, 403, "cross-site request refused")(scope, receive, send)
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            await self.app(scope, receive, send)
            return
        if headers.get(CSRF_HEADER) and guard.csrf_matches(headers[CSRF_HEADER]):
            await self.app(scope, receive, send)
            return
        if content_type == "application/x-www-form-urlencoded":
            body = await _read_body(receive)
            if body is not None:
                fields = parse_qs(body.decode("latin-1"))
                presented = (fields.get(CSRF_FIELD) or [""])[0]
                if presented and guard.csrf_matches(presented):
                    await self.app(scope, _replay(body, receive), send)
                    return
        await self.on_denied(scope, 403, "missing or wrong CSRF token: reload the page and try again")(
            scope, receive, send
        )


def _cross_site(headers: dict[str, str]) -> bool:
    """Whether the browser says the request comes from a page of another origin."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


def _cookies(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            found.setdefault(name, value)
    return found


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is larger than :data:`MAX_FORM_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the app, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

