"""Serving the app with uvicorn on a socket bound here, so the printed URL is the real one.

``serve(config)`` binds the address first (port 0 picks a free port), prints the URL, then
serves until Ctrl-C or SIGTERM, which uvicorn turns into a clean shutdown.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from headwater.web.config import WebConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["bind", "serve"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``.

    Raises:
        OSError: the address is taken or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(config: WebConfig, app: FastAPI, *, announce: Callable[[str], None] = print) -> None:
    """Serve ``app`` on ``config``'s address until Ctrl-C or SIGTERM; ``announce`` gets the URL once bound."""
    import uvicorn

    sock = bind(config.host, config.port)
    port = sock.getsockname()[1]
    url = WebConfig(host=config.host, port=port).url
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=3)
    )
    announce(url)
    # the stores and the code location load while the browser is opened, not on its first page
    threading.Thread(target=app.state.web.warm, name="headwater-warm", daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly, then passed the Ctrl-C on
    finally:
        sock.close()
