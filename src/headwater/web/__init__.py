"""The web UI and its JSON API: a thin FastAPI entry point over :mod:`headwater.services`.

Pages are rendered on the server with Jinja2; each has a JSON twin under ``/api`` built from
the same service call (the datasette shape), described by the OpenAPI schema FastAPI makes
at ``/api/openapi.json``. The little JavaScript a live page needs is ours or vendored under
``static/vendor`` (no CDN, no Node at install time).

Start it with ``headwater ui`` (the web server alone) or ``headwater dev`` (with the
scheduler and the run coordinator). Importing this package is light: FastAPI loads in
:func:`headwater.web.app.create_app`.
"""

from __future__ import annotations

__all__: list[str] = []
