"""What every route of one server shares: its config, guard, templates, stores and code location."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from headwater.web.config import WebConfig
from headwater.web.location import ReloadingLocation
from headwater.web.security import CSRF_FIELD, Guard

if TYPE_CHECKING:
    from starlette.requests import Request

    from headwater.definitions.loading import CodeLocation
    from headwater.services.submit import LocationRef
    from headwater.storage.instance import Instance

__all__ = ["WebState"]

TEMPLATES = Path(__file__).parent / "templates"


class WebState:
    """The state of one web server.

    Args:
        config: its settings.
        guard: its secrets and checks.
        location: the code location it shows.
        instance: the stores; opened on first use when None (``HEADWATER_HOME``'s).
    """

    def __init__(
        self, config: WebConfig, guard: Guard, location: ReloadingLocation, instance: Instance | None = None
    ) -> None:
        self.config = config
        self.guard = guard
        self._location = location
        self._instance = instance
        self._lock = threading.Lock()
        #: the folder runs queued from this server start in (their code location's references are relative to it)
        self.working_dir = os.getcwd()
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.globals.update(csrf_field=CSRF_FIELD, signed_in_needed=guard.token is not None)
        self.templates.env.filters.update(_filters())

    @classmethod
    def from_config(cls, config: WebConfig, guard: Guard, instance: Instance | None = None) -> WebState:
        return cls(config, guard, ReloadingLocation(file=config.file, module=config.module, dags_folder=config.dags_folder), instance)

    @property
    def instance(self) -> Instance:
        """The stores, opened the first time a route needs them."""
        with self._lock:
            if self._instance is None:
                from headwater.storage.instance import Instance

                self._instance = Instance.get()
            return self._instance

    @property
    def location_ref(self) -> LocationRef:
        """Where a run queued from here finds its code (the daemon loads it from disk)."""
        from headwater.services.submit import LocationRef

        file = str(Path(self.config.file).resolve()) if self.config.file is not None else None
        return LocationRef(file=file, module=self.config.module, working_dir=self.working_dir)

    def location(self) -> CodeLocation:
        """The code location as its files are now (reloaded when they changed)."""
        return self._location.get()

    def warm(self) -> None:
        """Open the stores and load the code location now, so the first page does not wait
        for them (run in a thread at start-up; a location that fails to load is reported by
        the pages that need it)."""
        import logging

        from headwater.errors import HeadwaterError

        try:
            self.instance  # noqa: B018 -- opening is the point
            self.location()
        except HeadwaterError as exc:
            logging.getLogger("headwater.web").warning("%s", exc)

    def close(self) -> None:
        with self._lock:
            if self._instance is not None:
                self._instance.close()
                self._instance = None

    # -- rendering ----------------------------------------------------------------------

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page: ``template`` with ``context`` plus what every page needs (the CSRF token)."""
        return self.templates.TemplateResponse(
            request, template, {"csrf_token": self.guard.csrf_token, **context}, status_code=status_code
        )

    def render_error(self, status_code: int, message: str) -> HTMLResponse:
        """An error page; rendered without a request, as the guard refuses before any route."""
        html = self.templates.get_template("error.html").render(status_code=status_code, message=message)
        return HTMLResponse(html, status_code=status_code)

    def render_login(self, target: str, *, status_code: int = 200, failed: bool = False) -> HTMLResponse:
        """The sign-in form, which returns to ``target`` (a path on this server) once signed in."""
        html = self.templates.get_template("login.html").render(
            target=local_path(target), failed=failed, csrf_token=self.guard.csrf_token
        )
        return HTMLResponse(html, status_code=status_code)


def local_path(target: str) -> str:
    """``target`` when it is a path on this server; ``/`` otherwise (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _filters() -> dict[str, Any]:
    from headwater.web import render

    return {
        "time": render.format_time,
        "duration": render.format_duration,
        "size": render.format_size,
        "short": render.short,
    }
